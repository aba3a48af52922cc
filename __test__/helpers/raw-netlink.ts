/**
 * Raw `NEWSETELEM` requests, sent with nftset's low-level API (`Batch`,
 * `NetlinkSocket`, `handle`), to check what the kernel itself returns for
 * input that nft and nftset reject or encode differently.
 *
 * The low-level `Element` carries only key and data bytes, as libnftnl's
 * Python wrapper did. Requests that need element flags, a timeout,
 * userdata, a verdict or `NLM_F_EXCL` are encoded here instead, framed by
 * the batch-begin and batch-end messages of `Batch`.
 */
import { constants } from 'node:os'

import { Batch, Element, handle, MNL_SOCKET_BUFFER_SIZE, NetlinkSocket, NFPROTO_INET, RawSet } from 'nftset'

/** One element of a raw request. Byte fields are hex, exactly as the kernel stores them. */
export interface RawElement {
  /** `NFTA_SET_ELEM_KEY` bytes. */
  key: string
  /** `NFTA_DATA_VALUE` bytes of a map value. */
  data?: string
  /** `NFTA_VERDICT_CODE` of a verdict map value: 0 drop, 1 accept, -3 jump, -4 goto. */
  verdict?: number
  /** `NFTA_VERDICT_CHAIN`, the target of a jump or goto. */
  chain?: string
  /** `NFTA_SET_ELEM_FLAGS`; 1 is `NFT_SET_ELEM_INTERVAL_END`. */
  flags?: number
  /** `NFTA_SET_ELEM_TIMEOUT` in milliseconds. */
  timeoutMs?: number
  /** `NFTA_SET_ELEM_USERDATA` bytes. */
  userdata?: string
}

/** A `NEWSETELEM` request for one set. */
export interface RawRequest {
  /** Table name. */
  table: string
  /** Set or map name. */
  set: string
  /** `NFPROTO_*` of the table; `NFPROTO_INET` when left out. */
  family?: number
  /** Sets `NLM_F_EXCL`, as `nft create element` does. */
  exclusive?: boolean
  /** The elements, in wire order. */
  elements: RawElement[]
}

/**
 * Sends `request` as one batch in the namespace at `netns` and returns the
 * kernel's result: `OK`, or the errno name such as `EEXIST`.
 */
export async function probeNewElements(netns: string, request: RawRequest): Promise<string> {
  const lowLevel = !request.exclusive && request.elements.every(hasOnlyKeyAndData)
  const bytes = lowLevel ? lowLevelBatch(request) : encodedBatch(request)
  return sendBatch(netns, bytes)
}

/** Sends a batch and reads the replies as libmnl's receive loop does. */
async function sendBatch(netns: string, bytes: Buffer): Promise<string> {
  const socket = await NetlinkSocket.open({ netns })
  try {
    await socket.send(bytes)
    let status = 1
    while (status > 0) {
      const reply = await socket.recv(MNL_SOCKET_BUFFER_SIZE)
      status = handle(reply, 0, socket.portid)
    }
    return status === 0 ? 'OK' : errnoName(-status)
  } finally {
    socket.close()
  }
}

function hasOnlyKeyAndData(element: RawElement): boolean {
  return Object.keys(element).every((field) => field === 'key' || field === 'data')
}

function lowLevelBatch(request: RawRequest): Buffer {
  const set = new RawSet()
  set.table = request.table
  set.name = request.set
  for (const raw of request.elements) {
    const element = new Element()
    element.key = Buffer.from(raw.key, 'hex')
    if (raw.data !== undefined) {
      element.data = Buffer.from(raw.data, 'hex')
    }
    set.add(element)
  }
  const batch = new Batch(1)
  batch.begin()
  batch.elemPut(set, request.family ?? NFPROTO_INET, true)
  batch.end()
  return batch.dump()
}

function encodedBatch(request: RawRequest): Buffer {
  const begin = new Batch(1)
  begin.begin()
  const end = new Batch(3)
  end.end()
  return Buffer.concat([begin.dump(), newSetElemMessage(request, 2), end.dump()])
}

// Message, flag and attribute numbers from linux/netlink.h and
// linux/netfilter/nf_tables.h.
const NFNL_SUBSYS_NFTABLES = 10
const NFT_MSG_NEWSETELEM = 12
const NLM_F_REQUEST = 0x1
const NLM_F_ACK = 0x4
const NLM_F_EXCL = 0x200
const NLM_F_CREATE = 0x400
const NLA_F_NESTED = 0x8000
const NFTA_LIST_ELEM = 1
const NFTA_SET_ELEM_LIST_TABLE = 1
const NFTA_SET_ELEM_LIST_SET = 2
const NFTA_SET_ELEM_LIST_ELEMENTS = 3
const NFTA_SET_ELEM_KEY = 1
const NFTA_SET_ELEM_DATA = 2
const NFTA_SET_ELEM_FLAGS = 3
const NFTA_SET_ELEM_TIMEOUT = 4
const NFTA_SET_ELEM_USERDATA = 6
const NFTA_DATA_VALUE = 1
const NFTA_DATA_VERDICT = 2
const NFTA_VERDICT_CODE = 1
const NFTA_VERDICT_CHAIN = 2

function newSetElemMessage(request: RawRequest, seq: number): Buffer {
  const elements = request.elements.map((element) => nest(NFTA_LIST_ELEM, elementAttributes(element)))
  const nfgenmsg = Buffer.from([request.family ?? NFPROTO_INET, 0, 0, 0])
  const payload = Buffer.concat([
    nfgenmsg,
    attribute(NFTA_SET_ELEM_LIST_TABLE, cString(request.table)),
    attribute(NFTA_SET_ELEM_LIST_SET, cString(request.set)),
    nest(NFTA_SET_ELEM_LIST_ELEMENTS, elements),
  ])
  const header = Buffer.alloc(16)
  header.writeUInt32LE(16 + payload.length, 0)
  header.writeUInt16LE((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM, 4)
  const exclusive = request.exclusive ? NLM_F_EXCL : 0
  header.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | exclusive, 6)
  header.writeUInt32LE(seq, 8)
  return Buffer.concat([header, payload])
}

function elementAttributes(element: RawElement): Buffer[] {
  const attributes: Buffer[] = []
  if (element.flags !== undefined) {
    attributes.push(attribute(NFTA_SET_ELEM_FLAGS, be32(element.flags)))
  }
  if (element.timeoutMs !== undefined) {
    const timeout = Buffer.alloc(8)
    timeout.writeBigUInt64BE(BigInt(element.timeoutMs))
    attributes.push(attribute(NFTA_SET_ELEM_TIMEOUT, timeout))
  }
  attributes.push(nest(NFTA_SET_ELEM_KEY, [attribute(NFTA_DATA_VALUE, Buffer.from(element.key, 'hex'))]))
  if (element.data !== undefined) {
    attributes.push(nest(NFTA_SET_ELEM_DATA, [attribute(NFTA_DATA_VALUE, Buffer.from(element.data, 'hex'))]))
  }
  if (element.verdict !== undefined) {
    const verdict = [attribute(NFTA_VERDICT_CODE, be32(element.verdict))]
    if (element.chain !== undefined) {
      verdict.push(attribute(NFTA_VERDICT_CHAIN, cString(element.chain)))
    }
    attributes.push(nest(NFTA_SET_ELEM_DATA, [nest(NFTA_DATA_VERDICT, verdict)]))
  }
  if (element.userdata !== undefined) {
    attributes.push(attribute(NFTA_SET_ELEM_USERDATA, Buffer.from(element.userdata, 'hex')))
  }
  return attributes
}

/** Encodes one netlink attribute: length and type in host order, the payload, zero padding to 4 bytes. */
function attribute(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4)
  header.writeUInt16LE(4 + payload.length, 0)
  header.writeUInt16LE(type, 2)
  const padding = Buffer.alloc((4 - (payload.length % 4)) % 4)
  return Buffer.concat([header, payload, padding])
}

function nest(type: number, children: Buffer[]): Buffer {
  return attribute(type | NLA_F_NESTED, Buffer.concat(children))
}

function be32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeInt32BE(value | 0)
  return buffer
}

function cString(text: string): Buffer {
  return Buffer.concat([Buffer.from(text), Buffer.from([0])])
}

/** Errno names the specs compare against; Linux gives some numbers two names. */
const ERRNO_NAMES = ['EEXIST', 'ENOENT', 'EINVAL', 'EOPNOTSUPP', 'ERANGE', 'EBUSY', 'ENFILE', 'EOVERFLOW', 'E2BIG']

function errnoName(errno: number): string {
  const all = constants.errno as Record<string, number>
  const name = ERRNO_NAMES.find((candidate) => all[candidate] === errno)
  return name ?? Object.keys(all).find((candidate) => all[candidate] === errno) ?? `errno ${errno}`
}

/**
 * Test support for raw netlink: element batches built with the low-level
 * `Batch`, sent on a `NetlinkSocket`, and the kernel's reply read back
 * with `handle()`. The specs use it to record what the kernel does with
 * exact bytes, including requests the high-level API never sends.
 */
import { Batch, Element, handle, NetlinkSocket, Set } from 'nftset'

/** `NFT_MSG_DESTROYSETELEM`: delete the element if present (Linux 6.3+). */
export const NFT_MSG_DESTROYSETELEM = 0x0a1e
/** `NLM_F_EXCL`: on `NEWSETELEM`, fail with `EEXIST` if the element exists. */
export const NLM_F_EXCL = 0x200

/** Netlink header (16 bytes) plus `nfgenmsg` (4 bytes). */
const HEADER_LEN = 20
/** Offsets of the element message's type and flags, right after BATCH_BEGIN. */
const ELEMENT_TYPE_AT = HEADER_LEN + 4
const ELEMENT_FLAGS_AT = HEADER_LEN + 6

/** Receive size for replies: an error reply echoes the whole request, up to 64 KiB of elements. */
const REPLY_SIZE = 1 << 17

/** One raw element request, with the keys as hex strings of their wire bytes. */
export interface RawElementRequest {
  /** `new` (nft's add), `create` (new with `NLM_F_EXCL`), `del` or `destroy`. */
  verb: 'new' | 'create' | 'del' | 'destroy'
  /** `NFPROTO_*` value of the table family. */
  family: number
  table: string
  set: string
  keys: string[]
}

/**
 * Builds BEGIN, one element message that requests an ACK, and END. `Batch`
 * has no `DESTROYSETELEM` message and no `NLM_F_EXCL` flag, so those two
 * are set by rewriting the element message's header.
 */
export function elementBatch(request: RawElementRequest): Buffer {
  const set = new Set()
  set.table = request.table
  set.name = request.set
  for (const key of request.keys) {
    const element = new Element()
    element.key = Buffer.from(key, 'hex')
    set.add(element)
  }

  const batch = new Batch(1)
  batch.begin()
  if (request.verb === 'new' || request.verb === 'create') {
    batch.elemPut(set, request.family, true)
  } else {
    batch.elemDel(set, request.family, true)
  }
  batch.end()

  const bytes = batch.dump()
  if (request.verb === 'create') {
    bytes.writeUInt16LE(bytes.readUInt16LE(ELEMENT_FLAGS_AT) | NLM_F_EXCL, ELEMENT_FLAGS_AT)
  }
  if (request.verb === 'destroy') {
    bytes.writeUInt16LE(NFT_MSG_DESTROYSETELEM, ELEMENT_TYPE_AT)
  }
  return bytes
}

/**
 * Sends one batch in the namespace at `netns` and reads replies until
 * `handle()` returns 0 (the ACK) or a negative errno, which it returns.
 */
export async function sendBatch(netns: string, batch: Buffer): Promise<number> {
  const socket = await NetlinkSocket.open({ netns })
  try {
    await socket.send(batch)
    let status = 1
    while (status > 0) {
      const reply = await socket.recv(REPLY_SIZE)
      status = handle(reply, 0, socket.portid)
    }
    return status
  } finally {
    socket.close()
  }
}

/** Sends one raw element request; resolves to 0 or a negative errno. */
export function probe(netns: string, request: RawElementRequest): Promise<number> {
  return sendBatch(netns, elementBatch(request))
}

/**
 * Builds the batch of a client that puts every key into one `NEWSETELEM`
 * message and writes the 16-bit length of the element list truncated, as
 * google/nftables did before it split element lists. `Batch` refuses such
 * a list, so this one is encoded by hand: seq 1 to 3, ACK on the message.
 */
export function wrappedElementBatch(family: number, table: string, set: string, keys: Buffer[]): Buffer {
  const elements = Buffer.concat(keys.map(elementNest))
  const list = Buffer.alloc(4)
  list.writeUInt16LE((4 + elements.length) & 0xffff, 0)
  list.writeUInt16LE(0x8000 | 3, 2) // NLA_F_NESTED | NFTA_SET_ELEM_LIST_ELEMENTS

  const body = Buffer.concat([attribute(1, cString(table)), attribute(2, cString(set)), list, elements])
  const NLM_F_REQUEST_ACK_CREATE = 0x1 | 0x4 | 0x400
  return Buffer.concat([
    message(0x10, 0x1, 1, 0, 10, Buffer.alloc(0)), // NFNL_MSG_BATCH_BEGIN, res_id nf_tables
    message(0x0a0c, NLM_F_REQUEST_ACK_CREATE, 2, family, 0, body), // NFT_MSG_NEWSETELEM
    message(0x11, 0x1, 3, 0, 10, Buffer.alloc(0)), // NFNL_MSG_BATCH_END
  ])
}

/** `NFTA_LIST_ELEM { NFTA_SET_ELEM_KEY { NFTA_DATA_VALUE key } }`, each nest flagged. */
function elementNest(key: Buffer): Buffer {
  const value = attribute(1, key)
  const keyNest = attribute(0x8000 | 1, value)
  return attribute(0x8000 | 1, keyNest)
}

function attribute(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4)
  header.writeUInt16LE(4 + payload.length, 0)
  header.writeUInt16LE(type, 2)
  const padding = Buffer.alloc((4 - (payload.length % 4)) % 4)
  return Buffer.concat([header, payload, padding])
}

function message(type: number, flags: number, seq: number, family: number, resId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LEN)
  header.writeUInt32LE(HEADER_LEN + body.length, 0)
  header.writeUInt16LE(type, 4)
  header.writeUInt16LE(flags, 6)
  header.writeUInt32LE(seq, 8)
  header.writeUInt8(family, 16)
  header.writeUInt16BE(resId, 18)
  return Buffer.concat([header, body])
}

function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`)
}

/** Keys of `length` bytes: `prefix` followed by the big-endian numbers from 0 to count-1. */
export function numberedKeys(prefix: string, count: number, length: number): Buffer[] {
  const head = Buffer.from(prefix, 'hex')
  return Array.from({ length: count }, (_, index) => {
    const key = Buffer.alloc(length)
    head.copy(key)
    key.writeUIntBE(index, length - 6, 6)
    return key
  })
}

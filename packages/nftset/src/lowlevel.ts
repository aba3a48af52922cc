/**
 * The low-level API of the original Python wrapper over libnftnl: raw key
 * and data bytes, a batch you build message by message, a netlink socket
 * to send it, and `handle()` to read the replies.
 */
import { handle as nativeHandle, NativeBatch, NativeSocket } from '../native/index.js'
import { describe, fromNative, NftsetError } from './errors.js'
import { netnsPath } from './nftables.js'
import { openOptionsSchema } from './schemas.js'
import { check } from './transaction.js'
import type { OpenOptions } from './types.js'

/** Protocol families of `nfgen_family`, as in `linux/netfilter.h`. */
export const NFPROTO_UNSPEC = 0
export const NFPROTO_INET = 1
export const NFPROTO_IPV4 = 2
export const NFPROTO_ARP = 3
export const NFPROTO_NETDEV = 5
export const NFPROTO_BRIDGE = 7
export const NFPROTO_IPV6 = 10

/** The netlink protocol of nf_tables. */
export const NETLINK_NETFILTER = 12
/** Port id 0: let the kernel assign one when binding, as libmnl's constant does. */
export const MNL_SOCKET_AUTOPID = 0
/**
 * Receive buffer size for replies. libmnl uses the page size capped at
 * 8192; nftset always uses 8192, which holds any ACK or small error.
 */
export const MNL_SOCKET_BUFFER_SIZE = 8192

/**
 * A set element as raw bytes, exactly as the kernel stores them. Key and
 * data are Buffers: write `Buffer.from('c0000201', 'hex')` for the key
 * 192.0.2.1, not the string `'c0000201'`.
 */
export class Element {
  /** Key bytes. */
  key: Buffer = Buffer.alloc(0)
  /** Data bytes, for map elements. */
  data?: Buffer
}

/** A set by table and name, with the elements to send. */
export class RawSet {
  /** Table name. */
  table = ''
  /** Set name. */
  name = ''
  /** Elements added with `add()`. */
  readonly elements: Element[] = []

  /**
   * Adds an element to send with the next `elemPut` or `elemDel`. An
   * element whose key or data is not a Buffer fails with
   * `ERR_INVALID_ARGUMENT`.
   */
  add(element: Element): void {
    checkElement(element, 'element')
    this.elements.push(element)
  }
}

/** A batch of netlink messages, built as libnftnl builds one. */
export class Batch {
  readonly #native: NativeBatch

  /** Creates an empty batch whose messages are numbered from `seq`, a 32-bit unsigned integer. */
  constructor(seq = 0) {
    this.#native = new NativeBatch(checkInteger(seq, 'seq', 0, U32_MAX))
  }

  /** Appends the batch-begin message. */
  begin(): void {
    this.#native.begin()
  }

  /**
   * Appends a `NEWSETELEM` message with the set's elements; `ack` requests
   * an acknowledgement. A key over 64 bytes, an element list over 64 KiB, a
   * family outside 0 to 255, or an argument of the wrong type fails with
   * `ERR_INVALID_ARGUMENT` and appends nothing.
   */
  elemPut(set: RawSet, family: number, ack: boolean): void {
    const { table, name, elements } = checkAppend(set, family, ack)
    appendChecked(() => this.#native.elemPut(table, name, elements, family, ack))
  }

  /** Appends a `DELSETELEM` message with the set's elements; fails as `elemPut` does. */
  elemDel(set: RawSet, family: number, ack: boolean): void {
    const { table, name, elements } = checkAppend(set, family, ack)
    appendChecked(() => this.#native.elemDel(table, name, elements, family, ack))
  }

  /** Appends the batch-end message. */
  end(): void {
    this.#native.end()
  }

  /** The exact bytes of the batch. */
  dump(): Buffer {
    return this.#native.dump()
  }
}

/**
 * A `NETLINK_NETFILTER` socket, bound to a port id the kernel assigns.
 * Node has no netlink sockets, so nftset provides this one.
 */
export class NetlinkSocket {
  readonly #native: NativeSocket

  private constructor(native: NativeSocket) {
    this.#native = native
  }

  /** Opens and binds a socket, in the caller's network namespace or in `netns`. */
  static async open(options?: OpenOptions): Promise<NetlinkSocket> {
    const { netns } = check(openOptionsSchema, options, 'options') ?? {}
    try {
      return new NetlinkSocket(await NativeSocket.open(netnsPath(netns)))
    } catch (error) {
      throw fromNative(error)
    }
  }

  /** The socket's port id, which replies carry. */
  get portid(): number {
    return this.#native.portid
  }

  /**
   * Sends the bytes to the kernel as one datagram; resolves to the number
   * of bytes sent. Data that is not a Buffer, or is empty, fails with
   * `ERR_INVALID_ARGUMENT`.
   */
  async send(data: Buffer): Promise<number> {
    checkBytes(data, 'data')
    if (data.length === 0) {
      throw new NftsetError('invalid data: the Buffer is empty, but a datagram needs at least one netlink message', {
        code: 'ERR_INVALID_ARGUMENT',
        path: 'data',
        value: data,
      })
    }
    try {
      return await this.#native.send(data)
    } catch (error) {
      throw fromNative(error)
    }
  }

  /**
   * Receives one datagram, cut to `size` bytes; fails with `ETIMEDOUT`
   * after `timeoutMs` milliseconds (default 5000).
   */
  async recv(size: number, timeoutMs?: number): Promise<Buffer> {
    checkInteger(size, 'size', 1, U32_MAX)
    if (timeoutMs !== undefined) checkInteger(timeoutMs, 'timeoutMs', 0, I32_MAX)
    try {
      return await this.#native.recv(size, timeoutMs)
    } catch (error) {
      throw fromNative(error)
    }
  }

  /** Closes the socket. */
  close(): void {
    this.#native.close()
  }
}

/**
 * Reads the replies in `reply` as libmnl's `mnl_cb_run` does: returns a
 * positive number when more replies are expected, 0 when done, and a
 * negative errno for an error reply. Pass `seq` 0 to accept any sequence
 * number, and `portid` 0 to accept any port id.
 *
 * An empty buffer contains no reply, so it returns 1 (read on), as
 * `mnl_cb_run` returns `MNL_CB_OK` for 0 bytes. A reply flagged
 * `NLM_F_DUMP_INTR` returns `-EINTR`, as in libmnl: the dump changed while
 * it was read, so start it again. A `reply` that is not a Buffer, or a
 * `seq` or `portid` that is not a 32-bit unsigned integer, fails with
 * `ERR_INVALID_ARGUMENT`.
 */
export function handle(reply: Buffer, seq: number, portid: number): number {
  checkBytes(reply, 'reply')
  checkInteger(seq, 'seq', 0, U32_MAX)
  checkInteger(portid, 'portid', 0, U32_MAX)
  try {
    return nativeHandle(reply, seq, portid)
  } catch (error) {
    // Only a bug in nftset gets here: the native side turns a panic into an error.
    const message = error instanceof Error ? error.message : String(error)
    throw new NftsetError(`internal error in nftset (please report it): ${message}`, { code: 'ERR_INTERNAL' })
  }
}

/** Largest 32-bit unsigned integer: the range of netlink sequence numbers and port ids. */
const U32_MAX = 0xffffffff
/** Largest timeout `poll(2)` takes, in milliseconds. */
const I32_MAX = 0x7fffffff

/**
 * Runs a native append. It fails only on invalid arguments, such as a key
 * over 64 bytes, and then keeps its message but gets a stable code.
 */
function appendChecked(append: () => void): void {
  try {
    append()
  } catch (error) {
    const converted = fromNative(error)
    if (converted instanceof NftsetError) throw converted
    const message = error instanceof Error ? error.message : String(error)
    throw new NftsetError(message, { code: 'ERR_INVALID_ARGUMENT' })
  }
}

/** Checks the arguments of `elemPut` and `elemDel` and returns what the native call takes. */
function checkAppend(set: RawSet, family: number, ack: boolean) {
  if (typeof set !== 'object' || set === null) {
    throw invalidArgument('set', set, 'expected a Set with table, name and elements')
  }
  if (typeof set.table !== 'string') throw invalidArgument('set.table', set.table, 'expected a string')
  if (typeof set.name !== 'string') throw invalidArgument('set.name', set.name, 'expected a string')
  if (!Array.isArray(set.elements)) throw invalidArgument('set.elements', set.elements, 'expected an array of Element')
  const elements = set.elements.map((element, index) => {
    checkElement(element, `set.elements[${index}]`)
    return { key: element.key, data: element.data ?? undefined }
  })
  checkInteger(family, 'family', 0, 255)
  if (typeof ack !== 'boolean') throw invalidArgument('ack', ack, 'expected true or false')
  return { table: set.table, name: set.name, elements }
}

/** Checks that an element has Buffer key bytes and, if any, Buffer data bytes. */
function checkElement(element: Element, path: string): void {
  if (typeof element !== 'object' || element === null) {
    throw invalidArgument(path, element, 'expected an Element with a Buffer key')
  }
  checkBytes(element.key, `${path}.key`)
  if (element.data !== undefined && element.data !== null) checkBytes(element.data, `${path}.data`)
}

/** Checks that `value` is a Buffer (any Uint8Array passes). Strings get a hint, since they are the usual mistake. */
function checkBytes(value: unknown, path: string): void {
  if (value instanceof Uint8Array) return
  const hex = typeof value === 'string' && /^(?:[0-9a-f]{2})+$/i.test(value) ? value : 'c0000201'
  throw invalidArgument(path, value, `expected a Buffer of bytes, such as Buffer.from('${hex}', 'hex') for hex text`)
}

/** Checks that `value` is a whole number from `min` to `max`. */
function checkInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(path, value, `expected a whole number from ${min} to ${max}`)
  }
  return value
}

function invalidArgument(path: string, value: unknown, expected: string): NftsetError {
  return new NftsetError(`invalid ${path}: ${expected} (got ${describe(value)})`, {
    code: 'ERR_INVALID_ARGUMENT',
    path,
    value,
  })
}

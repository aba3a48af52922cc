/**
 * The low-level API of the original Python wrapper over libnftnl: raw key
 * and data bytes, a batch you build message by message, a netlink socket
 * to send it, and `handle()` to read the replies.
 */
import { handle as nativeHandle, NativeBatch, NativeSocket } from '../native/index.js'
import { fromNative, NftsetError } from './errors.js'
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

/** A set element as raw bytes, exactly as the kernel stores them. */
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

  /** Adds an element to send with the next `elemPut` or `elemDel`. */
  add(element: Element): void {
    if (!(element instanceof Element) && !isElementLike(element)) {
      throw new NftsetError('add takes an Element with a Buffer key', {
        code: 'ERR_INVALID_ARGUMENT',
        path: 'element',
      })
    }
    this.elements.push(element)
  }
}

/** A batch of netlink messages, built as libnftnl builds one. */
export class Batch {
  readonly #native: NativeBatch

  /** Creates an empty batch; its messages are numbered from `seq`. */
  constructor(seq = 0) {
    this.#native = new NativeBatch(seq)
  }

  /** Appends the batch-begin message. */
  begin(): void {
    this.#native.begin()
  }

  /**
   * Appends a `NEWSETELEM` message with the set's elements; `ack` requests
   * an acknowledgement. A key over 64 bytes, an element list over 64 KiB or
   * a family over 255 fails with `ERR_INVALID_ARGUMENT` and appends nothing.
   */
  elemPut(set: RawSet, family: number, ack: boolean): void {
    appendChecked(() => this.#native.elemPut(set.table, set.name, rawElements(set), family, ack))
  }

  /** Appends a `DELSETELEM` message with the set's elements; fails as `elemPut` does. */
  elemDel(set: RawSet, family: number, ack: boolean): void {
    appendChecked(() => this.#native.elemDel(set.table, set.name, rawElements(set), family, ack))
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

  /** Sends the bytes to the kernel as one datagram; resolves to the number of bytes sent. */
  async send(data: Buffer): Promise<number> {
    try {
      return await this.#native.send(data)
    } catch (error) {
      throw fromNative(error)
    }
  }

  /** Receives one datagram, cut to `size` bytes; fails with `ETIMEDOUT` after `timeoutMs` (default 5000). */
  async recv(size: number, timeoutMs?: number): Promise<Buffer> {
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
 * number.
 */
export function handle(reply: Buffer, seq: number, portid: number): number {
  try {
    return nativeHandle(reply, seq, portid)
  } catch (error) {
    // Only a bug in nftset gets here: the native side turns a panic into an error.
    const message = error instanceof Error ? error.message : String(error)
    throw new NftsetError(`internal error in nftset (please report it): ${message}`, { code: 'ERR_INTERNAL' })
  }
}

/**
 * Runs a native append. It fails only on invalid arguments, such as a key
 * over 64 bytes, and then keeps its message but gets a stable code.
 */
function appendChecked(append: () => void): void {
  try {
    append()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new NftsetError(message, { code: 'ERR_INVALID_ARGUMENT' })
  }
}

function isElementLike(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as Element).key)
}

function rawElements(set: RawSet) {
  return set.elements.map((element) => ({ key: element.key, data: element.data }))
}

import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

import { NativeConnection, type NativeChunk, type NativeCursor } from '../native/index.js'
import { toNativeNow } from './elements.js'
import { fromNative, NftsetError, type NftsetErrorFields } from './errors.js'
import { chunkOptionsSchema, commitOptionsSchema, familySchema, openOptionsSchema, setRefSchema } from './schemas.js'
import { CallGroup } from './coalesce.js'
import { Monitor, onMonitorClose } from './monitor.js'
import { check, Transaction } from './transaction.js'
import type {
  ChainRef,
  CommitOptions,
  CommitSummary,
  ElementInfo,
  ElementInput,
  ElementSource,
  Family,
  OpenOptions,
  SetInfo,
  SetRef,
  SetSpec,
  TableRef,
} from './types.js'

/**
 * A connection to nf_tables in one network namespace.
 *
 * Every method returns a promise and does its netlink work on the
 * connection's own thread, never on the event loop. Calls on one
 * connection run one at a time, in the order they were made.
 *
 * `close()` lets the calls already made complete, except listings
 * (`elements()`, `chunks()`, `listElements()`, `countElements()`). A
 * listing still running fails with `ERR_CLOSED` at its next read, and
 * monitors opened with `monitor()` end. Calls made after `close()` fail
 * with `ERR_CLOSED`.
 */
export class Nftables {
  readonly #native: NativeConnection
  readonly #netns: string | undefined
  /** Settles once the latest call has reached the native connection. */
  #turn: Promise<void> = Promise.resolve()
  #closing = false
  readonly #coalesce: boolean
  /** The group that coalesced calls join, until its turn comes. */
  #group: CallGroup | undefined
  /** Monitors opened with `monitor()` and not closed yet. */
  readonly #monitors = new Set<Monitor>()

  private constructor(native: NativeConnection, netns: string | undefined, coalesce: boolean) {
    this.#native = native
    this.#netns = netns
    this.#coalesce = coalesce
  }

  /**
   * Opens a connection. Needs `CAP_NET_ADMIN` in the target namespace for
   * every change, and `CAP_SYS_ADMIN` over it to enter another namespace.
   */
  static async open(options?: OpenOptions): Promise<Nftables> {
    const { netns, coalesce, sendBuffer, receiveBuffer } = check(openOptionsSchema, options, 'options') ?? {}
    const path = netnsPath(netns)
    const native = await call(() => NativeConnection.open(path))
    if (sendBuffer !== undefined || receiveBuffer !== undefined) {
      try {
        await call(() => native.limitBuffers({ send: sendBuffer, receive: receiveBuffer }))
      } catch (error) {
        native.close()
        throw error
      }
    }
    return new Nftables(native, path, coalesce ?? false)
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing
  }

  /**
   * Closes the connection once the calls already made are done; later
   * calls fail with `ERR_CLOSED`. Listings still running fail with
   * `ERR_CLOSED` at their next read, and the monitors opened with
   * `monitor()` are closed, so their iteration ends.
   */
  close(): void {
    if (this.#closing) return
    this.#closing = true
    for (const monitor of this.#monitors) monitor.close()
    void this.#turn.then(() => this.#native.close())
  }

  /** `nft add table` or, with `exclusive`, `nft create table`. */
  createTable(table: TableRef, options?: { exclusive?: boolean }): Promise<CommitSummary> {
    return this.run((tx) => tx.createTable(table, options))
  }

  /** `nft delete table` or, with `ifExists` (Linux 6.3+), `nft destroy table`. */
  deleteTable(table: TableRef, options?: { ifExists?: boolean }): Promise<CommitSummary> {
    return this.run((tx) => tx.deleteTable(table, options))
  }

  /** `nft add chain` of a regular chain, the target of `jump` and `goto` verdicts. */
  createChain(chain: ChainRef, options?: { exclusive?: boolean }): Promise<CommitSummary> {
    return this.run((tx) => tx.createChain(chain, options))
  }

  /** `nft delete chain` or, with `ifExists` (Linux 6.3+), `nft destroy chain`. */
  deleteChain(chain: ChainRef, options?: { ifExists?: boolean }): Promise<CommitSummary> {
    return this.run((tx) => tx.deleteChain(chain, options))
  }

  /** `nft add set` or `nft add map`; with `exclusive`, `nft create set`. */
  createSet(spec: SetSpec, options?: { exclusive?: boolean }): Promise<CommitSummary> {
    return this.run((tx) => tx.createSet(spec, options))
  }

  /** `nft delete set` or, with `ifExists` (Linux 6.3+), `nft destroy set`. */
  deleteSet(set: SetRef, options?: { ifExists?: boolean }): Promise<CommitSummary> {
    return this.run((tx) => tx.deleteSet(set, options))
  }

  /** `nft flush set`: deletes every element. */
  flushSet(set: SetRef): Promise<CommitSummary> {
    return this.run((tx) => tx.flushSet(set))
  }

  /** `nft add element`: elements that exist already are left as they are. */
  addElements(set: SetRef, elements: ElementSource, options?: CommitOptions): Promise<CommitSummary> {
    return this.run((tx) => tx.addElements(set, elements), options)
  }

  /** `nft create element`: an element that exists already fails with `EEXIST`, and nothing is added. */
  createElements(set: SetRef, elements: ElementSource, options?: CommitOptions): Promise<CommitSummary> {
    return this.run((tx) => tx.createElements(set, elements), options)
  }

  /** `nft delete element`: a missing element fails with `ENOENT`, and nothing is deleted. */
  deleteElements(set: SetRef, elements: ElementSource, options?: CommitOptions): Promise<CommitSummary> {
    return this.run((tx) => tx.deleteElements(set, elements), options)
  }

  /** `nft destroy element`: deletes the elements that exist and ignores the others (Linux 6.3+). */
  destroyElements(set: SetRef, elements: ElementSource, options?: CommitOptions): Promise<CommitSummary> {
    return this.run((tx) => tx.destroyElements(set, elements), options)
  }

  /** Sets the values of map keys in one batch, adding keys that are missing. */
  updateElements(map: SetRef, elements: ElementSource, options?: CommitOptions): Promise<CommitSummary> {
    return this.run((tx) => tx.updateElements(map, elements), options)
  }

  /**
   * Replaces every element in one batch, like ipset's swap: other
   * processes see the old contents or the new ones, never an empty set.
   */
  replaceElements(set: SetRef, elements: ElementSource, options?: CommitOptions): Promise<CommitSummary> {
    return this.run((tx) => tx.replaceElements(set, elements), options)
  }

  /**
   * Makes the set hold exactly these elements with the fewest changes, in
   * one batch, and returns how many elements were added and removed.
   * Correct for interval sets: ranges are compared whole.
   */
  async syncElements(
    set: SetRef,
    elements: ElementSource,
    options?: CommitOptions,
  ): Promise<{ added: number; removed: number }> {
    const summary = await this.run((tx) => tx.syncElements(set, elements), options)
    return { added: summary.added, removed: summary.removed }
  }

  /**
   * Resets the counters of every element of a set and returns the elements
   * with the values they had (Linux 6.5+; older kernels get
   * `ERR_NOT_SUPPORTED`).
   */
  async resetCounters(set: SetRef): Promise<ElementInfo[]> {
    const ref = check(setRefSchema, set, 'set')
    return this.#inOrder(() => () => this.#native.resetCounters(ref)) as Promise<ElementInfo[]>
  }

  /**
   * `nft get element`: returns the element holding each key; in an interval
   * set, the range that contains it. A missing key fails with `ENOENT`
   * naming it.
   */
  async getElements(set: SetRef, keys: readonly ElementInput[]): Promise<ElementInfo[]> {
    const ref = check(setRefSchema, set, 'set')
    const { lines, elements } = toNativeNow(keys, 'keys')
    return this.#inOrder(() => () => this.#native.getElements(ref, lines, elements)) as Promise<ElementInfo[]>
  }

  /**
   * `nft list set`: every element, spelled as nft prints it; ranges of
   * interval sets in ascending order. A listing interrupted by a commit in
   * this network namespace, or by the kernel resizing the set, is read
   * again after a short wait, up to 5 attempts in all, before it fails
   * with `ERR_INTERRUPTED`.
   */
  async listElements(set: SetRef): Promise<ElementInfo[]> {
    return this.#retryListing(async () => {
      const all: ElementInfo[] = []
      for await (const chunk of this.chunks(set)) {
        for (const element of chunk) all.push(element)
      }
      return all
    })
  }

  /**
   * Streams the elements of a set, one at a time, with memory bounded by
   * `chunkSize` whatever the size of the set. The listing sees every
   * change made on this connection before it, and runs on a socket of its
   * own, so later calls go on meanwhile. A commit made in this network
   * namespace while the set is listed, to this set or any other, fails
   * the stream with `ERR_INTERRUPTED`, because the listing would mix two
   * versions of the ruleset. Listing again is safe. After `close()`, the
   * next read fails with `ERR_CLOSED`.
   *
   * When the kernel resizes a hash set's table during the listing (Linux
   * 6.18 does so on its own after many adds or deletes), elements can come
   * twice and later ones be skipped, with no generation change. A repeated
   * key then fails the stream with `ERR_INTERRUPTED`, and `listElements()`
   * lists again.
   */
  async *elements(set: SetRef, options?: { chunkSize?: number }): AsyncGenerator<ElementInfo, void, undefined> {
    for await (const chunk of this.chunks(set, options)) {
      yield* chunk
    }
  }

  /** Like `elements()`, one array of up to about `chunkSize` elements at a time. */
  async *chunks(set: SetRef, options?: { chunkSize?: number }): AsyncGenerator<ElementInfo[], void, undefined> {
    const ref = check(setRefSchema, set, 'set')
    const { chunkSize } = check(chunkOptionsSchema, options, 'options') ?? {}
    const cursor = await this.#openCursor(ref)
    let done = false
    try {
      for (;;) {
        this.#checkListing(ref)
        const chunk = await call(() => cursor.next(chunkSize ?? 8192))
        this.#checkListing(ref)
        if (chunk === null) {
          done = true
          return
        }
        yield fromColumns(chunk)
      }
    } finally {
      if (!done) {
        await cursor.close().catch(() => undefined)
      } else {
        void cursor.close().catch(() => undefined)
      }
    }
  }

  /**
   * Counts the elements of a set; a range of an interval set counts once.
   * Reads the whole set, but builds no element objects, except where the
   * kernel reports the count (hash sets without timeouts, Linux 6.16+).
   * Like `listElements()`, it reads the set again when a commit interrupts
   * the listing.
   */
  async countElements(set: SetRef): Promise<number> {
    const ref = check(setRefSchema, set, 'set')
    // Linux 6.16 and later report the count of a hash set with its
    // definition, which saves the dump. Interval sets count their start and
    // end elements, and sets with timeouts may count expired elements, so
    // those are dumped.
    const info = await this.getSet(ref)
    if (info.count !== undefined && !info.flags.includes('interval') && !info.flags.includes('timeout')) {
      return info.count
    }
    return this.#retryListing(() => this.#countByListing(ref))
  }

  async #countByListing(ref: SetRef): Promise<number> {
    const cursor = await this.#openCursor(ref)
    let count = 0
    try {
      for (;;) {
        this.#checkListing(ref)
        const chunk = await call(() => cursor.next(65536))
        this.#checkListing(ref)
        if (chunk === null) return count
        count += chunk.count
      }
    } finally {
      await cursor.close().catch(() => undefined)
    }
  }

  /** `nft list set` without the elements: the set's definition. */
  async getSet(set: SetRef): Promise<SetInfo> {
    const ref = check(setRefSchema, set, 'set')
    return this.#inOrder(() => () => this.#native.getSet(ref)) as Promise<SetInfo>
  }

  /** `nft list sets`: the sets and maps of every family, one family, or one table. */
  async listSets(filter?: { family?: Family; table?: string }): Promise<SetInfo[]> {
    const family = filter?.family === undefined ? undefined : check(familySchema, filter.family, 'family')
    if (filter?.table !== undefined && family === undefined) {
      throw new NftsetError('listSets needs a family when a table is given', {
        code: 'ERR_INVALID_ARGUMENT',
        path: 'filter.family',
      })
    }
    return this.#inOrder(() => () => this.#native.listSets(family, filter?.table)) as Promise<SetInfo[]>
  }

  /**
   * Watches set and element changes in this connection's network
   * namespace, like `nft monitor`; see `Monitor`. Closing this connection
   * closes the monitor, which ends its iteration.
   */
  async monitor(filter?: { family?: Family; table?: string; set?: string }): Promise<Monitor> {
    if (this.#closing) throw closedError()
    const monitor = await Monitor.open({ netns: this.#netns, ...filter })
    if (this.#closing) {
      monitor.close()
      throw closedError()
    }
    this.#monitors.add(monitor)
    onMonitorClose(monitor, () => this.#monitors.delete(monitor))
    return monitor
  }

  /** The ruleset generation id, which every committed change increments. */
  async generation(): Promise<number> {
    return this.#inOrder(() => () => this.#native.generation())
  }

  /**
   * Runs several operations as one atomic batch: either all take effect or
   * none does, and a failure names the operation and element.
   */
  async transaction(
    build: (tx: Transaction) => void | Promise<void>,
    options?: CommitOptions,
  ): Promise<CommitSummary> {
    const opts = check(commitOptionsSchema, options, 'options')
    return this.#inOrder(async () => {
      const tx = new Transaction()
      await build(tx)
      const ops = await tx.prepare(this.#native)
      return () => this.#native.commit(ops, opts)
    })
  }

  /** Commits a transaction built with `new Transaction()`. */
  async commit(tx: Transaction, options?: CommitOptions): Promise<CommitSummary> {
    if (!(tx instanceof Transaction)) {
      throw new NftsetError('commit takes a Transaction', { code: 'ERR_INVALID_ARGUMENT', path: 'tx', value: tx })
    }
    const opts = check(commitOptionsSchema, options, 'options')
    return this.#inOrder(async () => {
      const ops = await tx.prepare(this.#native)
      return () => this.#native.commit(ops, opts)
    })
  }

  /**
   * Opens a cursor once every earlier call on this connection is done, so
   * that a listing sees the changes made before it. The cursor reads on a
   * socket of its own, so changes made after it may or may not appear, but
   * never in part: a listing comes from one ruleset generation.
   */
  #openCursor(ref: SetRef): Promise<NativeCursor> {
    return this.#inOrder(() => async () => {
      await this.#native.generation()
      return this.#native.openCursor(ref)
    })
  }

  /** Fails a listing step that comes after `close()`. */
  #checkListing(ref: SetRef): void {
    if (this.#closing) {
      throw new NftsetError(
        `the connection was closed while set ${ref.family} ${ref.table} ${ref.set} was listed, so the listing is incomplete`,
        { code: 'ERR_CLOSED', family: ref.family, table: ref.table, set: ref.set },
      )
    }
  }

  /**
   * Runs a whole listing again while it fails with `ERR_INTERRUPTED`, after
   * a wait that doubles each time. Any commit in the network namespace
   * interrupts a listing, so the waits let a busy namespace with occasional
   * commits be listed, and the error comes only when commits keep coming.
   */
  async #retryListing<T>(list: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await list()
      } catch (error) {
        if (!(error instanceof NftsetError && error.code === 'ERR_INTERRUPTED')) throw error
        if (attempt === LISTING_ATTEMPTS) throw gaveUp(error)
      }
      // Random jitter keeps the retries from falling into step with commits made at a fixed rate.
      await sleep(LISTING_RETRY_WAIT_MS * 2 ** (attempt - 1) * (0.5 + Math.random()))
    }
  }

  /**
   * Runs a call after every earlier call on this connection has reached
   * the native side, so that calls reach the kernel in the order they were
   * made even when an earlier one first converts a large element list.
   * `prepare` does that conversion and returns the function that issues
   * the native call.
   */
  async #inOrder<T>(prepare: () => Promise<() => Promise<T>> | (() => Promise<T>), group?: CallGroup): Promise<T> {
    if (this.#closing) throw closedError()
    if (group === undefined) {
      // A later coalesced call must not join a group queued before this call.
      this.#group = undefined
    }
    const previous = this.#turn
    let release!: () => void
    this.#turn = new Promise((resolve) => (release = resolve))
    let pending: Promise<T>
    try {
      await previous
      const issue = await prepare()
      pending = issue()
    } catch (error) {
      throw fromNative(error)
    } finally {
      release()
    }
    return call(() => pending)
  }

  private async run(build: (tx: Transaction) => void, options?: CommitOptions): Promise<CommitSummary> {
    const tx = new Transaction()
    build(tx)
    // A coalesced call would join a group queued before close() and commit.
    if (this.#closing) throw closedError()
    if (!this.#coalesce || options !== undefined) {
      return this.commit(tx, options)
    }
    let group = this.#group
    if (group === undefined || group.started) {
      const created = new CallGroup()
      group = created
      this.#group = created
      void this.#inOrder(() => created.prepare(this.#native), created).catch(() => undefined)
    }
    return group.join(tx)
  }
}

/**
 * Turns a namespace name or process id into the path of its namespace
 * file. A name made only of digits that `ip netns` did not create is
 * rejected with a hint, because it was most likely meant as a process id.
 */
export function netnsPath(netns: string | number | undefined): string | undefined {
  if (netns === undefined) return undefined
  if (typeof netns === 'number') return `/proc/${netns}/ns/net`
  if (netns.includes('/')) return netns
  const named = `/run/netns/${netns}`
  if (/^\d+$/.test(netns) && !existsSync(named)) {
    throw new NftsetError(
      `invalid options.netns: "${netns}" is not a namespace made by ip netns, because ${named} does not exist. ` +
        `For the namespace of process ${netns}, pass the number ${netns} or the path /proc/${netns}/ns/net`,
      { code: 'ERR_INVALID_ARGUMENT', path: 'options.netns', value: netns },
    )
  }
  return named
}

/** Attempts of a whole listing before `ERR_INTERRUPTED` reaches the caller. */
const LISTING_ATTEMPTS = 5
/** Mean wait before the second attempt of a listing, doubled for each later one. */
const LISTING_RETRY_WAIT_MS = 10

/** Creates the error of a call made after `close()`. */
function closedError(): NftsetError {
  return new NftsetError('the connection is closed: open a new one with Nftables.open()', { code: 'ERR_CLOSED' })
}

/** Creates the error of a listing interrupted at every attempt, with the fields of the last error. */
function gaveUp(last: NftsetError): NftsetError {
  const fields: NftsetErrorFields = { code: last.code }
  for (const key of ['operation', 'family', 'table', 'set'] as const) {
    if (last[key] !== undefined) fields[key] = last[key]
  }
  const set = [last.family, last.table, last.set].filter((part) => part !== undefined).join(' ')
  return new NftsetError(
    `listing set ${set} was interrupted at each of ${LISTING_ATTEMPTS} attempts. The last error: ${last.message}`,
    fields,
  )
}

/** Builds element objects from the columns of a native chunk. */
function fromColumns(chunk: NativeChunk): ElementInfo[] {
  const keys = chunk.count === 0 ? [] : chunk.keys.split(SEPARATOR)
  const values = chunk.values?.split(SEPARATOR)
  const comments = chunk.comments?.split(SEPARATOR)
  const out: ElementInfo[] = new Array(keys.length)
  for (let index = 0; index < keys.length; index++) {
    const element: ElementInfo = { key: keys[index] }
    if (values !== undefined) element.value = values[index]
    const timeout = chunk.timeouts?.[index]
    if (timeout !== undefined && !Number.isNaN(timeout)) element.timeout = timeout
    const expires = chunk.expires?.[index]
    if (expires !== undefined && !Number.isNaN(expires)) element.expires = expires
    if (comments !== undefined && chunk.hasComment?.[index] === 1) element.comment = comments[index]
    const packets = chunk.packets?.[index]
    if (packets !== undefined && !Number.isNaN(packets)) {
      element.counter = { packets, bytes: chunk.bytes![index] }
    }
    out[index] = element
  }
  return out
}

/** Separates the entries of a native chunk's text columns. */
const SEPARATOR = '\0'

/** Calls into the native binding and converts its errors. */
async function call<T>(invoke: () => Promise<T>): Promise<T> {
  try {
    return await invoke()
  } catch (error) {
    throw fromNative(error)
  }
}

import { NativeMonitor, type NativeEvent } from '../native/index.js'
import { fromNative } from './errors.js'
import { netnsPath } from './nftables.js'
import { monitorOptionsSchema } from './schemas.js'
import { check } from './transaction.js'
import type { ElementInfo, Family, SetInfo } from './types.js'

/** A change reported by `monitor()`. */
export type MonitorEvent =
  | { type: 'setCreated'; family: Family; table: string; set: string; generation: number; info: SetInfo }
  | { type: 'setDeleted'; family: Family; table: string; set: string; generation: number }
  | { type: 'elementAdded'; family: Family; table: string; set: string; generation: number; element: ElementInfo }
  | { type: 'elementDeleted'; family: Family; table: string; set: string; generation: number; element: ElementInfo }
  | { type: 'lost'; generation: 0 }

/** Options of `monitor()`. */
export interface MonitorOptions {
  /** Network namespace, as for `Nftables.open()`. */
  netns?: string | number
  /** Report only events of this family. */
  family?: Family
  /** Report only events of this table. */
  table?: string
  /** Report only events of this set. */
  set?: string
}

/**
 * Watches set and element changes made by any process, like `nft monitor`.
 *
 * Iterate with `for await`; leaving the loop, or calling `close()`, ends
 * the subscription and releases its sockets. Events of one transaction
 * arrive together, once it commits, each with the generation it created.
 * Ranges of interval sets are reported whole. A `lost` event means the
 * kernel dropped events because they came faster than they were read;
 * read the sets again to learn their state.
 *
 * A monitor opened with `Nftables.monitor()` is closed with its
 * connection, and its iteration then ends as it does after `close()`.
 */
export class Monitor implements AsyncIterable<MonitorEvent> {
  readonly #native: NativeMonitor
  /** Events received but not yet returned; `#head` indexes the next one. */
  #queue: (MonitorEvent | undefined)[] = []
  #head = 0
  #closed = false

  private constructor(native: NativeMonitor) {
    this.#native = native
  }

  /** Subscribes; events from the moment the promise resolves are kept. */
  static async open(options?: MonitorOptions): Promise<Monitor> {
    const { netns, family, table, set } = check(monitorOptionsSchema, options, 'options') ?? {}
    const path = netnsPath(netns)
    try {
      const native = await NativeMonitor.open(path, { family, table, set })
      await native.start()
      return new Monitor(native)
    } catch (error) {
      throw fromNative(error)
    }
  }

  /**
   * The next event; resolves to `undefined` once the monitor is closed.
   * Events received before `close()` and not yet read are dropped.
   */
  async next(): Promise<MonitorEvent | undefined> {
    while (this.#head === this.#queue.length) {
      if (this.#closed) return undefined
      let batch: NativeEvent[]
      try {
        batch = await this.#native.next()
      } catch (error) {
        throw fromNative(error)
      }
      if (this.#closed || batch.length === 0) return undefined
      this.#append(batch)
    }
    const event = this.#queue[this.#head]
    // Clear the slot so that a long batch releases its events as they are read.
    this.#queue[this.#head] = undefined
    this.#head++
    return event
  }

  /** Ends the subscription. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue = []
    this.#head = 0
    this.#native.close()
    closeListeners.get(this)?.()
    closeListeners.delete(this)
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MonitorEvent> {
    try {
      for (;;) {
        const event = await this.next()
        if (event === undefined) return
        yield event
      }
    } finally {
      this.close()
    }
  }

  /**
   * Queues a batch one event at a time: one transaction can bring hundreds
   * of thousands of events, more than a spread call can pass as arguments.
   */
  #append(batch: NativeEvent[]): void {
    if (this.#head > 0 && this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    for (const event of batch) this.#queue.push(toEvent(event))
  }
}

/**
 * Number of read events after which the queue drops them, when they are
 * at least half of it. Concurrent `next()` calls can append a batch
 * before the previous one is read.
 */
const COMPACT_AFTER = 4096

/** Functions that `close()` calls, registered by the connection that opened the monitor. */
const closeListeners = new WeakMap<Monitor, () => void>()

/** Calls `listener` once when `monitor` is closed. */
export function onMonitorClose(monitor: Monitor, listener: () => void): void {
  closeListeners.set(monitor, listener)
}

function toEvent(event: NativeEvent): MonitorEvent {
  const base = { family: event.family as Family, table: event.table, set: event.set, generation: event.generation }
  switch (event.type) {
    case 'setCreated':
      return { type: 'setCreated', ...base, info: event.info as SetInfo }
    case 'setDeleted':
      return { type: 'setDeleted', ...base }
    case 'elementAdded':
      return { type: 'elementAdded', ...base, element: cleanElement(event.element!) }
    case 'elementDeleted':
      return { type: 'elementDeleted', ...base, element: cleanElement(event.element!) }
    default:
      return { type: 'lost', generation: 0 }
  }
}

/** Drops the fields the binding sets to `undefined`, so events compare equal to listed elements. */
function cleanElement(element: ElementInfo): ElementInfo {
  const out: ElementInfo = { key: element.key }
  if (element.value !== undefined && element.value !== null) out.value = element.value
  if (element.timeout !== undefined && element.timeout !== null) out.timeout = element.timeout
  if (element.expires !== undefined && element.expires !== null) out.expires = element.expires
  if (element.comment !== undefined && element.comment !== null) out.comment = element.comment
  if (element.counter !== undefined && element.counter !== null) out.counter = element.counter
  return out
}

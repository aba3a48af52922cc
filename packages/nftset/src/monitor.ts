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
 */
export class Monitor implements AsyncIterable<MonitorEvent> {
  readonly #native: NativeMonitor
  #queue: MonitorEvent[] = []
  #closed = false

  private constructor(native: NativeMonitor) {
    this.#native = native
  }

  /** Subscribes; events from the moment the promise resolves are kept. */
  static async open(options?: MonitorOptions): Promise<Monitor> {
    const { netns, family, table, set } = check(monitorOptionsSchema, options, 'options') ?? {}
    try {
      const native = await NativeMonitor.open(netnsPath(netns), { family, table, set })
      await native.start()
      return new Monitor(native)
    } catch (error) {
      throw fromNative(error)
    }
  }

  /** The next event; resolves to `undefined` once the monitor is closed. */
  async next(): Promise<MonitorEvent | undefined> {
    while (this.#queue.length === 0) {
      if (this.#closed) return undefined
      let batch: NativeEvent[]
      try {
        batch = await this.#native.next()
      } catch (error) {
        throw fromNative(error)
      }
      if (batch.length === 0) return undefined
      this.#queue.push(...batch.map(toEvent))
    }
    return this.#queue.shift()
  }

  /** Ends the subscription. */
  close(): void {
    this.#closed = true
    this.#native.close()
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

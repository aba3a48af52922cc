import type { NativeConnection, NativeOp } from '../native/index.js'
import { checkSource, toNative } from './elements.js'
import { fromZod } from './errors.js'
import {
  chainRefSchema,
  createOptionsSchema,
  deleteOptionsSchema,
  setRefSchema,
  setSpecSchema,
  tableRefSchema,
} from './schemas.js'
import type { ChainRef, ElementSource, SetRef, SetSpec, TableRef } from './types.js'

/** An operation and, for element operations, where its elements come from. */
interface Entry {
  op: NativeOp
  source?: ElementSource
}

/**
 * Operations collected for one atomic batch. Every method validates its
 * arguments at once and throws `NftsetError` on bad input; elements are
 * checked when the transaction is committed, and nothing is sent before.
 */
export class Transaction {
  readonly #entries: Entry[] = []

  /** Number of operations collected. */
  get size(): number {
    return this.#entries.length
  }

  /** Converts every operation for the native binding, elements included. */
  async prepare(native: NativeConnection): Promise<NativeOp[]> {
    const ops: NativeOp[] = []
    try {
      for (const { op, source } of this.#entries) {
        ops.push(source === undefined ? op : { ...op, ...(await toNative(native, source)) })
      }
    } catch (error) {
      for (const op of ops) {
        if (op.staged !== undefined) native.stageDiscard(op.staged)
      }
      throw error
    }
    return ops
  }

  /** `nft add table` or, with `exclusive`, `nft create table`. */
  createTable(table: TableRef, options?: { exclusive?: boolean }): this {
    const { family, name } = check(tableRefSchema, table, 'table')
    const { exclusive } = check(createOptionsSchema, options, 'options') ?? {}
    this.#push({ kind: 'createTable', family, name, exclusive })
    return this
  }

  /** `nft delete table` or, with `ifExists` (Linux 6.3+), `nft destroy table`. */
  deleteTable(table: TableRef, options?: { ifExists?: boolean }): this {
    const { family, name } = check(tableRefSchema, table, 'table')
    const { ifExists } = check(deleteOptionsSchema, options, 'options') ?? {}
    this.#push({ kind: 'deleteTable', family, name, ifExists })
    return this
  }

  /** `nft add chain` of a regular chain, for `jump` and `goto` verdicts. */
  createChain(chain: ChainRef, options?: { exclusive?: boolean }): this {
    const { family, table, name } = check(chainRefSchema, chain, 'chain')
    const { exclusive } = check(createOptionsSchema, options, 'options') ?? {}
    this.#push({ kind: 'createChain', family, table, name, exclusive })
    return this
  }

  /** `nft delete chain` or, with `ifExists` (Linux 6.3+), `nft destroy chain`. */
  deleteChain(chain: ChainRef, options?: { ifExists?: boolean }): this {
    const { family, table, name } = check(chainRefSchema, chain, 'chain')
    const { ifExists } = check(deleteOptionsSchema, options, 'options') ?? {}
    this.#push({ kind: 'deleteChain', family, table, name, ifExists })
    return this
  }

  /** `nft add set` / `nft add map`; with `exclusive`, `nft create set`. */
  createSet(spec: SetSpec, options?: { exclusive?: boolean }): this {
    const def = check(setSpecSchema, spec, 'spec')
    const { exclusive } = check(createOptionsSchema, options, 'options') ?? {}
    this.#push({ kind: 'createSet', def, exclusive })
    return this
  }

  /** `nft delete set` or, with `ifExists` (Linux 6.3+), `nft destroy set`. */
  deleteSet(set: SetRef, options?: { ifExists?: boolean }): this {
    const ref = check(setRefSchema, set, 'set')
    const { ifExists } = check(deleteOptionsSchema, options, 'options') ?? {}
    this.#push({ kind: 'deleteSet', set: ref, ifExists })
    return this
  }

  /** `nft flush set`: delete every element. */
  flushSet(set: SetRef): this {
    this.#push({ kind: 'flushSet', set: check(setRefSchema, set, 'set') })
    return this
  }

  /** `nft add element`: elements that exist already are left as they are. */
  addElements(set: SetRef, elements: ElementSource): this {
    return this.#elements('add', set, elements)
  }

  /** `nft create element`: an element that exists already fails with `EEXIST`. */
  createElements(set: SetRef, elements: ElementSource): this {
    return this.#elements('create', set, elements)
  }

  /** `nft delete element`: an element that is missing fails with `ENOENT`. */
  deleteElements(set: SetRef, elements: ElementSource): this {
    return this.#elements('delete', set, elements)
  }

  /** `nft destroy element`: deletes the elements that exist, ignores the others (Linux 6.3+). */
  destroyElements(set: SetRef, elements: ElementSource): this {
    return this.#elements('destroy', set, elements)
  }

  /**
   * Sets the values of map keys, adding keys that are missing. nft has no
   * verb for this: a plain add of a key with another value fails with
   * `EEXIST`, so each key is removed and added again in this batch.
   */
  updateElements(map: SetRef, elements: ElementSource): this {
    const ref = check(setRefSchema, map, 'set')
    this.#entries.push({ op: { kind: 'updateElements', set: ref }, source: checkSource(elements) })
    return this
  }

  /**
   * Replaces every element of the set, as `nft flush set` followed by `nft
   * add element` in one batch: other processes see the old contents or
   * the new ones, never an empty set.
   */
  replaceElements(set: SetRef, elements: ElementSource): this {
    const ref = check(setRefSchema, set, 'set')
    this.#push({ kind: 'flushSet', set: ref })
    this.#entries.push({ op: { kind: 'elements', verb: 'add', set: ref }, source: checkSource(elements) })
    return this
  }

  /**
   * Makes the set hold exactly these elements with the fewest changes:
   * the set is read, and only the missing elements are added and the
   * others deleted, in this batch. Elements in both keep their timeout,
   * comment and counter.
   */
  syncElements(set: SetRef, elements: ElementSource): this {
    const ref = check(setRefSchema, set, 'set')
    this.#entries.push({ op: { kind: 'syncElements', set: ref }, source: checkSource(elements) })
    return this
  }

  #elements(verb: string, set: SetRef, elements: ElementSource): this {
    const ref = check(setRefSchema, set, 'set')
    this.#entries.push({ op: { kind: 'elements', verb, set: ref }, source: checkSource(elements) })
    return this
  }

  #push(op: NativeOp): void {
    this.#entries.push({ op })
  }
}

/** Parses `value` with `schema`, or throws `NftsetError` naming `argument`. */
export function check<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, value: unknown, argument: string): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw fromZod(result.error, value, argument)
  }
  return result.data
}

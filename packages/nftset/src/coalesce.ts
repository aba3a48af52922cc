/**
 * Grouping of concurrent calls into one batch, for connections opened with
 * `coalesce: true`.
 *
 * Calls made while earlier ones wait for their turn join one group, which
 * is committed as one transaction: a thousand one-element adds made in the
 * same tick cost one kernel transaction instead of a thousand. Adjacent
 * element lists of the same verb and set are merged into one operation, so
 * the native side converts one object instead of a thousand. Each call
 * still succeeds or fails on its own: when the kernel rejects the batch,
 * the error names the failing operation and element, that call is
 * rejected, and the others are committed again without it.
 */
import type { NativeConnection, NativeOp } from '../native/index.js'
import { fromNative, NftsetError } from './errors.js'
import type { Transaction } from './transaction.js'
import type { CommitSummary } from './types.js'

/** One call waiting in a group. */
interface Call {
  tx: Transaction
  resolve: (summary: CommitSummary) => void
  reject: (error: unknown) => void
}

/** A call with its operations converted. */
interface Ready {
  call: Call
  ops: NativeOp[]
}

/** Which call an element of a merged operation came from. */
interface Part {
  call: number
  firstElement: number
  elementCount: number
}

/** Calls that will be committed together. */
export class CallGroup {
  readonly #calls: Call[] = []
  /** True once the group's turn came; later calls start a new group. */
  started = false

  /** Adds a call; resolves or rejects with that call's own outcome. */
  join(tx: Transaction): Promise<CommitSummary> {
    return new Promise((resolve, reject) => this.#calls.push({ tx, resolve, reject }))
  }

  /**
   * Converts the calls' operations; calls whose elements are invalid are
   * rejected here and left out. Returns the function that commits the rest.
   */
  async prepare(native: NativeConnection): Promise<() => Promise<void>> {
    this.started = true
    const ready: Ready[] = []
    for (const call of this.#calls) {
      try {
        ready.push({ call, ops: await call.tx.prepare(native) })
      } catch (error) {
        call.reject(fromNative(error))
      }
    }
    return () => commitAll(native, ready)
  }
}

/**
 * Commits every call in one batch, leaving out each call the kernel
 * rejects until the rest commit.
 */
async function commitAll(native: NativeConnection, calls: Ready[]): Promise<void> {
  let remaining = calls
  while (remaining.length > 0) {
    const { ops, parts } = merge(remaining)
    try {
      const summary = await native.commit(ops, undefined)
      for (const { call } of remaining) call.resolve(summary)
      return
    } catch (raw) {
      const error = fromNative(raw)
      const culprits = error instanceof NftsetError ? owners(parts, error) : []
      if (culprits.length === 0) {
        for (const { call } of remaining) call.reject(error)
        return
      }
      for (const culprit of culprits) {
        remaining[culprit.call].call.reject(renumber(error as NftsetError, culprit, parts))
      }
      const failed = new Set(culprits.map((culprit) => culprit.call))
      remaining = remaining.filter((_, index) => !failed.has(index))
    }
  }
}

/**
 * Merges adjacent single-operation calls that add or delete lines of
 * elements in the same set. Returns the operations and, for each, the
 * calls it came from.
 */
function merge(calls: Ready[]): { ops: NativeOp[]; parts: Part[][] } {
  const ops: NativeOp[] = []
  const parts: Part[][] = []
  // Only a copy made for merging is extended. Other operations are the
  // callers' own objects, which a retry sends again unchanged.
  let lastIsCopy = false
  calls.forEach(({ ops: own }, call) => {
    const mergeable = own.length === 1 && isLines(own[0]) && !hasRange(own[0].lines!)
    const last = ops[ops.length - 1]
    if (mergeable && lastIsCopy && sameTarget(last, own[0])) {
      const lastParts = parts[parts.length - 1]
      const end = lastParts[lastParts.length - 1]
      last.lines = `${last.lines}\n${own[0].lines}`
      lastParts.push({
        call,
        firstElement: end.firstElement + end.elementCount,
        elementCount: lineCount(own[0].lines!),
      })
      return
    }
    for (const op of own) {
      ops.push(mergeable ? { ...op } : op)
      parts.push([{ call, firstElement: 0, elementCount: mergeable ? lineCount(op.lines!) : 0 }])
    }
    lastIsCopy = mergeable
  })
  return { ops, parts }
}

function isLines(op: NativeOp): boolean {
  return op.kind === 'elements' && typeof op.lines === 'string' && op.lines !== ''
}

/**
 * Tells whether lines may contain a range or a prefix. Such calls keep
 * their own operation, so that a range overlapping another call's range
 * fails with EEXIST, as it does without coalescing. Merged into one list,
 * the two would fail as one invalid list. A hyphen in an interface name
 * also matches, which only costs the merge.
 */
function hasRange(lines: string): boolean {
  return lines.includes('-') || lines.includes('/')
}

function sameTarget(a: NativeOp, b: NativeOp): boolean {
  return (
    a.verb === b.verb &&
    a.set?.family === b.set?.family &&
    a.set?.table === b.set?.table &&
    a.set?.set === b.set?.set
  )
}

function lineCount(lines: string): number {
  let count = 1
  for (let index = lines.indexOf('\n'); index !== -1; index = lines.indexOf('\n', index + 1)) count++
  return count
}

/**
 * The calls behind a batch error: the one that owns the failing element,
 * or every call merged into the failing operation when no element is named.
 */
function owners(parts: Part[][], error: NftsetError): Part[] {
  if (error.operationIndex === undefined) return []
  const opParts = parts[error.operationIndex]
  if (opParts === undefined) return []
  if (error.elementIndex === undefined) return opParts
  const part = opParts.find(
    (candidate) =>
      error.elementIndex! >= candidate.firstElement &&
      error.elementIndex! < candidate.firstElement + candidate.elementCount,
  )
  return part === undefined ? opParts : [part]
}

/** Renumbers the failing operation and element as the caller's own call counts them. */
function renumber(error: NftsetError, culprit: Part, parts: Part[][]): NftsetError {
  const copy = new NftsetError(error.message, { ...error, code: error.code })
  copy.stack = error.stack
  const firstOp = parts.findIndex((group) => group.some((part) => part.call === culprit.call))
  copy.operationIndex = (error.operationIndex ?? firstOp) - firstOp
  if (copy.elementIndex !== undefined) copy.elementIndex -= culprit.firstElement
  return copy
}

/**
 * Property test of atomicity: 1,000 random transactions mix operations the
 * kernel accepts with ones it rejects (a create of an existing element, a
 * delete of a missing one, a range overlapping an existing range, a delete
 * of a missing set). A model predicts each outcome. After every batch, nft
 * must show the old contents when the batch failed and the fully applied
 * new contents when it succeeded, and a failure must name the operation and
 * element that caused it.
 *
 * The run is seeded: set ATOMICITY_SEED to replay a failure; every assert
 * message carries the seed and the batch number.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import test from 'ava'

import { NftsetError, type Nftables, type Transaction } from 'nftset'

import { NFT, TestNetns } from './helpers/netns.js'

const run = promisify(execFile)

const GROUPS = 10
const BATCHES_PER_GROUP = 100
const SEED = Number(process.env.ATOMICITY_SEED ?? Math.floor(Math.random() * 2 ** 31))

const plain = { family: 'inet', table: 't', set: 'p' } as const
const ranges = { family: 'inet', table: 't', set: 'r' } as const
const missing = { family: 'inet', table: 't', set: 'missing' } as const

/** mulberry32: a small seeded generator, good enough to pick test cases. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Elements of the plain set: 10.1.0.0 to 10.1.0.31, by last octet. */
const PLAIN_SIZE = 32
/** Ranges of the interval set lie in 10.2.0.0 to 10.2.0.63. */
const RANGE_SPACE = 64

type Range = readonly [number, number]

/** One operation of a random transaction. */
type Op =
  | { kind: 'add' | 'create' | 'delete' | 'destroy'; target: 'plain'; items: number[] }
  | { kind: 'add' | 'create' | 'delete'; target: 'ranges'; items: Range[] }
  | { kind: 'deleteSet' }

/** What the model expects a transaction to do. */
type Expectation =
  | { ok: true; plain: Set<number>; ranges: Range[] }
  | { ok: false; code: string; operationIndex: number; elementIndex?: number; element?: string }

const plainText = (octet: number) => `10.1.0.${octet}`
const rangeText = ([lo, hi]: Range) => (lo === hi ? `10.2.0.${lo}` : `10.2.0.${lo}-10.2.0.${hi}`)

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]
}

function distinct(random: () => number, count: number, size: number): number[] {
  const chosen = new Set<number>()
  while (chosen.size < count) chosen.add(Math.floor(random() * size))
  return [...chosen]
}

/** Draws a random range of 1 to 6 addresses. */
function randomRange(random: () => number): Range {
  const lo = Math.floor(random() * (RANGE_SPACE - 6))
  return [lo, lo + Math.floor(random() * 6)]
}

const overlaps = (a: Range, b: Range) => a[0] <= b[1] && b[0] <= a[1]
const same = (a: Range, b: Range) => a[0] === b[0] && a[1] === b[1]

/** Up to `count` ranges that neither overlap nor repeat each other. */
function disjointRanges(random: () => number, count: number): Range[] {
  const out: Range[] = []
  for (let tries = 0; out.length < count && tries < 20; tries++) {
    const range = randomRange(random)
    if (!out.some((other) => overlaps(other, range))) out.push(range)
  }
  return out
}

/**
 * Draws one operation. Deletes mostly name elements the set holds, so that
 * about half of the transactions apply.
 */
function randomOp(random: () => number, present: Set<number>, current: Range[]): Op {
  const roll = random()
  if (roll < 0.45) {
    const kind = pick(random, ['add', 'add', 'add', 'create', 'delete', 'destroy'] as const)
    if (kind === 'delete' && present.size > 0 && random() < 0.7) {
      return { kind, target: 'plain', items: [pick(random, [...present])] }
    }
    return { kind, target: 'plain', items: distinct(random, 1 + Math.floor(random() * 3), PLAIN_SIZE) }
  }
  if (roll < 0.97) {
    const kind = pick(random, ['add', 'add', 'add', 'create', 'delete'] as const)
    if (kind === 'delete' && current.length > 0 && random() < 0.8) {
      return { kind, target: 'ranges', items: [pick(random, current)] }
    }
    return { kind, target: 'ranges', items: disjointRanges(random, 1 + Math.floor(random() * 2)) }
  }
  return { kind: 'deleteSet' }
}

/**
 * Predicts a transaction in the two steps nftset takes. While it builds the
 * batch, nftset rejects a range that overlaps one the set contains or an
 * earlier operation adds, before anything is sent. Then the kernel runs
 * the operations element by element and stops at the first failure.
 */
function predict(ops: readonly Op[], plainNow: Set<number>, rangesNow: Range[]): Expectation {
  return predictLocal(ops, rangesNow) ?? predictKernel(ops, plainNow, rangesNow)
}

/** Finds the first range that overlaps the ranges the batch leaves before it, if any. */
function predictLocal(ops: readonly Op[], rangesNow: Range[]): Expectation | undefined {
  let view = [...rangesNow]
  for (const [operationIndex, op] of ops.entries()) {
    if (op.kind === 'deleteSet' || op.target !== 'ranges') continue
    const items = op.items as Range[]
    if (op.kind === 'delete') {
      view = view.filter((held) => !items.some((range) => same(held, range)))
      continue
    }
    for (const [elementIndex, range] of items.entries()) {
      if (view.some((held) => overlaps(held, range) && !same(held, range))) {
        return { ok: false, code: 'EEXIST', operationIndex, elementIndex, element: rangeText(range) }
      }
    }
    for (const range of items) {
      if (!view.some((held) => same(held, range))) view.push(range)
    }
  }
  return undefined
}

/** Runs the operations on a copy of the model and returns the new contents or the first failure. */
function predictKernel(ops: readonly Op[], plainNow: Set<number>, rangesNow: Range[]): Expectation {
  const plainNext = new Set(plainNow)
  let rangesNext = [...rangesNow]
  for (const [operationIndex, op] of ops.entries()) {
    if (op.kind === 'deleteSet') {
      return { ok: false, code: 'ENOENT', operationIndex }
    }
    if (op.target === 'plain') {
      for (const [elementIndex, octet] of op.items.entries()) {
        const present = plainNext.has(octet)
        const fail = (code: string): Expectation => ({
          ok: false,
          code,
          operationIndex,
          elementIndex,
          element: plainText(octet),
        })
        if (op.kind === 'create' && present) return fail('EEXIST')
        if (op.kind === 'delete' && !present) return fail('ENOENT')
        if (op.kind === 'add' || op.kind === 'create') plainNext.add(octet)
        else plainNext.delete(octet)
      }
      continue
    }
    for (const [elementIndex, range] of op.items.entries()) {
      const fail = (code: string): Expectation => ({
        ok: false,
        code,
        operationIndex,
        elementIndex,
        element: rangeText(range),
      })
      const identical = rangesNext.some((other) => same(other, range))
      if (op.kind === 'delete') {
        if (!identical) return fail('ENOENT')
        rangesNext = rangesNext.filter((other) => !same(other, range))
        continue
      }
      if (op.kind === 'create' && identical) return fail('EEXIST')
      if (!identical) rangesNext.push(range)
    }
  }
  return { ok: true, plain: plainNext, ranges: rangesNext }
}

function build(tx: Transaction, ops: readonly Op[]): void {
  for (const op of ops) {
    if (op.kind === 'deleteSet') {
      tx.deleteSet(missing)
      continue
    }
    const ref = op.target === 'plain' ? plain : ranges
    const items =
      op.target === 'plain' ? op.items.map(plainText) : (op.items as Range[]).map((range) => rangeText(range))
    const verb = { add: 'addElements', create: 'createElements', delete: 'deleteElements', destroy: 'destroyElements' } as const
    tx[verb[op.kind]](ref, items)
  }
}

/** Returns the last octet N of an address such as 10.2.0.N. */
function lastOctet(address: string): number {
  return Number(address.split('.')[3])
}

/** Reads both sets through nft, as last octets and ranges of last octets. */
async function readState(ns: TestNetns): Promise<{ plain: number[]; ranges: Range[] }> {
  const { stdout } = await run('nsenter', [`--net=${ns.path}`, NFT, '-j', 'list', 'table', 'inet', 't'], {
    maxBuffer: 1 << 24,
  })
  const state = { plain: [] as number[], ranges: [] as Range[] }
  for (const item of (JSON.parse(stdout) as { nftables: Array<{ set?: { name: string; elem?: unknown[] } }> }).nftables) {
    if (item.set === undefined) continue
    for (const elem of item.set.elem ?? []) {
      if (item.set.name === 'p') {
        state.plain.push(lastOctet(elem as string))
      } else {
        state.ranges.push(nftRange(elem))
      }
    }
  }
  state.plain.sort((a, b) => a - b)
  state.ranges.sort((a, b) => a[0] - b[0])
  return state
}

/** Reads one element of `nft -j` output for the interval set as a range of last octets. */
function nftRange(elem: unknown): Range {
  if (typeof elem === 'string') return [lastOctet(elem), lastOctet(elem)]
  const object = elem as { range?: [string, string]; prefix?: { addr: string; len: number } }
  if (object.range) return [lastOctet(object.range[0]), lastOctet(object.range[1])]
  const { addr, len } = object.prefix!
  return [lastOctet(addr), lastOctet(addr) + 2 ** (32 - len) - 1]
}

function sameContents(plainA: Set<number>, rangesA: Range[], plainB: Set<number>, rangesB: Range[]): boolean {
  const text = (plainSet: Set<number>, rangeList: Range[]) =>
    JSON.stringify([[...plainSet].sort((a, b) => a - b), sortedRanges(rangeList)])
  return text(plainA, rangesA) === text(plainB, rangesB)
}

function sortedRanges(items: Iterable<Range>): Range[] {
  return [...items].sort((a, b) => a[0] - b[0])
}

async function setUp(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 'p', type: 'ipv4_addr' })
    tx.createSet({ family: 'inet', table: 't', name: 'r', type: 'ipv4_addr', flags: ['interval'] })
  })
}

for (let group = 0; group < GROUPS; group++) {
  test(`random batches are atomic, group ${group}`, async (t) => {
    const random = generator(SEED + group)
    const ns = await TestNetns.create()
    const nft = await ns.open()
    t.teardown(async () => {
      nft.close()
      await ns.destroy()
    })
    await setUp(nft)
    let plainModel = new Set<number>()
    let rangeModel: Range[] = []
    let failures = 0

    for (let batch = 0; batch < BATCHES_PER_GROUP; batch++) {
      const where = `seed ${SEED}, group ${group}, batch ${batch}`
      const ops = Array.from({ length: 1 + Math.floor(random() * 4) }, () => randomOp(random, plainModel, rangeModel))
      const expected = predict(ops, plainModel, rangeModel)
      const before = await nft.generation()

      const outcome = await nft.transaction((tx) => build(tx, ops)).then(
        () => undefined,
        (error: unknown) => error,
      )
      const state = await readState(ns)
      const after = await nft.generation()
      const context = `${where}: ${JSON.stringify(ops)} on ranges ${JSON.stringify(sortedRanges(rangeModel))}`

      if (expected.ok) {
        t.is(outcome, undefined, `${context} should apply: ${String(outcome)}`)
        // The kernel skips the commit of a batch that changes nothing, such
        // as adds of elements the set holds.
        const changed = !sameContents(plainModel, rangeModel, expected.plain, expected.ranges)
        t.true(after === before + 1 || (!changed && after === before), `${context}: generation ${before} to ${after}`)
        plainModel = expected.plain
        rangeModel = expected.ranges
      } else {
        failures++
        t.true(outcome instanceof NftsetError, `${context} should fail with ${expected.code}`)
        const error = outcome as NftsetError
        t.is(error.code, expected.code, `${context}: ${error.message}`)
        t.is(error.operationIndex, expected.operationIndex, `${context}: ${error.message}`)
        t.is(error.elementIndex, expected.elementIndex, `${context}: ${error.message}`)
        t.is(error.element, expected.element, `${context}: ${error.message}`)
        t.is(after, before, `${context}: no commit`)
      }
      t.deepEqual(state.plain, [...plainModel].sort((a, b) => a - b), `${context}: plain set`)
      t.deepEqual(state.ranges, sortedRanges(rangeModel), `${context}: interval set`)
    }
    t.log(`seed ${SEED}, group ${group}: ${failures} of ${BATCHES_PER_GROUP} batches failed`)
    t.true(failures > BATCHES_PER_GROUP / 5, `${failures} failing batches: too few to test rollback`)
  })
}

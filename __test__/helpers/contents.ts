/**
 * Set contents read two ways: through nft's JSON output, and through
 * nftset's `listElements`, which spells keys and values as nft prints them.
 * Both comparisons ignore element order and the remaining time
 * (`expires`), which changes between reads.
 */
import type { ExecutionContext } from 'ava'
import type { ElementInfo, Nftables, SetRef } from 'nftset'

import type { TestNetns } from './netns.js'

/** What a set must contain after a step. */
export interface ExpectedContents {
  /** The `elem` array of `nft -j list table`, exactly as nft 1.0.6 prints it. */
  json: unknown[]
  /** What `listElements` returns, leaving out `expires`. */
  listed: ElementInfo[]
}

/**
 * Returns the `elem` array of a set or map as `nft -j list table` prints
 * it, or `[]` when it is empty. Fails when the set does not exist.
 */
export function nftElems(ns: TestNetns, ref: SetRef): unknown[] {
  const output = JSON.parse(ns.nft('-j', 'list', 'table', ref.family, ref.table)) as {
    nftables: Array<Record<string, { name?: string; elem?: unknown[] }>>
  }
  for (const item of output.nftables) {
    const entry = item.set ?? item.map
    if (entry?.name === ref.set) {
      return entry.elem ?? []
    }
  }
  throw new Error(`nft lists no set or map named ${ref.set} in table ${ref.family} ${ref.table}`)
}

/** Asserts the contents of `ref`, read through nft and through `listElements`. */
export async function assertContents(
  t: ExecutionContext,
  ns: TestNetns,
  nft: Nftables,
  ref: SetRef,
  expected: ExpectedContents,
): Promise<void> {
  t.deepEqual(canonical(nftElems(ns, ref)), canonical(expected.json), `nft -j list of ${ref.set}`)
  t.deepEqual(canonical(await nft.listElements(ref)), canonical(expected.listed), `listElements of ${ref.set}`)
}

/** Drops every `expires` field and sorts the items, so that lists compare as multisets. */
export function canonical(items: readonly unknown[]): unknown[] {
  return items
    .map(withoutExpires)
    .map((item) => ({ item, text: sortedJson(item) }))
    .sort((a, b) => a.text.localeCompare(b.text))
    .map(({ item }) => item)
}

function withoutExpires(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutExpires)
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([key]) => key !== 'expires')
    return Object.fromEntries(entries.map(([key, inner]) => [key, withoutExpires(inner)]))
  }
  return value
}

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
      return inner
    }
    return Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
  })
}

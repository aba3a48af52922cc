/**
 * Runs interop cases against the kernel in both directions, each test in a
 * namespace of its own.
 *
 * - nftset to nft: nftset creates the set and adds the elements, half in
 *   nft's text syntax and half as objects. `nft -j list` must then show
 *   exactly the expected definition and elements.
 * - nft to nftset: an nft script creates the same set. `getSet` and
 *   `listSets` must report its definition, and `listElements` must return
 *   what `nft list` prints.
 */
import test, { type ExecutionContext } from 'ava'
import type { Family, Nftables } from 'nftset'

import {
  CHAIN,
  elementObject,
  elementText,
  kindOf,
  nftScript,
  SET,
  setSpec,
  TABLE,
  type InteropCase,
} from './interop-cases.js'
import {
  definitionOf,
  expectedElemsJson,
  expectedListing,
  expectedSetInfo,
  expectedSetJson,
  jsonInListOrder,
  listedFromNftset,
  markJsonExpires,
  normalizeListing,
  parseNftListing,
  withoutQuotes,
} from './interop-expect.js'
import { withNetns, type TestNetns } from './netns.js'

/**
 * Families the cases rotate through. A set works the same in every family,
 * but the family travels in every message header, so each is exercised.
 */
const FAMILIES: readonly Family[] = ['inet', 'ip', 'ip6', 'bridge', 'netdev', 'arp']

/**
 * Namespaces one spec file keeps open at a time. ava starts every test of a
 * file at once, and each namespace needs a holder process and a connection
 * thread.
 */
const MAX_NAMESPACES = 4

let openNamespaces = 0
const waiting: Array<() => void> = []

/** Runs `body` in a fresh namespace once fewer than `MAX_NAMESPACES` are open. */
async function inNetns(body: (ns: TestNetns, nft: Nftables) => Promise<void>): Promise<void> {
  while (openNamespaces >= MAX_NAMESPACES) {
    await new Promise<void>((resolve) => waiting.push(resolve))
  }
  openNamespaces++
  try {
    await withNetns(body)
  } finally {
    openNamespaces--
    waiting.shift()?.()
  }
}

/** Declares two tests per case, one per direction. The family rotates with the case's index. */
export function testInterop(cases: readonly InteropCase[]): void {
  cases.forEach((c, index) => {
    const family = FAMILIES[index % FAMILIES.length]
    test(`${c.title}: nftset to nft`, (t) => inNetns((ns, nft) => writeWithNftset(t, ns, nft, c, family)))
    test(`${c.title}: nft to nftset`, (t) => inNetns((ns, nft) => writeWithNft(t, ns, nft, c, family)))
  })
}

/** Runs `nft -j list set` or `nft -j list map` and returns the `set` or `map` object. */
function nftJson(ns: TestNetns, c: InteropCase, family: Family): Record<string, unknown> {
  const kind = kindOf(c)
  const output = JSON.parse(ns.nft('-j', 'list', kind, family, TABLE, SET)) as {
    nftables: Array<Record<string, Record<string, unknown>>>
  }
  const entry = output.nftables.find((item) => item[kind] !== undefined)
  if (!entry) throw new Error(`nft -j list ${kind} printed no ${kind}`)
  return entry[kind]
}

async function writeWithNftset(
  t: ExecutionContext,
  ns: TestNetns,
  nft: Nftables,
  c: InteropCase,
  family: Family,
): Promise<void> {
  const ref = { family, table: TABLE, set: SET }
  await nft.transaction((tx) => {
    tx.createTable({ family, name: TABLE })
    if (c.map === 'verdict') tx.createChain({ family, table: TABLE, name: CHAIN })
    tx.createSet(setSpec(c, family))
  })
  const asText = c.elements.filter((_, index) => index % 2 === 0).map(elementText)
  const asObjects = c.elements.filter((_, index) => index % 2 === 1).map(elementObject)
  await nft.addElements(ref, asText)
  if (asObjects.length > 0) await nft.addElements(ref, asObjects)

  const command = `nft -j list ${kindOf(c)} ${family} ${TABLE} ${SET}`
  const { handle, elem, ...definition } = nftJson(ns, c, family)
  t.is(typeof handle, 'number', `${command}: handle`)
  t.deepEqual(definition, expectedSetJson(c, family), `${command}: definition`)
  if (c.autoMerge) {
    const text = ns.nft('list', kindOf(c), family, TABLE, SET)
    t.regex(text, /^\s*auto-merge$/m, `nft list ${kindOf(c)} ${family} ${TABLE} ${SET}: auto-merge`)
  }
  const listed = jsonInListOrder(c, markJsonExpires(c, (elem as unknown[] | undefined) ?? []))
  t.deepEqual(listed, jsonInListOrder(c, expectedElemsJson(c)), `${command}: elements`)
}

async function writeWithNft(
  t: ExecutionContext,
  ns: TestNetns,
  nft: Nftables,
  c: InteropCase,
  family: Family,
): Promise<void> {
  const ref = { family, table: TABLE, set: SET }
  ns.nftScript(nftScript(c, family))

  const info = await nft.getSet(ref)
  t.is(typeof info.handle, 'number', 'getSet: handle')
  const definition = definitionOf(info)
  if (c.flags?.includes('constant')) {
    // nft sizes a constant set itself, to the number of kernel elements it
    // sends, and lists no size. getSet reports that size.
    t.true((definition.size ?? 0) >= c.elements.length, `getSet: size ${definition.size} of a constant set`)
    delete definition.size
  }
  t.deepEqual(definition, expectedSetInfo(c, family), 'getSet: definition')
  t.deepEqual(await nft.listSets({ family, table: TABLE }), [info], 'listSets: the one set')

  const command = `nft list ${kindOf(c)} ${family} ${TABLE} ${SET}`
  const printed = parseNftListing(ns.nft('list', kindOf(c), family, TABLE, SET))
  const listed = listedFromNftset(await nft.listElements(ref))
  t.deepEqual(
    normalizeListing(c, listed),
    normalizeListing(c, withoutQuotes(printed)),
    `listElements against ${command}`,
  )
  t.deepEqual(normalizeListing(c, printed), normalizeListing(c, expectedListing(c)), `${command} against the samples`)
}

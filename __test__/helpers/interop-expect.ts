/**
 * What nft and nftset must list for an interop case, and the readers of
 * nft's text and JSON listings.
 *
 * Expiry times count down, so an `expires` value is replaced by a marker
 * that states the allowed range, `0 < expires <= bound`, where the bound is
 * the element's initial `expires` or else its timeout. Both sides are
 * compared with markers, so a value out of range shows in the diff.
 */
import type { Counter, ElementInfo, Family, SetInfo } from 'nftset'

import { durationMs, isOrdered, SET, TABLE, type CaseElement, type InteropCase } from './interop-cases.js'
import { concat, fieldsOf, unquote } from './interop-samples.js'

/** One element of a listing, with the key and value spelled as text. */
export interface Listed {
  key: string
  value?: string
  timeout?: number
  expires?: number | string
  comment?: string
  counter?: Counter
}

/**
 * Returns the set flags nft and nftset report: the case's flags, and
 * `timeout` when it has a default timeout or a garbage-collection interval.
 */
export function flagsOf(c: InteropCase): string[] {
  const flags = new Set<string>(c.flags)
  if (c.timeout !== undefined || c.gcInterval !== undefined) flags.add('timeout')
  return ['constant', 'dynamic', 'interval', 'timeout'].filter((flag) => flags.has(flag))
}

/** Returns the `set` or `map` object `nft -j list` must print, without `handle` and `elem`. */
export function expectedSetJson(c: InteropCase, family: Family): Record<string, unknown> {
  const fields = fieldsOf(c.type)
  const json: Record<string, unknown> = {
    family,
    name: SET,
    table: TABLE,
    type: fields.length > 1 ? fields : c.type,
  }
  if (c.map !== undefined) json.map = c.map
  // NOTE: nft 1.0.6 leaves the dynamic flag out of its JSON, though its text listing shows it.
  const flags = flagsOf(c).filter((flag) => flag !== 'dynamic')
  if (flags.length > 0) json.flags = flags
  if (c.timeout !== undefined) json.timeout = durationMs(c.timeout) / 1000
  if (c.comment !== undefined) json.comment = c.comment
  if (c.counter) json.stmt = [{ counter: null }]
  if (c.size !== undefined) json.size = c.size
  if (c.policy !== undefined) json.policy = c.policy
  if (c.gcInterval !== undefined) json['gc-interval'] = durationMs(c.gcInterval) / 1000
  // NOTE: nft 1.0.6 leaves auto-merge out of its JSON, so only its text listing shows it.
  return json
}

/** Returns the definition `getSet` must report, without `handle` and `count`. */
export function expectedSetInfo(c: InteropCase, family: Family): Omit<SetInfo, 'handle' | 'count'> {
  const info: Omit<SetInfo, 'handle' | 'count'> = {
    family,
    table: TABLE,
    name: SET,
    type: c.type,
    flags: flagsOf(c),
    autoMerge: c.autoMerge ?? false,
    counter: c.counter ?? false,
  }
  if (c.map !== undefined) info.map = c.map
  if (c.timeout !== undefined) info.timeout = durationMs(c.timeout)
  if (c.comment !== undefined) info.comment = c.comment
  if (c.size !== undefined) info.size = c.size
  if (c.policy !== undefined) info.policy = c.policy
  if (c.gcInterval !== undefined) info.gcInterval = durationMs(c.gcInterval)
  return info
}

/** Drops `handle` and `count`, which the kernel assigns. */
export function definitionOf(info: SetInfo): Omit<SetInfo, 'handle' | 'count'> {
  const { handle: _handle, count: _count, ...definition } = info
  return definition
}

/** Returns the element's timeout in ms if the kernel lists it, which it does when it differs from the set's default. */
function listedTimeout(c: InteropCase, element: CaseElement): number | undefined {
  if (element.timeout === undefined) return undefined
  const timeout = durationMs(element.timeout)
  return c.timeout !== undefined && durationMs(c.timeout) === timeout ? undefined : timeout
}

/** Returns the upper bound of the element's `expires` in ms, or undefined when it never expires. */
function expiresBound(c: InteropCase, element: CaseElement): number | undefined {
  const timeout = element.timeout ?? c.timeout
  if (timeout === undefined || durationMs(timeout) === 0) return undefined
  return durationMs(element.expires ?? timeout)
}

function counterOf(c: InteropCase, element: CaseElement): Counter | undefined {
  return c.counter ? (element.counter ?? { packets: 0, bytes: 0 }) : undefined
}

/** Returns the marker that stands for an `expires` value within `(0, bound]`. */
function expiresWithin(bound: number, unit: 'ms' | 's'): string {
  return `0 < expires <= ${bound} ${unit}`
}

/** Replaces `expires` by its marker when within `(0, bound]`, else by a message with the value. */
function markExpires(expires: unknown, bound: number | undefined, unit: 'ms' | 's'): unknown {
  if (bound === undefined) return `unexpected expires ${expires}`
  if (typeof expires === 'number' && expires > 0 && expires <= bound) return expiresWithin(bound, unit)
  return `expires ${expires} is not in (0, ${bound}] ${unit}`
}

/** Returns the `elem` array `nft -j list` must print, in the case's order. */
export function expectedElemsJson(c: InteropCase): unknown[] {
  return c.elements.map((element) => {
    const key = concat(element.key).json
    const extras: Record<string, unknown> = {}
    const timeout = listedTimeout(c, element)
    // nft -j prints durations in whole seconds, rounded down.
    if (timeout !== undefined) extras.timeout = Math.floor(timeout / 1000)
    const bound = expiresBound(c, element)
    if (bound !== undefined) extras.expires = expiresWithin(Math.floor(bound / 1000), 's')
    if (element.comment !== undefined) extras.comment = element.comment
    const counter = counterOf(c, element)
    if (counter) extras.counter = counter
    const keyPart = Object.keys(extras).length === 0 ? key : { elem: { val: key, ...extras } }
    return element.value ? [keyPart, concat(element.value).json] : keyPart
  })
}

/** Replaces the `expires` values of `nft -j list` elements by their markers. */
export function markJsonExpires(c: InteropCase, elems: unknown[]): unknown[] {
  const bounds = new Map(
    c.elements.map((element) => [JSON.stringify(concat(element.key).json), expiresBound(c, element)]),
  )
  return elems.map((item) => {
    const keyPart = Array.isArray(item) ? item[0] : item
    const elem = (keyPart as { elem?: Record<string, unknown> } | null)?.elem
    if (elem?.expires === undefined) return item
    const bound = bounds.get(JSON.stringify(elem.val))
    const boundSeconds = bound === undefined ? undefined : Math.floor(bound / 1000)
    const marked = { elem: { ...elem, expires: markExpires(elem.expires, boundSeconds, 's') } }
    return Array.isArray(item) ? [marked, ...item.slice(1)] : marked
  })
}

/** Sorts `nft -j list` elements by key unless the case lists in key order. */
export function jsonInListOrder(c: InteropCase, elems: unknown[]): unknown[] {
  if (isOrdered(c)) return elems
  const keyOf = (item: unknown): string => {
    const keyPart = Array.isArray(item) ? item[0] : item
    const elem = (keyPart as { elem?: { val: unknown } } | null)?.elem
    return JSON.stringify(elem ? elem.val : keyPart)
  }
  return [...elems].sort((a, b) => compare(keyOf(a), keyOf(b)))
}

/** Returns the listing `nft list` must print for the case, in nft's spelling. */
export function expectedListing(c: InteropCase): Listed[] {
  return c.elements.map((element) => {
    const listed: Listed = { key: concat(element.key).text }
    if (element.value) listed.value = concat(element.value).text
    const timeout = listedTimeout(c, element)
    if (timeout !== undefined) listed.timeout = timeout
    const bound = expiresBound(c, element)
    if (bound !== undefined) listed.expires = expiresWithin(bound, 'ms')
    if (element.comment !== undefined) listed.comment = element.comment
    const counter = counterOf(c, element)
    if (counter) listed.counter = counter
    return listed
  })
}

/** Converts nftset's elements to listings, dropping absent fields. */
export function listedFromNftset(elements: ElementInfo[]): Listed[] {
  return elements.map((element) => JSON.parse(JSON.stringify(element)) as Listed)
}

/**
 * Removes nft's quotes from ifname keys and values. nftset returns an
 * ifname as its bare value, as `nft -j list` does, the way it returns a
 * comment without the quotes of `comment "..."`.
 */
export function withoutQuotes(listing: Listed[]): Listed[] {
  return listing.map((listed) => {
    const bare: Listed = { ...listed, key: unquote(listed.key) }
    if (listed.value !== undefined) bare.value = unquote(listed.value)
    return bare
  })
}

/** Replaces `expires` values by their markers and sorts by key unless the case lists in key order. */
export function normalizeListing(c: InteropCase, listing: Listed[]): Listed[] {
  const bounds = new Map(c.elements.map((element) => [unquote(concat(element.key).text), expiresBound(c, element)]))
  const marked = listing.map((listed) => {
    if (listed.expires === undefined || typeof listed.expires === 'string') return listed
    return { ...listed, expires: markExpires(listed.expires, bounds.get(unquote(listed.key)), 'ms') as string }
  })
  return isOrdered(c) ? marked : marked.sort((a, b) => compare(a.key, b.key))
}

function compare(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}

const OPTIONS = new Set(['counter', 'timeout', 'expires', 'comment'])

/**
 * Reads the elements of `nft list set` or `nft list map` output:
 * `KEY [counter packets N bytes M] [timeout T] [expires E] [comment "C"] [: VALUE]`,
 * separated by commas, with keys and values as nft spells them.
 */
export function parseNftListing(output: string): Listed[] {
  const start = output.indexOf('elements = {')
  if (start < 0) return []
  const items: string[] = []
  let current = ''
  let quoted = false
  for (const char of output.slice(start + 'elements = {'.length)) {
    if (char === '"') quoted = !quoted
    if (!quoted && (char === ',' || char === '}')) {
      items.push(current)
      current = ''
      if (char === '}') break
      continue
    }
    current += char
  }
  return items.map((item) => item.trim()).filter((item) => item !== '').map(parseNftElement)
}

function parseNftElement(text: string): Listed {
  const tokens: string[] = text.match(/"[^"]*"|\S+/g) ?? []
  const colon = tokens.indexOf(':')
  const head = colon < 0 ? tokens : tokens.slice(0, colon)
  const firstOption = head.findIndex((token) => OPTIONS.has(token))
  const keyEnd = firstOption < 0 ? head.length : firstOption
  const listed: Listed = { key: head.slice(0, keyEnd).join(' ') }
  for (let i = keyEnd; i < head.length; i += 2) {
    const [option, argument] = [head[i], head[i + 1]]
    if (option === 'counter') {
      // counter packets N bytes M
      listed.counter = { packets: Number(head[i + 2]), bytes: Number(head[i + 4]) }
      i += 3
    } else if (option === 'timeout') {
      listed.timeout = durationMs(argument)
    } else if (option === 'expires') {
      listed.expires = durationMs(argument)
    } else if (option === 'comment') {
      listed.comment = argument.slice(1, -1)
    } else {
      throw new Error(`unexpected "${option}" in nft's element "${text}"`)
    }
  }
  if (colon >= 0) listed.value = tokens.slice(colon + 1).join(' ')
  return listed
}

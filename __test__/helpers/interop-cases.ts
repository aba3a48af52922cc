/**
 * The interop matrix: a case is one set or map definition with its
 * elements, which both nftset and nft write and both list.
 */
import type { Counter, ElementObject, Family, SetSpec } from 'nftset'

import { concat, fieldsOf, SAMPLES, VERDICTS, type Sample } from './interop-samples.js'

/** One element of a case. */
export interface CaseElement {
  /** One sample per key field. */
  readonly key: readonly Sample[]
  /** Map value: one sample per value field, or one verdict. */
  readonly value?: readonly Sample[]
  /** Element timeout in nft's duration text, such as `10m`. */
  readonly timeout?: string
  /** Initial time left, in nft's duration text. */
  readonly expires?: string
  /** Element comment. */
  readonly comment?: string
  /** Initial counter values, for sets with `counter`. */
  readonly counter?: Counter
}

/** A set or map definition and its elements. */
export interface InteropCase {
  /** Test title: what the combination is. */
  readonly title: string
  /** Key type, such as `ipv4_addr . inet_service`. */
  readonly type: string
  /** Map value type, or `verdict`. */
  readonly map?: string
  /** Set flags as nft writes them. */
  readonly flags?: ReadonlyArray<'constant' | 'dynamic' | 'interval' | 'timeout'>
  /** Default element timeout in nft's duration text. */
  readonly timeout?: string
  /** True when every element has a counter. */
  readonly counter?: boolean
  /** Set comment. */
  readonly comment?: string
  /** Maximum number of elements. */
  readonly size?: number
  /** `memory`, when not the default lookup policy. */
  readonly policy?: 'memory'
  /** Garbage-collection interval in nft's duration text. */
  readonly gcInterval?: string
  /** True with nft's `auto-merge`. */
  readonly autoMerge?: boolean
  /** Elements, in ascending order for an interval set of one field. */
  readonly elements: readonly CaseElement[]
}

/** The table every case lives in, and the set or map name. */
export const TABLE = 't'
export const SET = 's'
/** The regular chain that `jump` and `goto` verdicts target. */
export const CHAIN = 'c'

/** Returns true when the case has `flags interval`. */
export function isInterval(c: Pick<InteropCase, 'flags'>): boolean {
  return c.flags?.includes('interval') ?? false
}

/**
 * Returns true when nft and nftset list the case's elements in ascending
 * key order: interval sets of one field, which the kernel keeps in an
 * rbtree. Other sets list in hash order and are compared sorted.
 */
export function isOrdered(c: InteropCase): boolean {
  return isInterval(c) && fieldsOf(c.type).length === 1
}

/** `set` or `map`, as nft names the object. */
export function kindOf(c: InteropCase): 'set' | 'map' {
  return c.map === undefined ? 'set' : 'map'
}

/**
 * Lists the keys of a case of type `type`, one row of samples per element.
 *
 * The first field takes each sample of its type once, so the rows are
 * distinct, and in an interval set disjoint. The other fields cycle through
 * their samples, shifted by the field index. In an interval set these
 * samples include the type's widest range.
 */
export function keyRows(type: string, interval: boolean): Sample[][] {
  const [first, ...rest] = fieldsOf(type)
  return pool(first, interval, false).map((head, row) => [
    head,
    ...rest.map((field, index) => {
      const samples = pool(field, interval, true)
      return samples[(row + index + 1) % samples.length]
    }),
  ])
}

function pool(type: keyof typeof SAMPLES, interval: boolean, withWhole: boolean): readonly Sample[] {
  const samples = SAMPLES[type]
  if (!interval) {
    return samples.plain
  }
  return withWhole && samples.whole ? [...samples.interval, samples.whole] : samples.interval
}

/** Returns the map value of row `row`: a verdict, or one plain sample per value field. */
export function valueRow(map: string, row: number): Sample[] {
  if (map === 'verdict') {
    return [VERDICTS[row % VERDICTS.length]]
  }
  return fieldsOf(map).map((field, index) => {
    const samples = SAMPLES[field].plain
    return samples[(row + index) % samples.length]
  })
}

/** Builds a case whose elements are the key rows of its type, with map values when it is a map. */
export function matrixCase(title: string, definition: Omit<InteropCase, 'title' | 'elements'>): InteropCase {
  const rows = keyRows(definition.type, isInterval(definition))
  const map = definition.map
  const elements = rows.map((key, row) => (map === undefined ? { key } : { key, value: valueRow(map, row) }))
  return { title, ...definition, elements }
}

/** Spells an element in nft's syntax: `KEY [counter ...] [timeout T] [expires E] [comment "C"] [: VALUE]`. */
export function elementText(element: CaseElement): string {
  let text = concat(element.key).input
  if (element.counter) {
    text += ` counter packets ${element.counter.packets} bytes ${element.counter.bytes}`
  }
  if (element.timeout !== undefined) {
    text += ` timeout ${element.timeout}`
  }
  if (element.expires !== undefined) {
    text += ` expires ${element.expires}`
  }
  if (element.comment !== undefined) {
    text += ` comment "${element.comment}"`
  }
  if (element.value) {
    text += ` : ${concat(element.value).input}`
  }
  return text
}

/** Converts an element to nftset's object form, with durations in milliseconds. */
export function elementObject(element: CaseElement): ElementObject {
  const fields = (samples: readonly Sample[]) =>
    samples.length === 1 ? samples[0].field : samples.map((sample) => sample.field)
  const object: ElementObject = { key: fields(element.key) }
  if (element.value) object.value = fields(element.value)
  if (element.timeout !== undefined) object.timeout = durationMs(element.timeout)
  if (element.expires !== undefined) object.expires = durationMs(element.expires)
  if (element.comment !== undefined) object.comment = element.comment
  if (element.counter) object.counter = element.counter
  return object
}

/** Returns the case's definition as nftset's `createSet` takes it. */
export function setSpec(c: InteropCase, family: Family): SetSpec {
  const spec: SetSpec = { family, table: TABLE, name: SET, type: c.type }
  if (c.map !== undefined) spec.map = c.map
  if (c.flags) spec.flags = [...c.flags]
  if (c.timeout !== undefined) spec.timeout = c.timeout
  if (c.counter) spec.counter = true
  if (c.comment !== undefined) spec.comment = c.comment
  if (c.size !== undefined) spec.size = c.size
  if (c.policy !== undefined) spec.policy = c.policy
  if (c.gcInterval !== undefined) spec.gcInterval = c.gcInterval
  if (c.autoMerge) spec.autoMerge = true
  return spec
}

/** Writes an nft script that creates the table, the chain of verdict maps, and the case's set with its elements. */
export function nftScript(c: InteropCase, family: Family): string {
  const lines = [`table ${family} ${TABLE} {`]
  if (c.map === 'verdict') {
    lines.push(`  chain ${CHAIN} {`, '  }')
  }
  lines.push(`  ${kindOf(c)} ${SET} {`)
  lines.push(`    type ${c.type}${c.map === undefined ? '' : ` : ${c.map}`}`)
  if (c.flags) lines.push(`    flags ${c.flags.join(', ')}`)
  if (c.timeout !== undefined) lines.push(`    timeout ${c.timeout}`)
  if (c.counter) lines.push('    counter')
  if (c.comment !== undefined) lines.push(`    comment "${c.comment}"`)
  if (c.size !== undefined) lines.push(`    size ${c.size}`)
  if (c.policy !== undefined) lines.push(`    policy ${c.policy}`)
  if (c.gcInterval !== undefined) lines.push(`    gc-interval ${c.gcInterval}`)
  if (c.autoMerge) lines.push('    auto-merge')
  lines.push(`    elements = { ${c.elements.map(elementText).join(',\n      ')} }`)
  lines.push('  }', '}')
  return lines.join('\n') + '\n'
}

/** Parses nft's duration text, such as `1h30m` or `4m59s992ms`, into milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 }
  let total = 0
  let matched = ''
  for (const [part, count, unit] of text.matchAll(/(\d+)(ms|d|h|m|s)/g)) {
    total += Number(count) * units[unit]
    matched += part
  }
  if (matched !== text) {
    throw new Error(`invalid nft duration "${text}"`)
  }
  return total
}

/**
 * Output in the JSON schema of `nft -j` (schema version 1, as nft 1.0.6
 * prints it), built from the text spelling nftset lists elements in and the
 * set's types.
 *
 * Per field type: ports, marks and protocols without a name are numbers;
 * addresses, interface names and protocol names are strings. Prefixes are
 * `{"prefix": {"addr", "len"}}`, ranges `{"range": [lo, hi]}`,
 * concatenations `{"concat": [...]}`, map elements `[key, value]` and
 * verdicts `{"accept": null}` or `{"jump": {"target": "chain"}}`. An element
 * with a timeout, expiry, comment or counter is wrapped as `{"elem": {"val":
 * ..., ...}}`, with times in whole seconds.
 */
import { readFileSync } from 'node:fs'

import type { ElementInfo, SetInfo } from '../types.js'
import { setKind } from './text.js'

/** Key and value field types of a set. */
export interface SetTypes {
  /** One type per concatenated key field. */
  key: string[]
  /** One type per concatenated value field, for maps other than verdict maps. */
  value?: string[]
  /** True for verdict maps. */
  verdict: boolean
}

/** Types whose values nft prints as JSON numbers. */
const NUMBER_TYPES = new Set(['inet_service', 'mark'])

/** Types whose aligned ranges nftset and nft print as prefixes. */
const PREFIX_TYPES = new Set(['ipv4_addr', 'ipv6_addr', 'mark'])

/** Splits the set's type strings into field types. */
export function typesOf(info: Pick<SetInfo, 'type' | 'map'>): SetTypes {
  const verdict = info.map === 'verdict'
  return {
    key: splitType(info.type),
    value: info.map === undefined || verdict ? undefined : splitType(info.map),
    verdict,
  }
}

function splitType(type: string): string[] {
  return type.split('.').map((field) => field.trim())
}

/** Wraps objects in a whole `nft -j` document, after the metainfo. */
export function documentJson(objects: unknown[]): { nftables: unknown[] } {
  return { nftables: [{ metainfo: { json_schema_version: 1 } }, ...objects] }
}

/**
 * Builds a set or map object as `nft -j list set` prints it, with its elements
 * when `elements` is given and not empty.
 */
export function setJson(info: SetInfo, elements?: ElementInfo[]): Record<string, Record<string, unknown>> {
  const types = typesOf(info)
  const body: Record<string, unknown> = {
    family: info.family,
    name: info.name,
    table: info.table,
    type: types.key.length === 1 ? types.key[0] : types.key,
  }
  if (info.handle !== undefined) body.handle = info.handle
  if (info.comment !== undefined) body.comment = info.comment
  if (info.map !== undefined) body.map = info.map
  if (info.policy !== undefined) body.policy = info.policy
  if (info.size !== undefined) body.size = info.size
  if (info.flags.length > 0) body.flags = info.flags
  if (info.timeout !== undefined) body.timeout = seconds(info.timeout)
  if (info.gcInterval !== undefined) body['gc-interval'] = seconds(info.gcInterval)
  if (elements !== undefined && elements.length > 0) {
    body.elem = elements.map((element) => elementJson(element, types))
  }
  if (info.counter) body.stmt = [{ counter: null }]
  return { [setKind(info)]: body }
}

/** Converts one element of `elem`: a value, `{"elem": {...}}` with options, or a `[key, value]` pair in maps. */
export function elementJson(element: ElementInfo, types: SetTypes): unknown {
  let key = fieldsJson(element.key, types.key)
  const options: Record<string, unknown> = {}
  if (element.timeout !== undefined) options.timeout = seconds(element.timeout)
  if (element.expires !== undefined) options.expires = seconds(element.expires)
  if (element.comment !== undefined) options.comment = element.comment
  if (element.counter !== undefined) {
    options.counter = { packets: element.counter.packets, bytes: element.counter.bytes }
  }
  if (Object.keys(options).length > 0) {
    key = { elem: { val: key, ...options } }
  }
  if (element.value === undefined) return key
  return [key, valueJson(element.value, types)]
}

/** nft prints times in whole seconds, rounded down. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000)
}

function valueJson(text: string, types: SetTypes): unknown {
  if (types.verdict) return verdictJson(text)
  return fieldsJson(text, types.value ?? [])
}

/** `accept` as `{"accept": null}`, `jump CHAIN` as `{"jump": {"target": "CHAIN"}}`. */
export function verdictJson(text: string): Record<string, unknown> {
  const space = text.indexOf(' ')
  if (space < 0) return { [text]: null }
  const target = text.slice(space + 1).trim()
  const unquoted = target.startsWith('"') && target.endsWith('"') ? target.slice(1, -1) : target
  return { [text.slice(0, space)]: { target: unquoted } }
}

/** Converts one key or value: a single field, or `{"concat": [...]}`. */
function fieldsJson(text: string, fieldTypes: string[]): unknown {
  if (fieldTypes.length <= 1) return fieldJson(text, fieldTypes[0] ?? '')
  const parts = text.split(' . ')
  // NOTE: an interface name that itself contains " . " cannot be
  // distinguished from a field separator here, so such a key stays one string.
  if (parts.length !== fieldTypes.length) return text
  return { concat: parts.map((part, index) => fieldJson(part, fieldTypes[index])) }
}

/** Converts one field: a value, a prefix or a range. */
export function fieldJson(text: string, type: string): unknown {
  if (type === 'ifname' || !KNOWN_TYPES.has(type)) {
    // Interface names and wildcards such as `br-*` stay text; so do values
    // of types nftset cannot decode.
    return text
  }
  if (PREFIX_TYPES.has(type)) {
    const prefix = /^(.+)\/(\d+)$/.exec(text)
    if (prefix !== null) {
      return { prefix: { addr: scalarJson(prefix[1], type), len: Number(prefix[2]) } }
    }
  }
  const range = splitRange(text, type)
  if (range !== undefined) {
    return { range: [scalarJson(range[0], type), scalarJson(range[1], type)] }
  }
  return scalarJson(text, type)
}

const KNOWN_TYPES = new Set(['ipv4_addr', 'ipv6_addr', 'ether_addr', 'inet_proto', 'inet_service', 'mark', 'ifname'])

function scalarJson(text: string, type: string): string | number {
  const numeric = NUMBER_TYPES.has(type) || (type === 'inet_proto' && /^\d+$/.test(text))
  if (numeric) {
    const value = Number(text)
    if (Number.isFinite(value)) return value
  }
  return text
}

/**
 * Splits `lo-hi`. Protocol names may contain a dash (`ipv6-icmp`), so for
 * `inet_proto` a known name stays whole and a range is split where both
 * sides are a number or a known name.
 */
function splitRange(text: string, type: string): [string, string] | undefined {
  if (!text.includes('-')) return undefined
  if (type !== 'inet_proto') {
    const dash = text.indexOf('-')
    return [text.slice(0, dash), text.slice(dash + 1)]
  }
  const names = protocolNames()
  if (names.has(text)) return undefined
  const isProtocol = (part: string) => /^\d+$/.test(part) || names.has(part)
  for (let dash = text.indexOf('-'); dash > 0; dash = text.indexOf('-', dash + 1)) {
    const lo = text.slice(0, dash)
    const hi = text.slice(dash + 1)
    if (isProtocol(lo) && isProtocol(hi)) return [lo, hi]
  }
  return undefined
}

let protocols: Set<string> | undefined

/**
 * Protocol names from /etc/protocols, where nftset's names come from; the
 * names with a dash from IANA's list when the file cannot be read.
 */
function protocolNames(): Set<string> {
  if (protocols !== undefined) return protocols
  protocols = new Set(['ipv6-route', 'ipv6-frag', 'ipv6-icmp', 'ipv6-nonxt', 'ipv6-opts', 'mpls-in-ip'])
  try {
    for (const line of readFileSync('/etc/protocols', 'utf8').split('\n')) {
      const name = line.replace(/#.*/, '').trim().split(/\s+/)[0]
      if (name) protocols.add(name)
    }
  } catch {
    // The built-in names above are enough to split ranges.
  }
  return protocols
}

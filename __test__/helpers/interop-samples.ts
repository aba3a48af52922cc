/**
 * Sample values of every datatype for the interop matrix: how each value is
 * written, how `nft list` prints it and how `nft -j list` prints it.
 *
 * The spellings were read from nft 1.0.6. Interval samples are disjoint and
 * in ascending order, because `nft list` prints interval sets in ascending
 * order and the kernel rejects overlapping ranges.
 */
import type { Datatype } from 'nftset'

/** A value in its three spellings. */
export interface Spelling {
  /** nft syntax, with ifnames quoted, as an nft script and nftset's text form take it. */
  readonly input: string
  /** The value as `nft list` prints it. */
  readonly text: string
  /** The value as `nft -j list` prints it. */
  readonly json: unknown
}

/** One value of a datatype, or a verdict. */
export interface Sample extends Spelling {
  /** The value in nftset's field-by-field form: a number for integer types, text without quotes otherwise. */
  readonly field: string | number
}

/** The samples of one datatype. */
export interface TypeSamples {
  /** Single values, at least four, including 0 and the maximum. Maps take their values from here. */
  readonly plain: readonly Sample[]
  /**
   * Disjoint values, prefixes, ranges and wildcards in ascending order, for
   * interval sets. Except for ifname, the first covers the minimum and the
   * last the maximum.
   */
  readonly interval: readonly Sample[]
  /** The widest range the type accepts, such as `0.0.0.0/0`. ifname has none because nft rejects `*` alone. */
  readonly whole?: Sample
}

/**
 * Builds a sample. `text` defaults to `input`, and `field` to `input`
 * without quotes. The JSON form is derived from `text`.
 */
export function sample(type: Datatype, input: string, text = input, field?: string | number): Sample {
  return { input, field: field ?? unquote(input), text, json: jsonOf(type, text) }
}

/** Removes the double quotes nft puts around ifname values. */
export function unquote(text: string): string {
  return text.replaceAll('"', '')
}

/**
 * Converts a value as `nft list` prints it to the form of `nft -j list`:
 * prefixes become `{ prefix }`, ranges `{ range }`, and integers numbers.
 */
function jsonOf(type: Datatype, text: string): unknown {
  if (type === 'ifname') {
    return unquote(text)
  }
  const prefix = /^(.+)\/(\d+)$/.exec(text)
  if (prefix) {
    return { prefix: { addr: scalarJson(type, prefix[1]), len: Number(prefix[2]) } }
  }
  const dash = text.indexOf('-')
  if (dash > 0) {
    return { range: [scalarJson(type, text.slice(0, dash)), scalarJson(type, text.slice(dash + 1))] }
  }
  return scalarJson(type, text)
}

function scalarJson(type: Datatype, text: string): unknown {
  switch (type) {
    case 'mark':
    case 'inet_service':
      return Number(text)
    case 'inet_proto':
      // nft prints a protocol by its name when /etc/protocols has one, else as a number.
      return /^\d+$/.test(text) ? Number(text) : text
    default:
      return text
  }
}

const ipv4 = (input: string, text?: string) => sample('ipv4_addr', input, text)
const ipv6 = (input: string, text?: string) => sample('ipv6_addr', input, text)
const ether = (input: string, text?: string) => sample('ether_addr', input, text)
const proto = (input: string, text?: string, field?: number) => sample('inet_proto', input, text, field)
const service = (input: string, text?: string, field?: number) => sample('inet_service', input, text, field)
const mark = (input: string, text: string, field?: number) => sample('mark', input, text, field)
const ifname = (input: string) => sample('ifname', input)

/** Samples of every datatype nftset supports. */
export const SAMPLES: Readonly<Record<Datatype, TypeSamples>> = {
  ipv4_addr: {
    plain: [ipv4('0.0.0.0'), ipv4('10.1.2.3'), ipv4('127.0.0.1'), ipv4('192.0.2.1'), ipv4('255.255.255.255')],
    interval: [
      ipv4('0.0.0.0'),
      ipv4('10.0.0.0/8'),
      ipv4('172.16.0.0-172.31.255.255', '172.16.0.0/12'),
      // Adjacent to the next sample: the end element of this range and the
      // start element of the next have the same key.
      ipv4('192.0.2.5-192.0.2.9'),
      ipv4('192.0.2.10'),
      ipv4('198.51.100.183/24', '198.51.100.0/24'),
      ipv4('255.255.255.255'),
    ],
    whole: ipv4('0.0.0.0/0'),
  },
  ipv6_addr: {
    plain: [
      ipv6('::'),
      ipv6('::1'),
      ipv6('::ffff:192.0.2.1'),
      ipv6('2001:0db8:0000::0002', '2001:db8::2'),
      ipv6('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
    ],
    interval: [
      ipv6('::/8'),
      ipv6('2001:db8::/32'),
      ipv6('2001:db9::1-2001:db9::5'),
      ipv6('fe80::/10'),
      ipv6('ff00::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ff00::/8'),
    ],
    whole: ipv6('::/0'),
  },
  ether_addr: {
    plain: [
      ether('00:00:00:00:00:00'),
      ether('02:00:00:00:00:01'),
      ether('02:00:00:AA:BB:CC', '02:00:00:aa:bb:cc'),
      ether('ff:ff:ff:ff:ff:ff'),
    ],
    interval: [
      ether('00:00:00:00:00:00'),
      ether('02:00:00:00:00:00-02:00:00:00:00:ff'),
      ether('0a:00:00:00:00:00-0a:ff:ff:ff:ff:ff'),
      ether('ff:ff:ff:ff:ff:ff'),
    ],
    whole: ether('00:00:00:00:00:00-ff:ff:ff:ff:ff:ff'),
  },
  inet_proto: {
    plain: [proto('0', 'ip', 0), proto('tcp', 'tcp', 6), proto('17', 'udp', 17), proto('255', '255', 255)],
    interval: [proto('0', 'ip', 0), proto('6-17'), proto('41-50'), proto('200-255')],
    whole: proto('0-255'),
  },
  inet_service: {
    plain: [
      service('0', '0', 0),
      service('ssh', '22', 22),
      service('http', '80', 80),
      service('443', '443', 443),
      service('65535', '65535', 65535),
    ],
    interval: [service('0-1023'), service('1024', '1024', 1024), service('8080-8089'), service('60000-65535')],
    whole: service('0-65535'),
  },
  mark: {
    plain: [
      mark('0', '0x00000000', 0),
      mark('0x10', '0x00000010', 16),
      mark('42', '0x0000002a', 42),
      mark('0xffffffff', '0xffffffff', 0xffffffff),
    ],
    interval: [
      mark('0-0xf', '0x00000000/28'),
      mark('0x10-0x20', '0x00000010-0x00000020'),
      mark('0x200-0x2ff', '0x00000200/24'),
      mark('0xffffffff', '0xffffffff', 0xffffffff),
    ],
    whole: mark('0-0xffffffff', '0x00000000/0'),
  },
  ifname: {
    // 15 bytes is the longest name: the kernel's IFNAMSIZ of 16 counts the NUL.
    plain: [ifname('"eth0"'), ifname('"lo"'), ifname('"eth0.100"'), ifname('"br-lan"'), ifname('"abcdefghijklmno"')],
    interval: [ifname('"abcdefghijklmn*"'), ifname('"br-*"'), ifname('"eth0"'), ifname('"veth*"'), ifname('"z*"')],
  },
}

/** Every datatype, in the order of nft's type ids. */
export const DATATYPES = Object.keys(SAMPLES) as Datatype[]

/** Verdicts of verdict maps. `jump` and `goto` target the regular chain `c`. */
export const VERDICTS: readonly Sample[] = [
  { input: 'accept', field: 'accept', text: 'accept', json: { accept: null } },
  { input: 'drop', field: 'drop', text: 'drop', json: { drop: null } },
  { input: 'jump c', field: 'jump c', text: 'jump c', json: { jump: { target: 'c' } } },
  { input: 'goto c', field: 'goto c', text: 'goto c', json: { goto: { target: 'c' } } },
  { input: 'continue', field: 'continue', text: 'continue', json: { continue: null } },
  { input: 'return', field: 'return', text: 'return', json: { return: null } },
]

/**
 * Joins one sample per field into a concatenated value, spelled as nft
 * writes it: `192.0.2.1 . tcp . 443`.
 */
export function concat(parts: readonly Spelling[]): Spelling {
  if (parts.length === 1) {
    return parts[0]
  }
  return {
    input: parts.map((part) => part.input).join(' . '),
    text: parts.map((part) => part.text).join(' . '),
    json: { concat: parts.map((part) => part.json) },
  }
}

/** Splits a type such as `ipv4_addr . inet_service` into its fields. */
export function fieldsOf(type: string): Datatype[] {
  return type.split(' . ') as Datatype[]
}

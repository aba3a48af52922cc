/**
 * Invalid input across the public API. Every row must be rejected before
 * anything is sent: with a stable `code`, the `path` of the offending field
 * and its `value`, and with the ruleset and its generation unchanged. All
 * rows share one namespace, since none of them may change it.
 */
import test from 'ava'

import { Nftables, NftsetError, Transaction } from 'nftset'

import { TestNetns } from './helpers/netns.js'

/** One invalid call and the error it must raise. */
interface Row {
  /** What is wrong, as the test title shows it. */
  label: string
  /** The call, on a connection inside the namespace. */
  call: (nft: Nftables, ns: TestNetns) => Promise<unknown>
  code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_ELEMENT'
  path: string
  value: unknown
}

const T = { family: 'inet', table: 't' } as const
const set = (name: string) => ({ ...T, set: name })
const ip4 = set('ip4')

/** Adds `elements` to the set `name`. */
const add =
  (name: string, elements: unknown, options?: object) =>
  (nft: Nftables): Promise<unknown> =>
    nft.addElements(set(name), elements as string[], options)

/** Builds a row for one invalid element given to an add, after a valid one in the IPv4 set. */
function element(label: string, name: string, input: unknown, value: unknown = input): Row {
  const elements = name === 'ip4' ? ['192.0.2.200', input] : [input]
  return { label, call: add(name, elements), code: 'ERR_INVALID_ELEMENT', path: `elements[${elements.length - 1}]`, value }
}

/** Builds a row for an element object whose field `field` is invalid. */
function field(label: string, name: string, object: Record<string, unknown>, fieldName: string): Row {
  return {
    label,
    call: add(name, [object]),
    code: 'ERR_INVALID_ELEMENT',
    path: `elements[0].${fieldName}`,
    value: fieldName.split('.').reduce<unknown>((inner, key) => (inner as Record<string, unknown>)[key], object),
  }
}

/** Builds a row for an argument the zod schemas reject. */
function argument(label: string, call: Row['call'], path: string, value: unknown): Row {
  return { label, call, code: 'ERR_INVALID_ARGUMENT', path, value }
}

const spec = { ...T, name: 'new', type: 'ipv4_addr' }
const long = (bytes: number) => 'n'.repeat(bytes)

const rows: Row[] = [
  // Addresses.
  element('IPv4 octet over 255', 'ip4', '192.0.2.300'),
  element('IPv4 address with three octets', 'ip4', '192.0.2'),
  element('IPv4 address with five octets', 'ip4', '192.0.2.1.5'),
  element('empty string', 'ip4', ''),
  element('IPv6 address in an IPv4 set', 'ip4', '2001:db8::1'),
  element('IPv4 address in an IPv6 set', 'ip6', '192.0.2.1'),
  element('IPv6 address with a bad digit', 'ip6', '2001:db8::g'),
  element('IPv6 address with three colons', 'ip6', '2001:db8:::1'),
  element('IPv4 prefix over 32 bits', 'ranges', '10.0.0.0/33'),
  element('IPv6 prefix over 128 bits', 'ip6ranges', '2001:db8::/129'),
  element('prefix in a set without interval', 'ip4', '10.0.0.0/8'),
  element('range in a set without interval', 'ip4', '192.0.2.1-192.0.2.9'),
  element('reversed address range', 'ranges', '192.0.2.20-192.0.2.10'),
  {
    label: 'host bits with strict',
    call: add('ranges', ['198.51.100.183/24'], { strict: true }),
    code: 'ERR_INVALID_ELEMENT',
    path: 'elements[0]',
    value: '198.51.100.183/24',
  },
  // Ports.
  element('port 65536', 'ports', 65536, '65536'),
  element('negative port', 'ports', -1, '-1'),
  element('fractional port', 'ports', 1.5, '1.5'),
  element('NaN port', 'ports', Number.NaN),
  element('unknown service name', 'ports', 'no-such-service'),
  element('reversed port range', 'portranges', '1024-80'),
  // Marks and protocols.
  element('mark over 32 bits', 'marks', '0x1ffffffff'),
  element('mark 2^32 as a number', 'marks', 2 ** 32, '4294967296'),
  element('negative mark', 'marks', -5, '-5'),
  element('mark that is not a number', 'marks', 'abc'),
  element('protocol 256', 'protos', 256, '256'),
  element('unknown protocol name', 'protos', 'no-such-proto'),
  // Interface names.
  element('interface name of 16 bytes', 'ifaces', 'x'.repeat(16)),
  element('interface name of 16 bytes with a wildcard', 'ifaces', `${'x'.repeat(15)}*`),
  // Concatenations.
  element('one field for a two-field key', 'pairs', '192.0.2.1'),
  element('three fields for a two-field key', 'pairs', '192.0.2.1 . 80 . tcp'),
  element('array with one field for a two-field key', 'pairs', ['192.0.2.1'], '192.0.2.1'),
  element('array with three fields for a two-field key', 'pairs', ['192.0.2.1', 80, 6], '192.0.2.1 . 80 . 6'),
  element('array of six fields', 'pairs', ['1', '2', '3', '4', '5', '6']),
  // Maps.
  element('map element without a value', 'markmap', '192.0.2.1'),
  element('verdict where a mark belongs', 'markmap', '192.0.2.1 : accept'),
  element('jump without a chain', 'verdicts', '192.0.2.1 : jump'),
  element('unknown verdict', 'verdicts', '192.0.2.1 : bogus'),
  // Element objects.
  field('negative timeout', 'ip4', { key: '192.0.2.1', timeout: -5 }, 'timeout'),
  field('fractional timeout', 'ip4', { key: '192.0.2.1', timeout: 1.5 }, 'timeout'),
  field('NaN timeout', 'ip4', { key: '192.0.2.1', timeout: Number.NaN }, 'timeout'),
  field('timeout past the kernel limit', 'ip4', { key: '192.0.2.1', timeout: 2 ** 60 }, 'timeout'),
  field('timeout text that is not a duration', 'ip4', { key: '192.0.2.1', timeout: '5x' }, 'timeout'),
  field('negative expiry', 'ip4', { key: '192.0.2.1', timeout: 1000, expires: -1 }, 'expires'),
  field('comment of 129 bytes', 'ip4', { key: '192.0.2.1', comment: 'c'.repeat(129) }, 'comment'),
  field('comment with a NUL byte', 'ip4', { key: '192.0.2.1', comment: 'a\0b' }, 'comment'),
  field('comment with a double quote', 'ip4', { key: '192.0.2.1', comment: 'say "hi"' }, 'comment'),
  field('negative counter', 'ip4', { key: '192.0.2.1', counter: { packets: -1, bytes: 0 } }, 'counter.packets'),
  field('key of the wrong type', 'ip4', { key: { address: '192.0.2.1' } }, 'key'),
  {
    label: 'unknown element field',
    call: add('ip4', [{ key: '192.0.2.1', ttl: 5 }]),
    code: 'ERR_INVALID_ELEMENT',
    path: 'elements[0]',
    value: { key: '192.0.2.1', ttl: 5 },
  },
  { label: 'null element', call: add('ip4', [null]), code: 'ERR_INVALID_ELEMENT', path: 'elements[0]', value: null },
  { label: 'boolean element', call: add('ip4', [true]), code: 'ERR_INVALID_ELEMENT', path: 'elements[0]', value: true },
  // Non-array element sources.
  argument('string instead of an element list', add('ip4', '192.0.2.1'), 'elements', '192.0.2.1'),
  argument('number instead of an element list', add('ip4', 42), 'elements', 42),
  argument('null instead of an element list', add('ip4', null), 'elements', null),
  argument('file name that is not a string', add('ip4', { file: 42 }), 'elements', { file: 42 }),
  argument('string keys for getElements', (nft) => nft.getElements(ip4, '192.0.2.1' as unknown as string[]), 'keys', '192.0.2.1'),
  argument('number for syncElements', (nft) => nft.syncElements(ip4, 5 as unknown as string[]), 'elements', 5),
  argument('null for replaceElements', (nft) => nft.replaceElements(ip4, null as unknown as string[]), 'elements', null),
  // Names.
  argument('table name of 256 bytes', (nft) => nft.createTable({ family: 'inet', name: long(256) }), 'table.name', long(256)),
  argument('table name with a NUL byte', (nft) => nft.createTable({ family: 'inet', name: 'a\0b' }), 'table.name', 'a\0b'),
  argument('set name of 256 bytes', (nft) => nft.createSet({ ...spec, name: long(256) }), 'spec.name', long(256)),
  argument('set name with a NUL byte', (nft) => nft.createSet({ ...spec, name: 's\0' }), 'spec.name', 's\0'),
  argument('chain name of 256 bytes', (nft) => nft.createChain({ ...T, name: long(256) }), 'chain.name', long(256)),
  argument('empty table name in a set', (nft) => nft.addElements({ ...ip4, table: '' }, ['192.0.2.1']), 'set.table', ''),
  argument('set name of 256 bytes in a lookup', (nft) => nft.getElements(set(long(256)), ['192.0.2.1']), 'set.set', long(256)),
  // Families and types.
  argument('unknown family', (nft) => nft.createTable({ family: 'ipv5' as 'ip', name: 'x' }), 'table.family', 'ipv5'),
  argument('family as a number', (nft) => nft.flushSet({ ...ip4, family: 2 as unknown as 'ip' }), 'set.family', 2),
  argument('unknown key type', (nft) => nft.createSet({ ...spec, type: 'ipv4_address' }), 'spec.type', 'ipv4_address'),
  argument(
    'concatenation of six fields',
    (nft) => nft.createSet({ ...spec, type: Array(6).fill('mark').join(' . ') }),
    'spec.type',
    Array(6).fill('mark').join(' . '),
  ),
  argument('unknown map type', (nft) => nft.createSet({ ...spec, map: 'nosuch' }), 'spec.map', 'nosuch'),
  argument('unknown set flag', (nft) => nft.createSet({ ...spec, flags: ['interval', 'bogus' as 'interval'] }), 'spec.flags[1]', 'bogus'),
  // Set options.
  argument('negative set timeout', (nft) => nft.createSet({ ...spec, timeout: -1 }), 'spec.timeout', -1),
  argument('fractional gc interval', (nft) => nft.createSet({ ...spec, gcInterval: 1.5 }), 'spec.gcInterval', 1.5),
  argument('set size 0', (nft) => nft.createSet({ ...spec, size: 0 }), 'spec.size', 0),
  argument('set size 2^32', (nft) => nft.createSet({ ...spec, size: 2 ** 32 }), 'spec.size', 2 ** 32),
  argument('unknown policy', (nft) => nft.createSet({ ...spec, policy: 'fast' as 'memory' }), 'spec.policy', 'fast'),
  argument('set comment of 129 bytes', (nft) => nft.createSet({ ...spec, comment: 'c'.repeat(129) }), 'spec.comment', 'c'.repeat(129)),
  argument('set comment with a double quote', (nft) => nft.createSet({ ...spec, comment: 'a"b' }), 'spec.comment', 'a"b'),
  argument('auto-merge without interval', (nft) => nft.createSet({ ...spec, autoMerge: true }), 'spec.autoMerge', true),
  argument('constant set with a timeout', (nft) => nft.createSet({ ...spec, flags: ['constant'], timeout: 1000 }), 'spec.flags', ['constant']),
  // Wrong types at every argument.
  argument('null table', (nft) => nft.createTable(null as never), 'table', null),
  argument('string exclusive option', (nft) => nft.createTable({ family: 'inet', name: 'x' }, { exclusive: 'yes' as never }), 'options.exclusive', 'yes'),
  argument('numeric ifExists option', (nft) => nft.deleteTable({ family: 'inet', name: 'x' }, { ifExists: 1 as never }), 'options.ifExists', 1),
  argument('string chain', (nft) => nft.createChain('ban' as never), 'chain', 'ban'),
  argument('undefined chain', (nft) => nft.deleteChain(undefined as never), 'chain', undefined),
  argument('number set spec', (nft) => nft.createSet(42 as never), 'spec', 42),
  argument('unknown set spec field', (nft) => nft.createSet({ ...spec, elements: [] } as never), 'spec', { ...spec, elements: [] }),
  argument('string ifExists for deleteSet', (nft) => nft.deleteSet(ip4, { ifExists: 'no' as never }), 'options.ifExists', 'no'),
  argument('array for flushSet', (nft) => nft.flushSet([] as never), 'set', []),
  argument('string strict option', add('ip4', ['192.0.2.1'], { strict: 'yes' }), 'options.strict', 'yes'),
  argument('negative generation', add('ip4', ['192.0.2.1'], { generation: -1 }), 'options.generation', -1),
  argument('fractional generation', add('ip4', ['192.0.2.1'], { generation: 1.5 }), 'options.generation', 1.5),
  argument('unknown ifTooLarge', add('ip4', ['192.0.2.1'], { ifTooLarge: 'maybe' }), 'options.ifTooLarge', 'maybe'),
  argument('string ackEveryMessage', add('ip4', ['192.0.2.1'], { ackEveryMessage: 'yes' }), 'options.ackEveryMessage', 'yes'),
  argument('null set for listElements', (nft) => nft.listElements(null as never), 'set', null),
  argument(
    'chunk size 0 for elements()',
    async (nft) => {
      for await (const item of nft.elements(ip4, { chunkSize: 0 })) void item
    },
    'options.chunkSize',
    0,
  ),
  argument('set without its name', (nft) => nft.getSet({ ...T } as never), 'set.set', undefined),
  argument('unknown family filter', (nft) => nft.listSets({ family: 'x' as 'ip' }), 'family', 'x'),
  argument('table filter without a family', (nft) => nft.listSets({ table: 't' }), 'filter.family', undefined),
  argument('number for countElements', (nft) => nft.countElements(5 as never), 'set', 5),
  argument('string for resetCounters', (nft) => nft.resetCounters('x' as never), 'set', 'x'),
  argument('string for commit', (nft) => nft.commit('tx' as never), 'tx', 'tx'),
  argument('unknown monitor family', (nft) => nft.monitor({ family: 'x' as 'ip' }), 'options.family', 'x'),
  argument('transaction with a bad step', (nft) => nft.transaction((tx) => void tx.flushSet({ ...ip4, set: '' })), 'set.set', ''),
  argument('negative receive buffer', (_nft, ns) => Nftables.open({ netns: ns.path, receiveBuffer: -1 }), 'options.receiveBuffer', -1),
  argument('fractional send buffer', (_nft, ns) => Nftables.open({ netns: ns.path, sendBuffer: 1.5 }), 'options.sendBuffer', 1.5),
  argument('object namespace', () => Nftables.open({ netns: {} as never }), 'options.netns', {}),
  argument('new Transaction with a bad set', async () => new Transaction().addElements(null as never, []), 'set', null),
]

let ns: TestNetns
let nft: Nftables
let ruleset: unknown[]
let generation: number

test.before(async () => {
  ns = await TestNetns.create()
  nft = await ns.open()
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createChain({ ...T, name: 'ban' })
    const sets: Array<[string, string, object?]> = [
      ['ip4', 'ipv4_addr', { flags: ['timeout'], counter: true }],
      ['ip6', 'ipv6_addr'],
      ['ranges', 'ipv4_addr', { flags: ['interval'] }],
      ['ip6ranges', 'ipv6_addr', { flags: ['interval'] }],
      ['ports', 'inet_service'],
      ['portranges', 'inet_service', { flags: ['interval'] }],
      ['marks', 'mark'],
      ['protos', 'inet_proto'],
      ['ifaces', 'ifname'],
      ['pairs', 'ipv4_addr . inet_service'],
      ['markmap', 'ipv4_addr', { map: 'mark' }],
      ['verdicts', 'ipv4_addr', { map: 'verdict' }],
    ]
    for (const [name, type, options] of sets) tx.createSet({ ...T, name, type, ...options })
  })
  ruleset = ns.ruleset()
  generation = await nft.generation()
})

test.after.always(async () => {
  nft?.close()
  await ns?.destroy()
})

test('table has at least 60 rows', (t) => {
  t.true(rows.length >= 60, `${rows.length} rows`)
})

for (const row of rows) {
  test.serial(`rejects ${row.label}`, async (t) => {
    const error = await t.throwsAsync(
      Promise.resolve().then(() => row.call(nft, ns)),
      { instanceOf: NftsetError },
    )
    if (error === undefined) return

    t.is(error.code, row.code, error.message)
    t.is(error.path, row.path, error.message)
    t.deepEqual(error.value, row.value, error.message)
    t.deepEqual(ns.ruleset(), ruleset, 'the ruleset is unchanged')
    t.is(await nft.generation(), generation, 'no batch was committed')
  })
}

import test from 'ava'

import { NftsetError, type Datatype, type ElementInput } from 'nftset'

import { withNetns, type TestNetns } from './helpers/netns.js'

/** One key type, checked in both directions. */
interface TypeCase {
  type: Datatype
  /** Elements nftset writes, in every spelling it takes. */
  written: ElementInput[]
  /** The `elem` array `nft -j list set` shows for them. */
  json: unknown[]
  /** Elements nft writes, in nft's syntax. */
  nftInput: string
  /** What nftset lists for those: `nft list` spelling. */
  listed: string[]
}

const cases: Record<string, TypeCase> = {
  ipv4: {
    type: 'ipv4_addr',
    written: ['0.0.0.0', '255.255.255.255', '192.0.2.1', '10.0.0.1'],
    json: ['0.0.0.0', '10.0.0.1', '192.0.2.1', '255.255.255.255'],
    nftInput: '0.0.0.0, 198.51.100.1, 255.255.255.255',
    listed: ['0.0.0.0', '198.51.100.1', '255.255.255.255'],
  },
  ipv6: {
    type: 'ipv6_addr',
    written: [
      '::',
      '::1',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      '2001:DB8:0:0:0:0:0:2',
      '2001:0db8:0000:0000:0001:0000:0000:0000',
      '::ffff:192.0.2.1',
      'fe80::1:0:0:1',
    ],
    json: [
      '::',
      '::1',
      '::ffff:192.0.2.1',
      '2001:db8::2',
      '2001:db8:0:0:1::',
      'fe80::1:0:0:1',
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ],
    nftInput: '::, 1:0:0:2:0:0:0:3, 2001:db8::1, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    listed: ['1:0:0:2::3', '2001:db8::1', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  },
  ether: {
    type: 'ether_addr',
    written: ['00:00:00:00:00:00', 'FF:FF:FF:FF:FF:FF', '00:00:5E:00:53:01', '02:00:5e:10:00:00'],
    json: ['00:00:00:00:00:00', '00:00:5e:00:53:01', '02:00:5e:10:00:00', 'ff:ff:ff:ff:ff:ff'],
    nftInput: '00:00:00:00:00:00, 00:00:5E:00:53:FF, ff:ff:ff:ff:ff:ff',
    listed: ['00:00:00:00:00:00', '00:00:5e:00:53:ff', 'ff:ff:ff:ff:ff:ff'],
  },
  proto: {
    type: 'inet_proto',
    written: ['tcp', 'udp', 0, 255, 'icmp', 'ipv6-icmp', 132, '47'],
    json: [255, 'gre', 'icmp', 'ip', 'ipv6-icmp', 'sctp', 'tcp', 'udp'],
    nftInput: '0, 6, 17, 41, 255, icmp, sctp',
    listed: ['255', 'icmp', 'ip', 'ipv6', 'sctp', 'tcp', 'udp'],
  },
  service: {
    type: 'inet_service',
    written: [0, 65535, 22, 'ssh', 'https', 8080, '80'],
    json: [0, 22, 443, 65535, 80, 8080],
    nftInput: '0, ssh, https, 8080, 65535',
    listed: ['0', '22', '443', '65535', '8080'],
  },
  mark: {
    type: 'mark',
    written: [0, 0xffffffff, 0x10, '0x00000100', 1, 4294967294, '0xdeadbeef'],
    json: [0, 1, 16, 256, 3735928559, 4294967294, 4294967295],
    nftInput: '0, 0x10, 256, 0xffffffff',
    listed: ['0x00000000', '0x00000010', '0x00000100', '0xffffffff'],
  },
  ifname: {
    type: 'ifname',
    written: ['eth0', 'lo', 'a', 'abcdefghijklmno', 'veth0.10', '"wg-0"'],
    json: ['a', 'abcdefghijklmno', 'eth0', 'lo', 'veth0.10', 'wg-0'],
    nftInput: '"eth0", "wg-0", "abcdefghijklmno"',
    listed: ['abcdefghijklmno', 'eth0', 'wg-0'],
  },
}

/** Sorts mixed strings and numbers by their JSON text, so that order never matters. */
function sorted(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}

/**
 * The elements in `nft list set` text output. nft quotes interface names
 * there; nftset returns them bare, as `nft -j` does, so quotes are removed.
 */
function nftListed(ns: TestNetns, set: string): string[] {
  const text = ns.nft('list', 'set', 'inet', 't', set)
  const match = /elements = \{([^}]*)\}/.exec(text)
  if (match === null) return []
  return match[1]
    .split(',')
    .map((item) => item.trim().replace(/^"(.*)"$/, '$1'))
    .sort()
}

for (const [name, typeCase] of Object.entries(cases)) {
  test(`${name} keys written by nftset`, async (t) => {
    await withNetns(async (ns, nft) => {
      await nft.createTable({ family: 'inet', name: 't' })
      await nft.createSet({ family: 'inet', table: 't', name: 's', type: typeCase.type })

      await nft.addElements({ family: 'inet', table: 't', set: 's' }, typeCase.written)

      t.deepEqual(sorted(ns.elems('inet', 't', 's')), sorted(typeCase.json))
    })
  })

  test(`${name} keys written by nft`, async (t) => {
    await withNetns(async (ns, nft) => {
      ns.nftScript(`table inet t {\n  set s { type ${typeCase.type}; elements = { ${typeCase.nftInput} }; }\n}\n`)

      const listed = await nft.listElements({ family: 'inet', table: 't', set: 's' })

      const keys = listed.map((element) => element.key).sort()
      t.deepEqual(keys, typeCase.listed)
      t.deepEqual(keys, nftListed(ns, 's'), 'same spelling as nft list')
    })
  })
}

test('every protocol number lists as nft names it', async (t) => {
  await withNetns(async (ns, nft) => {
    const numbers = Array.from({ length: 256 }, (_, index) => index)
    ns.nftScript(`table inet t {\n  set p { type inet_proto; elements = { ${numbers.join(', ')} }; }\n}\n`)

    const listed = await nft.listElements({ family: 'inet', table: 't', set: 'p' })

    const keys = listed.map((element) => element.key).sort()
    t.is(keys.length, 256)
    t.deepEqual(keys, nftListed(ns, 'p'))
    t.deepEqual(keys, ns.elems('inet', 't', 'p').map(String).sort())
  })
})

test('named protocols and ports round-trip', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 'c', type: 'inet_proto . inet_service' })

    await nft.addElements({ family: 'inet', table: 't', set: 'c' }, ['tcp . ssh', ['udp', 'domain'], [6, 443]])

    t.deepEqual(sorted(ns.elems('inet', 't', 'c')), sorted([
      { concat: ['tcp', 22] },
      { concat: ['udp', 53] },
      { concat: ['tcp', 443] },
    ]))
    const listed = await nft.listElements({ family: 'inet', table: 't', set: 'c' })
    t.deepEqual(listed.map((element) => element.key).sort(), ['tcp . 22', 'tcp . 443', 'udp . 53'])
  })
})

/** Values just past each type's range, or malformed, that nftset must reject before sending. */
const invalid: Array<[Datatype, ElementInput, RegExp]> = [
  ['ipv4_addr', '256.0.0.1', /0 to 255/],
  ['ipv4_addr', '192.0.2', /4 decimal parts/],
  ['ipv4_addr', '::1', /4 decimal parts/],
  ['ipv6_addr', '1::2::3', /at most one ::/],
  ['ipv6_addr', '2001:db8::g', /hex digits/],
  ['ether_addr', '00:00:5e:00:53', /6 hex octets/],
  ['ether_addr', '00:00:5e:00:53:01:02', /6 hex octets/],
  ['inet_proto', 256, /0 to 255/],
  ['inet_proto', -1, /0 to 255/],
  ['inet_proto', 'no-such-protocol', /\/etc\/protocols/],
  ['inet_service', 65536, /0 to 65535/],
  ['inet_service', '65536', /0 to 65535/],
  ['inet_service', 'no-such-service', /\/etc\/services/],
  ['mark', 0x1_0000_0000, /0 to 0xffffffff/],
  ['mark', '0x100000000', /0 to 0xffffffff/],
  ['mark', -1, /0 to 0xffffffff/],
  ['ifname', 'abcdefghijklmnop', /at most 15 bytes/],
]

/** A valid value of each type, sent before the invalid one. */
const valid: Record<Datatype, ElementInput> = {
  ipv4_addr: '192.0.2.1',
  ipv6_addr: '2001:db8::1',
  ether_addr: '00:00:5e:00:53:01',
  inet_proto: 'tcp',
  inet_service: 22,
  mark: 1,
  ifname: 'eth0',
}

for (const [type, value, reason] of invalid) {
  test(`${type} rejects ${JSON.stringify(value)}`, async (t) => {
    await withNetns(async (ns, nft) => {
      await nft.createTable({ family: 'inet', name: 't' })
      await nft.createSet({ family: 'inet', table: 't', name: 's', type })
      const generation = await nft.generation()

      const error = await t.throwsAsync(nft.addElements({ family: 'inet', table: 't', set: 's' }, [valid[type], value]), {
        instanceOf: NftsetError,
      })

      t.is(error.code, 'ERR_INVALID_ELEMENT')
      t.is(error.elementIndex, 1)
      t.is(error.path, 'elements[1]')
      t.is(error.element, String(value))
      t.regex(error.message, reason)
      t.is(await nft.generation(), generation, 'nothing was sent')
      t.deepEqual(ns.elems('inet', 't', 's'), [])
    })
  })
}

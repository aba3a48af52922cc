/**
 * Maps with concatenated keys and values. Every field of a concatenation
 * is padded to 4 bytes on the wire, so `ipv4_addr . inet_proto .
 * inet_service` is a 12-byte key and the kernel rejects the 7 unpadded
 * bytes. A key stored with one value cannot be added again with another
 * (EEXIST); updateElements replaces the value.
 */
import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { withNetns } from './helpers/netns.js'
import { probeNewElements } from './helpers/raw-netlink.js'
import { assertRejects } from './helpers/rejects.js'

const nat = { family: 'inet', table: 't', set: 'nat' } as const
const vm = { family: 'inet', table: 't', set: 'vm' } as const

async function createMaps(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({
      family: 'inet',
      table: 't',
      name: 'nat',
      type: 'ipv4_addr . inet_proto . inet_service',
      map: 'ipv4_addr . inet_service',
    })
    tx.createSet({ family: 'inet', table: 't', name: 'vm', type: 'ipv4_addr . inet_proto . inet_service', map: 'verdict' })
  })
}

const natEntry = '192.0.2.2 . udp . 53 : 198.51.100.12 . 5353'

const natAfterAdd = {
  json: [[{ concat: ['192.0.2.2', 'udp', 53] }, { concat: ['198.51.100.12', 5353] }]],
  listed: [{ key: '192.0.2.2 . udp . 53', value: '198.51.100.12 . 5353' }],
}

// 192.0.2.2 | udp (17) + 3 bytes padding | port 53 big-endian + 2 bytes padding.
const paddedKey = 'c0000202' + '11000000' + '00350000'
// 198.51.100.12 | port 5353 big-endian + 2 bytes padding.
const paddedData = 'c633640c' + '14e90000'

test('concatenated key and value round-trip', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)

    await nft.addElements(nat, [natEntry])

    await assertContents(t, ns, nft, nat, natAfterAdd)
    t.deepEqual(await nft.getElements(nat, ['192.0.2.2 . udp . 53']), natAfterAdd.listed)
  })
})

test('fields are padded to 4 bytes as nft pads them', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)
    await nft.addElements(nat, [natEntry])

    // The kernel takes an identical key and value as a no-op, a new key as
    // a new element, and another value for the key as EEXIST.
    const same = await probeNewElements(ns.path, {
      table: 't',
      set: 'nat',
      elements: [{ key: paddedKey, data: paddedData }],
    })
    t.is(same, 'OK')
    const otherValue = await probeNewElements(ns.path, {
      table: 't',
      set: 'nat',
      elements: [{ key: paddedKey, data: 'c633640d14e90000' }],
    })
    t.is(otherValue, 'EEXIST')
    await assertContents(t, ns, nft, nat, natAfterAdd)
  })
})

test('unpadded key or value is EINVAL', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)

    const probes = [
      { label: '7-byte key', element: { key: 'c0000202110035', data: paddedData }, expected: 'EINVAL' },
      { label: '6-byte value', element: { key: paddedKey, data: 'c633640c14e9' }, expected: 'EINVAL' },
      { label: 'padded key and value', element: { key: paddedKey, data: paddedData }, expected: 'OK' },
    ]
    for (const { label, element, expected } of probes) {
      t.is(await probeNewElements(ns.path, { table: 't', set: 'nat', elements: [element] }), expected, label)
    }
    await assertContents(t, ns, nft, nat, natAfterAdd)
  })
})

test('other value for a stored key is EEXIST', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)
    await nft.addElements(nat, [natEntry])

    const other = '192.0.2.2 . udp . 53 : 198.51.100.13 . 5353'
    await assertRejects(t, nft.addElements(nat, [other]), {
      code: 'EEXIST',
      errno: 17,
      operation: 'add element',
      set: 'nat',
      elementIndex: 0,
      element: other,
      words: ['another value', 'updateElements', 'Nothing was applied'],
    })
    await assertContents(t, ns, nft, nat, natAfterAdd)
  })
})

test('updateElements replaces a map value', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)
    await nft.addElements(nat, [natEntry])
    const generation = await nft.generation()

    await nft.updateElements(nat, [
      { key: ['192.0.2.2', 'udp', 53], value: ['198.51.100.13', 5353] },
      '192.0.2.3 . tcp . 80 : 198.51.100.14 . 8080',
    ])

    t.is(await nft.generation(), generation + 1, 'one transaction')
    await assertContents(t, ns, nft, nat, {
      json: [
        [{ concat: ['192.0.2.2', 'udp', 53] }, { concat: ['198.51.100.13', 5353] }],
        [{ concat: ['192.0.2.3', 'tcp', 80] }, { concat: ['198.51.100.14', 8080] }],
      ],
      listed: [
        { key: '192.0.2.2 . udp . 53', value: '198.51.100.13 . 5353' },
        { key: '192.0.2.3 . tcp . 80', value: '198.51.100.14 . 8080' },
      ],
    })
  })
})

test('updateElements replaces a verdict', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)
    await nft.addElements(vm, ['192.0.2.2 . tcp . 22 : accept'])

    await assertRejects(t, nft.addElements(vm, ['192.0.2.2 . tcp . 22 : drop']), {
      code: 'EEXIST',
      element: '192.0.2.2 . tcp . 22 : drop',
    })
    await nft.updateElements(vm, ['192.0.2.2 . tcp . 22 : drop'])

    await assertContents(t, ns, nft, vm, {
      json: [[{ concat: ['192.0.2.2', 'tcp', 22] }, { drop: null }]],
      listed: [{ key: '192.0.2.2 . tcp . 22', value: 'drop' }],
    })
  })
})

test('verdict map with concatenated keys', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)

    await nft.addElements(vm, ['192.0.2.2 . tcp . 22 : accept', { key: ['192.0.2.2', 'udp', 53], value: 'drop' }])

    const twoEntries = {
      json: [
        [{ concat: ['192.0.2.2', 'tcp', 22] }, { accept: null }],
        [{ concat: ['192.0.2.2', 'udp', 53] }, { drop: null }],
      ],
      listed: [
        { key: '192.0.2.2 . tcp . 22', value: 'accept' },
        { key: '192.0.2.2 . udp . 53', value: 'drop' },
      ],
    }
    await assertContents(t, ns, nft, vm, twoEntries)

    // tcp is protocol 6, port 80 is 0x0050; NF_DROP is verdict 0.
    const padded = await probeNewElements(ns.path, {
      table: 't',
      set: 'vm',
      elements: [{ key: 'c0000202' + '06000000' + '00500000', verdict: 0 }],
    })
    t.is(padded, 'OK')
    const unpadded = await probeNewElements(ns.path, {
      table: 't',
      set: 'vm',
      elements: [{ key: 'c0000202' + '06' + '0050', verdict: 0 }],
    })
    t.is(unpadded, 'EINVAL')
    await assertContents(t, ns, nft, vm, {
      json: [...twoEntries.json, [{ concat: ['192.0.2.2', 'tcp', 80] }, { drop: null }]],
      listed: [...twoEntries.listed, { key: '192.0.2.2 . tcp . 80', value: 'drop' }],
    })
  })
})

test('wrong field count is rejected before sending', async (t) => {
  await withNetns(async (ns, nft) => {
    await createMaps(nft)
    const generation = await nft.generation()

    await assertRejects(t, nft.addElements(nat, ['192.0.2.2 . udp : 198.51.100.13 . 5353']), {
      code: 'ERR_INVALID_ELEMENT',
      elementIndex: 0,
      element: '192.0.2.2 . udp : 198.51.100.13 . 5353',
      words: ['expected 3 fields', 'got 2'],
    })
    await assertRejects(t, nft.addElements(nat, ['192.0.2.2 . udp . 70000 : 198.51.100.13 . 5353']), {
      code: 'ERR_INVALID_ELEMENT',
      elementIndex: 0,
      words: ['70000', '0 to 65535'],
    })

    t.is(await nft.generation(), generation, 'nothing was sent')
    await assertContents(t, ns, nft, nat, { json: [], listed: [] })
  })
})

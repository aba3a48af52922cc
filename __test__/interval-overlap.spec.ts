/**
 * Overlapping ranges in interval sets. The kernel rejects a range that
 * partly overlaps a stored one with EEXIST and accepts an identical one
 * unless the request is exclusive. Overlaps inside one request are rejected
 * by nftset before sending, naming both elements, unless the set has
 * auto-merge, in which case nftset merges them with the stored ranges.
 */
import test from 'ava'
import type { Nftables, SetSpec } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { withNetns } from './helpers/netns.js'
import { probeNewElements } from './helpers/raw-netlink.js'
import { assertRejects } from './helpers/rejects.js'

const v4 = { family: 'inet', table: 't', set: 'v4' } as const
const v6 = { family: 'inet', table: 't', set: 'v6' } as const
const allow = { family: 'inet', table: 't', set: 'allow' } as const

const autoMergeAllow: SetSpec = {
  family: 'inet',
  table: 't',
  name: 'allow',
  type: 'ipv4_addr',
  flags: ['interval'],
  autoMerge: true,
}

const v4After24 = {
  json: [{ prefix: { addr: '192.0.2.0', len: 24 } }],
  listed: [{ key: '192.0.2.0/24' }],
}

async function createIntervalSets(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 'v4', type: 'ipv4_addr', flags: ['interval'] })
    tx.createSet({ family: 'inet', table: 't', name: 'v6', type: 'ipv6_addr', flags: ['interval'] })
  })
}

test('overlapping prefix added later is EEXIST', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)
    await nft.addElements(v4, ['192.0.2.0/24'])

    // A subset and a superset of the stored /24.
    for (const element of ['192.0.2.128/25', '192.0.0.0/16']) {
      await assertRejects(t, nft.addElements(v4, [element]), {
        code: 'EEXIST',
        errno: 17,
        operation: 'add element',
        operationIndex: 0,
        family: 'inet',
        table: 't',
        set: 'v4',
        elementIndex: 0,
        element,
        words: ['overlaps an existing range', 'Nothing was applied'],
      })
      await assertContents(t, ns, nft, v4, v4After24)
    }
  })
})

test('identical prefix: add is a no-op, create is EEXIST', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)
    await nft.addElements(v4, ['192.0.2.0/24'])

    await t.notThrowsAsync(nft.addElements(v4, ['192.0.2.0/24']))
    await assertContents(t, ns, nft, v4, v4After24)

    await assertRejects(t, nft.createElements(v4, ['192.0.2.0/24']), {
      code: 'EEXIST',
      errno: 17,
      operation: 'create element',
      set: 'v4',
      elementIndex: 0,
      element: '192.0.2.0/24',
      words: ['already exists', 'Nothing was applied'],
    })
    await assertContents(t, ns, nft, v4, v4After24)
  })
})

test('overlapping ipv6 prefix added later is EEXIST', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)
    await nft.addElements(v6, ['2001:db8:11::/48'])

    await assertRejects(t, nft.addElements(v6, ['2001:db8:11::/64']), {
      code: 'EEXIST',
      errno: 17,
      operation: 'add element',
      set: 'v6',
      elementIndex: 0,
      element: '2001:db8:11::/64',
      words: ['overlaps an existing range'],
    })
    await assertContents(t, ns, nft, v6, {
      json: [{ prefix: { addr: '2001:db8:11::', len: 48 } }],
      listed: [{ key: '2001:db8:11::/48' }],
    })
  })
})

test('raw overlapping ranges get the same results', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)
    await nft.addElements(v4, ['192.0.2.0/24'])

    // A range is a start key and an end key one past it, flagged INTERVAL_END.
    const range = (start: string, end: string) => [{ key: start }, { key: end, flags: 1 }]
    const probes = [
      { label: 'subset /25', elements: range('c0000280', 'c0000300'), exclusive: false, expected: 'EEXIST' },
      { label: 'superset /16', elements: range('c0000000', 'c0010000'), exclusive: false, expected: 'EEXIST' },
      { label: 'identical add', elements: range('c0000200', 'c0000300'), exclusive: false, expected: 'OK' },
      { label: 'identical create', elements: range('c0000200', 'c0000300'), exclusive: true, expected: 'EEXIST' },
    ]
    for (const { label, elements, exclusive, expected } of probes) {
      const got = await probeNewElements(ns.path, { table: 't', set: 'v4', elements, exclusive })
      t.is(got, expected, label)
    }
    await assertContents(t, ns, nft, v4, v4After24)
  })
})

test('overlap in one request rolls back the whole transaction', async (t) => {
  await withNetns(async (ns, nft) => {
    const generation = await nft.generation()

    const transaction = nft.transaction((tx) => {
      tx.createTable({ family: 'inet', name: 't' })
      tx.createSet({ family: 'inet', table: 't', name: 'allow', type: 'ipv4_addr', flags: ['interval'] })
      tx.createChain({ family: 'inet', table: 't', name: 'c' })
      tx.addElements(allow, ['192.0.2.0/24', '192.0.2.50'])
    })
    await assertRejects(t, transaction, {
      code: 'ERR_INVALID_ELEMENT',
      operation: 'add element',
      operationIndex: 3,
      set: 'allow',
      path: 'elements[1]',
      elementIndex: 1,
      element: '192.0.2.50',
      conflictIndex: 0,
      conflictElement: '192.0.2.0/24',
      words: ['overlap', '192.0.2.0/24', '192.0.2.50', 'auto-merge'],
    })

    t.is(await nft.generation(), generation, 'nothing was sent')
    const listing = ns.nftResult(['list', 'table', 'inet', 't'])
    t.not(listing.status, 0, 'table t does not exist')
    t.true(listing.stderr.includes('No such file or directory'), listing.stderr)
  })
})

test('overlap names both elements of one request', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)
    const generation = await nft.generation()

    const elements = ['10.0.0.0/8', '192.0.2.1', { key: '192.0.2.0-192.0.2.20' }, '10.1.2.3']
    await assertRejects(t, nft.addElements(v4, elements), {
      code: 'ERR_INVALID_ELEMENT',
      elementIndex: 3,
      element: '10.1.2.3',
      conflictIndex: 0,
      conflictElement: '10.0.0.0/8',
    })

    const objects = [{ key: '192.0.2.0/24' }, { key: '192.0.2.10-192.0.2.20' }]
    await assertRejects(t, nft.addElements(v4, objects), {
      code: 'ERR_INVALID_ELEMENT',
      path: 'elements[1]',
      elementIndex: 1,
      element: '192.0.2.10-192.0.2.20',
      conflictIndex: 0,
      conflictElement: '192.0.2.0/24',
    })

    t.is(await nft.generation(), generation, 'nothing was sent')
    await assertContents(t, ns, nft, v4, { json: [], listed: [] })
  })
})

test('auto-merge set merges overlapping input', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.transaction((tx) => {
      tx.createTable({ family: 'inet', name: 't' })
      tx.createSet(autoMergeAllow)
      tx.addElements(allow, ['192.0.2.0/24', '192.0.2.50', '198.51.100.10-198.51.100.20'])
    })

    await assertContents(t, ns, nft, allow, {
      json: [{ prefix: { addr: '192.0.2.0', len: 24 } }, { range: ['198.51.100.10', '198.51.100.20'] }],
      listed: [{ key: '192.0.2.0/24' }, { key: '198.51.100.10-198.51.100.20' }],
    })
  })
})

test('auto-merge reads stored ranges and merges in one batch', async (t) => {
  await withNetns(async (ns, nft) => {
    // Stored by nft, so that nftset has to read them from the kernel.
    ns.nftScript(`
      table inet t {
        set allow { type ipv4_addr; flags interval; auto-merge; }
      }
      add element inet t allow { 192.0.2.0/24, 198.51.100.10-198.51.100.20 }
    `)
    const generation = await nft.generation()

    const summary = await nft.addElements(allow, ['192.0.3.0/24', '198.51.100.21', '198.51.100.5-198.51.100.12'])

    t.is(summary.messages, 4, 'batch begin, one delete, one add, batch end')
    t.is(await nft.generation(), generation + 1, 'one transaction')
    await assertContents(t, ns, nft, allow, {
      json: [{ prefix: { addr: '192.0.2.0', len: 23 } }, { range: ['198.51.100.5', '198.51.100.21'] }],
      listed: [{ key: '192.0.2.0/23' }, { key: '198.51.100.5-198.51.100.21' }],
    })

    const covered = await nft.addElements(allow, ['192.0.2.7', '198.51.100.6-198.51.100.9'])

    t.is(covered.messages, 2, 'ranges already covered send nothing')
    t.is(await nft.generation(), generation + 1)
  })
})

test('auto-merge merges the adds of one transaction', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.transaction((tx) => {
      tx.createTable({ family: 'inet', name: 't' })
      tx.createSet(autoMergeAllow)
      tx.addElements(allow, ['192.0.2.0/24'])
      tx.addElements(allow, ['192.0.2.50', '192.0.3.0/24'])
    })

    await assertContents(t, ns, nft, allow, {
      json: [{ prefix: { addr: '192.0.2.0', len: 23 } }],
      listed: [{ key: '192.0.2.0/23' }],
    })

    // The set exists now, so its ranges are read from the kernel once.
    await nft.transaction((tx) => {
      tx.addElements(allow, ['198.51.100.0/25'])
      tx.addElements(allow, ['198.51.100.128/25', '198.51.100.7'])
      tx.addElements(allow, ['203.0.113.0/24'])
      tx.deleteElements(allow, ['203.0.113.0/24'])
      tx.addElements(allow, ['203.0.113.10'])
    })

    await assertContents(t, ns, nft, allow, {
      json: [
        { prefix: { addr: '192.0.2.0', len: 23 } },
        { prefix: { addr: '198.51.100.0', len: 24 } },
        '203.0.113.10',
      ],
      listed: [{ key: '192.0.2.0/23' }, { key: '198.51.100.0/24' }, { key: '203.0.113.10' }],
    })
  })
})

test('auto-merge after delete or flush in one transaction', async (t) => {
  await withNetns(async (ns, nft) => {
    ns.nftScript(`
      table inet t {
        set allow { type ipv4_addr; flags interval; auto-merge; }
      }
      add element inet t allow { 192.0.2.0/24, 198.51.100.0/24 }
    `)

    await nft.transaction((tx) => {
      tx.deleteElements(allow, ['192.0.2.0/24'])
      tx.addElements(allow, ['192.0.2.7'])
    })

    await assertContents(t, ns, nft, allow, {
      json: ['192.0.2.7', { prefix: { addr: '198.51.100.0', len: 24 } }],
      listed: [{ key: '192.0.2.7' }, { key: '198.51.100.0/24' }],
    })

    await nft.transaction((tx) => {
      tx.flushSet(allow)
      tx.addElements(allow, ['198.51.100.5'])
    })

    await assertContents(t, ns, nft, allow, { json: ['198.51.100.5'], listed: [{ key: '198.51.100.5' }] })
  })
})

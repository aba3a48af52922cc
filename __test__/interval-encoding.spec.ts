/**
 * How single addresses and open ranges go out to a single-field interval
 * set. The kernel stores a range [a, b] as a start element with key a and
 * an end element with key b+1, flagged INTERVAL_END. A start without an
 * end runs to the maximum key, so a single address must be sent as
 * [a, a+1), never as a start key alone.
 */
import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { sendUdpOverLoopback } from './helpers/datapath.js'
import { withNetns } from './helpers/netns.js'
import { probeNewElements } from './helpers/raw-netlink.js'
import { assertRejects } from './helpers/rejects.js'

const i = { family: 'inet', table: 't', set: 'i' } as const
const raw = { family: 'inet', table: 't', set: 'raw' } as const

async function createIntervalSets(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 'i', type: 'ipv4_addr', flags: ['interval'] })
    tx.createSet({ family: 'inet', table: 't', name: 'raw', type: 'ipv4_addr', flags: ['interval'] })
  })
}

test('single address is sent as a start and an end', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)

    const summary = await nft.addElements(i, ['198.51.100.10'])

    t.is(summary.wireElements, 2)
    await assertContents(t, ns, nft, i, { json: ['198.51.100.10'], listed: [{ key: '198.51.100.10' }] })
    await assertRejects(t, nft.getElements(i, ['198.51.100.11']), {
      code: 'ENOENT',
      elementIndex: 0,
      element: '198.51.100.11',
      words: ['not found'],
    })
    const lookup = ns.nftResult(['get', 'element', 'inet', 't', 'i', '{ 198.51.100.11 }'])
    t.not(lookup.status, 0)
    t.true(lookup.stderr.includes('No such file or directory'), lookup.stderr)
  })
})

test('start without an end matches every key above it', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)

    const result = await probeNewElements(ns.path, { table: 't', set: 'raw', elements: [{ key: 'c633640a' }] })

    t.is(result, 'OK')
    const open = {
      json: [{ range: ['198.51.100.10', '255.255.255.255'] }],
      listed: [{ key: '198.51.100.10-255.255.255.255' }],
    }
    await assertContents(t, ns, nft, raw, open)
    t.deepEqual(await nft.getElements(raw, ['203.0.113.200']), [{ key: '198.51.100.10-255.255.255.255' }])
    const lookup = ns.nft('get', 'element', 'inet', 't', 'raw', '{ 203.0.113.200 }')
    t.true(lookup.includes('198.51.100.10-255.255.255.255'), lookup)

    // The rule is nft's part: nftset manages sets, not rules.
    ns.nftScript(`
      add chain inet t out { type filter hook output priority 0; }
      add rule inet t out ip daddr @raw counter
    `)
    sendUdpOverLoopback(ns, '203.0.113.0/24', '203.0.113.1')
    const chain = ns.nft('list', 'chain', 'inet', 't', 'out')
    t.true(chain.includes('packets 1 '), chain)
  })
})

test('open range is written as a start alone', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)

    const summary = await nft.addElements(i, ['198.51.100.10-255.255.255.255'])

    t.is(summary.wireElements, 1)
    await assertContents(t, ns, nft, i, {
      json: [{ range: ['198.51.100.10', '255.255.255.255'] }],
      listed: [{ key: '198.51.100.10-255.255.255.255' }],
    })
  })
})

test('adjacent single addresses stay separate', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)

    await nft.addElements(i, ['198.51.100.32', '198.51.100.33'])
    await nft.addElements(i, ['198.51.100.34'])

    await assertContents(t, ns, nft, i, {
      json: ['198.51.100.32', '198.51.100.33', '198.51.100.34'],
      listed: [{ key: '198.51.100.32' }, { key: '198.51.100.33' }, { key: '198.51.100.34' }],
    })

    await nft.deleteElements(i, ['198.51.100.33'])

    await assertContents(t, ns, nft, i, {
      json: ['198.51.100.32', '198.51.100.34'],
      listed: [{ key: '198.51.100.32' }, { key: '198.51.100.34' }],
    })
  })
})

test('raw end and start with the same key coexist', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSets(nft)

    // nft's leading end at 0.0.0.0, then [.32, .33) and [.33, .34).
    const elements = [
      { key: '00000000', flags: 1 },
      { key: 'c6336420' },
      { key: 'c6336421', flags: 1 },
      { key: 'c6336421' },
      { key: 'c6336422', flags: 1 },
    ]
    const result = await probeNewElements(ns.path, { table: 't', set: 'raw', elements })

    t.is(result, 'OK')
    await assertContents(t, ns, nft, raw, {
      json: ['198.51.100.32', '198.51.100.33'],
      listed: [{ key: '198.51.100.32' }, { key: '198.51.100.33' }],
    })
  })
})

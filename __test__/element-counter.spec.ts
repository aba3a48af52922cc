/**
 * Per-element counters. Only a set declared with `counter` has them, and
 * nftset rejects counter values for any other set before sending, as nft
 * does. Initial values are stored as given, and adding an element again
 * neither resets nor overwrites its counter.
 */
import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { sendUdpOverLoopback } from './helpers/datapath.js'
import { withNetns } from './helpers/netns.js'
import { assertRejects } from './helpers/rejects.js'

const plain = { family: 'inet', table: 't', set: 'plain' } as const
const cnt = { family: 'inet', table: 't', set: 'cnt' } as const

async function createSets(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 'plain', type: 'ipv4_addr' })
    tx.createSet({ family: 'inet', table: 't', name: 'cnt', type: 'ipv4_addr', flags: ['interval'], counter: true })
  })
}

const initialCounters = {
  json: [
    { elem: { val: { prefix: { addr: '192.0.2.0', len: 24 } }, counter: { packets: 0, bytes: 0 } } },
    { elem: { val: '198.51.100.2', counter: { packets: 5, bytes: 300 } } },
  ],
  listed: [
    { key: '192.0.2.0/24', counter: { packets: 0, bytes: 0 } },
    { key: '198.51.100.2', counter: { packets: 5, bytes: 300 } },
  ],
}

test('counter on a set without counters is rejected', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)
    const generation = await nft.generation()

    await assertRejects(t, nft.addElements(plain, ['192.0.2.1 counter']), {
      code: 'ERR_INVALID_ELEMENT',
      operation: 'add element',
      set: 'plain',
      path: 'elements[0]',
      elementIndex: 0,
      element: '192.0.2.1 counter',
      words: ['has no counters', 'counter'],
    })
    await assertRejects(t, nft.addElements(plain, [{ key: '192.0.2.1', counter: { packets: 1, bytes: 2 } }]), {
      code: 'ERR_INVALID_ELEMENT',
      elementIndex: 0,
      element: '192.0.2.1 counter packets 1 bytes 2',
      words: ['has no counters'],
    })

    t.is(await nft.generation(), generation, 'nothing was sent')
    await assertContents(t, ns, nft, plain, { json: [], listed: [] })
  })
})

test('initial counter values are stored', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)

    await nft.addElements(cnt, ['192.0.2.0/24', '198.51.100.2 counter packets 5 bytes 300'])

    await assertContents(t, ns, nft, cnt, initialCounters)
  })
})

test('adding again keeps the counter', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)
    await nft.addElements(cnt, ['192.0.2.0/24', '198.51.100.2 counter packets 5 bytes 300'])

    await nft.addElements(cnt, ['198.51.100.2 counter packets 0 bytes 0'])
    await nft.addElements(cnt, [{ key: '198.51.100.2', counter: { packets: 9, bytes: 900 } }])

    await assertContents(t, ns, nft, cnt, initialCounters)
  })
})

test('element counter counts a packet', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)
    await nft.addElements(cnt, ['192.0.2.0/24', '198.51.100.2 counter packets 5 bytes 300'])

    // The rule is nft's part: nftset manages sets, not rules.
    ns.nftScript(`
      add chain inet t out { type filter hook output priority 0; }
      add rule inet t out ip daddr @cnt
    `)
    sendUdpOverLoopback(ns, '192.0.2.0/24', '192.0.2.9')

    const listing = ns.nft('list', 'set', 'inet', 't', 'cnt')
    t.true(listing.includes('192.0.2.0/24 counter packets 1 '), listing)
    const counted = { packets: 1, bytes: 29 }
    await assertContents(t, ns, nft, cnt, {
      json: [
        { elem: { val: { prefix: { addr: '192.0.2.0', len: 24 } }, counter: counted } },
        initialCounters.json[1],
      ],
      listed: [{ key: '192.0.2.0/24', counter: counted }, initialCounters.listed[1]],
    })
    t.deepEqual(await nft.getElements(cnt, ['192.0.2.9']), [{ key: '192.0.2.0/24', counter: counted }])
  })
})

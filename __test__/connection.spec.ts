import test from 'ava'

import { withNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 'filter', set: 'blocklist' } as const

test('first example round-trips through nft', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 'filter' })
    await nft.createSet({ family: 'inet', table: 'filter', name: 'blocklist', type: 'ipv4_addr' })
    await nft.addElements(ref, ['192.0.2.1', '192.0.2.7'])
    t.deepEqual(ns.elems('inet', 'filter', 'blocklist').sort(), ['192.0.2.1', '192.0.2.7'])
    const listed = await nft.listElements(ref)
    t.deepEqual(listed.map((e) => e.key).sort(), ['192.0.2.1', '192.0.2.7'])
  })
})

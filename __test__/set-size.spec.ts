/**
 * Sets with a size limit. The kernel returns ENFILE for the first element
 * past the limit and rolls back the whole batch. nftset's message says
 * that the set is full, and the error names the element.
 */
import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { withNetns } from './helpers/netns.js'
import { assertRejects } from './helpers/rejects.js'

const small = { family: 'inet', table: 't', set: 'small' } as const
const ranges = { family: 'inet', table: 't', set: 'ranges' } as const

async function createSets(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 'small', type: 'ipv4_addr', size: 2 })
    tx.createSet({ family: 'inet', table: 't', name: 'ranges', type: 'ipv4_addr', flags: ['interval'], size: 2 })
  })
}

test('full set rejects the batch with ENFILE', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)
    await nft.addElements(small, ['192.0.2.1', '192.0.2.2'])
    const full = { json: ['192.0.2.1', '192.0.2.2'], listed: [{ key: '192.0.2.1' }, { key: '192.0.2.2' }] }

    await assertRejects(t, nft.addElements(small, ['192.0.2.3']), {
      code: 'ENFILE',
      errno: 23,
      operation: 'add element',
      set: 'small',
      elementIndex: 0,
      element: '192.0.2.3',
      words: ['inet t small is full', 'size limit of 2 elements', 'Nothing was applied'],
    })
    // An element that is already stored does not count again.
    await assertRejects(t, nft.addElements(small, ['192.0.2.2', '192.0.2.4', '192.0.2.5']), {
      code: 'ENFILE',
      elementIndex: 1,
      element: '192.0.2.4',
      words: ['is full'],
    })

    await assertContents(t, ns, nft, small, full)
  })
})

test('full interval set names the range past the limit', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)

    await assertRejects(t, nft.addElements(ranges, ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']), {
      code: 'ENFILE',
      errno: 23,
      set: 'ranges',
      elementIndex: 2,
      element: '203.0.113.0/24',
      words: ['is full', 'size limit of 2 elements'],
    })

    await assertContents(t, ns, nft, ranges, { json: [], listed: [] })
  })
})

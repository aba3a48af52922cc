/**
 * How ranges are read back and looked up. The kernel keeps only start and
 * end keys, so a range that is exactly a prefix lists as that prefix, and
 * a prefix written with host bits set is stored with them masked, as nft
 * does it. A commit with `strict` rejects such a prefix instead.
 */
import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { withNetns } from './helpers/netns.js'
import { assertRejects } from './helpers/rejects.js'

const i = { family: 'inet', table: 't', set: 'i' } as const

async function createIntervalSet(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 'i', type: 'ipv4_addr', flags: ['interval'] })
  })
}

/** Adds the three ranges of the first steps, one transaction each. */
async function addThreeRanges(nft: Nftables): Promise<void> {
  await nft.addElements(i, ['192.0.2.0-192.0.2.255'])
  await nft.addElements(i, ['203.0.113.10-203.0.113.20'])
  await nft.addElements(i, ['198.51.100.183/24'])
}

const onlyUnalignedRange = {
  json: [{ range: ['203.0.113.10', '203.0.113.20'] }],
  listed: [{ key: '203.0.113.10-203.0.113.20' }],
}

test('aligned ranges list as prefixes with host bits masked', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSet(nft)
    await addThreeRanges(nft)

    await assertContents(t, ns, nft, i, {
      json: [
        { prefix: { addr: '192.0.2.0', len: 24 } },
        { range: ['203.0.113.10', '203.0.113.20'] },
        { prefix: { addr: '198.51.100.0', len: 24 } },
      ],
      listed: [{ key: '192.0.2.0/24' }, { key: '203.0.113.10-203.0.113.20' }, { key: '198.51.100.0/24' }],
    })
    const keys = (await nft.listElements(i)).map((element) => element.key)
    t.deepEqual(keys, ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.10-203.0.113.20'], 'ascending order')
  })
})

test('delete accepts the range and the host-bits form', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSet(nft)
    await addThreeRanges(nft)

    await nft.deleteElements(i, ['192.0.2.0-192.0.2.255'])
    await nft.deleteElements(i, ['198.51.100.183/24'])

    await assertContents(t, ns, nft, i, onlyUnalignedRange)
  })
})

test('masked prefix overlapping a range is EEXIST', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSet(nft)
    await nft.addElements(i, ['203.0.113.10-203.0.113.20'])

    await assertRejects(t, nft.addElements(i, ['203.0.113.183/24']), {
      code: 'EEXIST',
      errno: 17,
      operation: 'add element',
      set: 'i',
      elementIndex: 0,
      element: '203.0.113.183/24',
      words: ['overlaps an existing range', 'Nothing was applied'],
    })
    await assertContents(t, ns, nft, i, onlyUnalignedRange)
  })
})

test('strict commit rejects host bits before sending', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSet(nft)
    const generation = await nft.generation()

    await assertRejects(t, nft.addElements(i, ['198.51.100.183/24'], { strict: true }), {
      code: 'ERR_INVALID_ELEMENT',
      path: 'elements[0]',
      elementIndex: 0,
      element: '198.51.100.183/24',
      words: ['host bits', '198.51.100.0/24'],
    })

    t.is(await nft.generation(), generation, 'nothing was sent')
    await assertContents(t, ns, nft, i, { json: [], listed: [] })
  })
})

test('prefix string and prefix object add the same range', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSet(nft)
    await nft.addElements(i, ['203.0.113.10-203.0.113.20'])

    await nft.addElements(i, ['192.0.2.0/24'])
    await nft.addElements(i, [{ key: '192.0.2.0/24' }])

    await assertContents(t, ns, nft, i, {
      json: [{ prefix: { addr: '192.0.2.0', len: 24 } }, { range: ['203.0.113.10', '203.0.113.20'] }],
      listed: [{ key: '192.0.2.0/24' }, { key: '203.0.113.10-203.0.113.20' }],
    })
  })
})

test('lookup returns the containing range', async (t) => {
  await withNetns(async (ns, nft) => {
    await createIntervalSet(nft)
    await addThreeRanges(nft)

    const found = await nft.getElements(i, ['192.0.2.77', '203.0.113.15', '198.51.100.0', '203.0.113.20'])

    t.deepEqual(found, [
      { key: '192.0.2.0/24' },
      { key: '203.0.113.10-203.0.113.20' },
      { key: '198.51.100.0/24' },
      { key: '203.0.113.10-203.0.113.20' },
    ])
    const nftLookup = ns.nft('get', 'element', 'inet', 't', 'i', '{ 192.0.2.77 }')
    t.true(nftLookup.includes('192.0.2.0/24'), nftLookup)

    await assertRejects(t, nft.getElements(i, ['192.0.2.77', '203.0.113.21']), {
      code: 'ENOENT',
      operation: 'get element',
      elementIndex: 1,
      element: '203.0.113.21',
      words: ['not found'],
    })
  })
})

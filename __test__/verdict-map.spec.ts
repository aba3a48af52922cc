/**
 * Verdict maps. A jump or goto must target an existing regular chain: the
 * kernel returns EOPNOTSUPP for a base chain and ENOENT for a missing one,
 * and a chain that a map element refers to cannot be deleted (EBUSY).
 */
import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import type { TestNetns } from './helpers/netns.js'
import { withNetns } from './helpers/netns.js'
import { probeNewElements } from './helpers/raw-netlink.js'
import { assertRejects } from './helpers/rejects.js'

const vm = { family: 'inet', table: 't', set: 'vm' } as const
const reg = { family: 'inet', table: 't', name: 'reg' } as const

/**
 * Creates table t with base chain `base`, regular chain `reg` and the
 * verdict map `vm`. Base chains are out of nftset's scope, so nft creates
 * the table and that chain.
 */
async function setup(ns: TestNetns, nft: Nftables): Promise<void> {
  ns.nftScript(`
    table inet t {
      chain base { type filter hook input priority 0; }
    }
  `)
  await nft.transaction((tx) => {
    tx.createChain(reg)
    tx.createSet({ family: 'inet', table: 't', name: 'vm', type: 'ipv4_addr', map: 'verdict' })
  })
}

const allVerdicts = [
  '192.0.2.1 : jump reg',
  '192.0.2.2 : goto reg',
  '192.0.2.3 : accept',
  '192.0.2.4 : drop',
  '192.0.2.5 : return',
  '192.0.2.6 : continue',
]

const unpinned = {
  json: [
    ['192.0.2.3', { accept: null }],
    ['192.0.2.4', { drop: null }],
    ['192.0.2.5', { return: null }],
    ['192.0.2.6', { continue: null }],
  ],
  listed: [
    { key: '192.0.2.3', value: 'accept' },
    { key: '192.0.2.4', value: 'drop' },
    { key: '192.0.2.5', value: 'return' },
    { key: '192.0.2.6', value: 'continue' },
  ],
}

test('jump to a base chain is EOPNOTSUPP', async (t) => {
  await withNetns(async (ns, nft) => {
    await setup(ns, nft)

    await assertRejects(t, nft.addElements(vm, ['192.0.2.1 : jump base']), {
      code: 'EOPNOTSUPP',
      errno: 95,
      operation: 'add element',
      set: 'vm',
      elementIndex: 0,
      element: '192.0.2.1 : jump base',
      words: ['regular chain', 'base chain', 'Nothing was applied'],
    })
    await assertContents(t, ns, nft, vm, { json: [], listed: [] })
  })
})

test('jump to a missing chain is ENOENT', async (t) => {
  await withNetns(async (ns, nft) => {
    await setup(ns, nft)

    await assertRejects(t, nft.addElements(vm, ['192.0.2.1 : jump nosuch']), {
      code: 'ENOENT',
      errno: 2,
      operation: 'add element',
      set: 'vm',
      elementIndex: 0,
      element: '192.0.2.1 : jump nosuch',
      words: ['chain that does not exist', 'Nothing was applied'],
    })
    await assertContents(t, ns, nft, vm, { json: [], listed: [] })
  })
})

test('every verdict kind round-trips', async (t) => {
  await withNetns(async (ns, nft) => {
    await setup(ns, nft)

    await nft.addElements(vm, allVerdicts)

    await assertContents(t, ns, nft, vm, {
      json: [
        ['192.0.2.1', { jump: { target: 'reg' } }],
        ['192.0.2.2', { goto: { target: 'reg' } }],
        ...unpinned.json,
      ],
      listed: [
        { key: '192.0.2.1', value: 'jump reg' },
        { key: '192.0.2.2', value: 'goto reg' },
        ...unpinned.listed,
      ],
    })
  })
})

test('chain a map refers to cannot be deleted', async (t) => {
  await withNetns(async (ns, nft) => {
    await setup(ns, nft)
    await nft.addElements(vm, allVerdicts)

    await assertRejects(t, nft.deleteChain(reg), {
      code: 'EBUSY',
      errno: 16,
      operation: 'delete chain',
      table: 't',
      words: ['reg', 'in use', 'Nothing was applied'],
    })
    t.true(ns.nft('list', 'table', 'inet', 't').includes('chain reg'), 'chain reg still exists')

    await nft.transaction((tx) => {
      tx.deleteElements(vm, ['192.0.2.1', '192.0.2.2'])
      tx.deleteChain(reg)
    })

    t.false(ns.nft('list', 'table', 'inet', 't').includes('chain reg'), 'chain reg is gone')
    await assertContents(t, ns, nft, vm, unpinned)
  })
})

test('jump to a chain created in the same transaction', async (t) => {
  await withNetns(async (ns, nft) => {
    await setup(ns, nft)

    await nft.transaction((tx) => {
      tx.createChain({ family: 'inet', table: 't', name: 'later' })
      tx.addElements(vm, [{ key: '192.0.2.10', value: 'goto later' }, '192.0.2.11 : jump later'])
    })

    await assertContents(t, ns, nft, vm, {
      json: [
        ['192.0.2.10', { goto: { target: 'later' } }],
        ['192.0.2.11', { jump: { target: 'later' } }],
      ],
      listed: [
        { key: '192.0.2.10', value: 'goto later' },
        { key: '192.0.2.11', value: 'jump later' },
      ],
    })
  })
})

test('invalid verdict is rejected before sending', async (t) => {
  await withNetns(async (ns, nft) => {
    await setup(ns, nft)
    const generation = await nft.generation()

    await assertRejects(t, nft.addElements(vm, ['192.0.2.1 : accept', '192.0.2.2 : reject']), {
      code: 'ERR_INVALID_ELEMENT',
      path: 'elements[1]',
      elementIndex: 1,
      element: '192.0.2.2 : reject',
      words: ['invalid verdict', 'jump CHAIN'],
    })
    await assertRejects(t, nft.addElements(vm, ['192.0.2.1']), {
      code: 'ERR_INVALID_ELEMENT',
      elementIndex: 0,
      element: '192.0.2.1',
      words: ['needs a value'],
    })

    t.is(await nft.generation(), generation, 'nothing was sent')
  })
})

test('raw verdicts get the same results', async (t) => {
  await withNetns(async (ns, nft) => {
    await setup(ns, nft)

    // Verdict codes: NF_DROP is 0, NFT_JUMP is -3.
    const probes = [
      { label: 'drop', element: { key: 'c0000207', verdict: 0 }, expected: 'OK' },
      { label: 'jump to a missing chain', element: { key: 'c0000208', verdict: -3, chain: 'nosuch' }, expected: 'ENOENT' },
      { label: 'jump to a base chain', element: { key: 'c0000208', verdict: -3, chain: 'base' }, expected: 'EOPNOTSUPP' },
    ]
    for (const { label, element, expected } of probes) {
      t.is(await probeNewElements(ns.path, { table: 't', set: 'vm', elements: [element] }), expected, label)
    }
    await assertContents(t, ns, nft, vm, {
      json: [['192.0.2.7', { drop: null }]],
      listed: [{ key: '192.0.2.7', value: 'drop' }],
    })
  })
})

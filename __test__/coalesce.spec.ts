import test from 'ava'

import { Nftables, NftsetError } from 'nftset'

import { TestNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

async function withCoalescing(body: (ns: TestNetns, nft: Nftables) => Promise<void>): Promise<void> {
  const ns = await TestNetns.create()
  const nft = await Nftables.open({ netns: ns.path, coalesce: true })
  try {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await body(ns, nft)
  } finally {
    nft.close()
    await ns.destroy()
  }
}

test('concurrent adds commit together', async (t) => {
  await withCoalescing(async (ns, nft) => {
    const before = await nft.generation()
    const addresses = Array.from({ length: 500 }, (_, index) => `10.0.${index >> 8}.${index & 0xff}`)
    const summaries = await Promise.all(addresses.map((address) => nft.addElements(ref, [address])))
    t.is(summaries.length, 500)
    t.is((await nft.generation()) - before, 1, 'one kernel transaction for all calls')
    t.is(ns.elems('inet', 't', 's').length, 500)
  })
})

test('failing call fails alone', async (t) => {
  await withCoalescing(async (ns, nft) => {
    await nft.addElements(ref, ['192.0.2.1'])
    const results = await Promise.allSettled([
      nft.addElements(ref, ['10.0.0.1', '10.0.0.2']),
      nft.deleteElements(ref, ['192.0.2.1', '192.0.2.99']),
      nft.addElements(ref, ['10.0.0.3']),
      nft.createElements(ref, ['192.0.2.1']),
      nft.addElements(ref, ['10.0.0.4']),
    ])
    t.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
    )
    const deleteError = (results[1] as PromiseRejectedResult).reason as NftsetError
    t.true(deleteError instanceof NftsetError)
    t.is(deleteError.code, 'ENOENT')
    t.is(deleteError.elementIndex, 1)
    t.is(deleteError.element, '192.0.2.99')
    t.is(deleteError.operationIndex, 0)
    const createError = (results[3] as PromiseRejectedResult).reason as NftsetError
    t.is(createError.code, 'EEXIST')
    t.is(createError.elementIndex, 0)
    t.is(createError.element, '192.0.2.1')
    t.deepEqual(
      (ns.elems('inet', 't', 's') as string[]).sort(),
      ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '192.0.2.1'],
    )
  })
})

test('invalid element rejects its call only', async (t) => {
  await withCoalescing(async (ns, nft) => {
    const results = await Promise.allSettled([
      nft.addElements(ref, ['10.0.0.1']),
      nft.addElements(ref, ['10.0.0.300']),
      nft.addElements(ref, ['10.0.0.2']),
    ])
    t.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    const error = (results[1] as PromiseRejectedResult).reason as NftsetError
    t.is(error.code, 'ERR_INVALID_ELEMENT')
    t.is(error.elementIndex, 0)
    t.is(error.element, '10.0.0.300')
    t.deepEqual((ns.elems('inet', 't', 's') as string[]).sort(), ['10.0.0.1', '10.0.0.2'])
  })
})

test('overlapping ranges fail as without coalescing', async (t) => {
  const ns = await TestNetns.create()
  const nft = await Nftables.open({ netns: ns.path, coalesce: true })
  try {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr', flags: ['interval'] })
    const results = await Promise.allSettled([
      nft.addElements(ref, ['10.0.0.0/24']),
      nft.addElements(ref, ['10.0.0.5']),
      nft.addElements(ref, ['10.0.1.1']),
    ])
    t.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    )
    const error = (results[1] as PromiseRejectedResult).reason as NftsetError
    t.is(error.code, 'EEXIST')
    t.is(error.operationIndex, 0)
    t.is(error.elementIndex, 0)
    t.is(error.element, '10.0.0.5')
    t.regex(error.message, /overlaps an existing range of set inet t s, 10\.0\.0\.0\/24/)
    t.deepEqual(ns.elems('inet', 't', 's'), [{ prefix: { addr: '10.0.0.0', len: 24 } }, '10.0.1.1'])
  } finally {
    nft.close()
    await ns.destroy()
  }
})

test('listing sees adds made before it', async (t) => {
  await withCoalescing(async (_ns, nft) => {
    const first = nft.addElements(ref, ['10.0.0.1'])
    const listed = nft.listElements(ref)
    const second = nft.addElements(ref, ['10.0.0.2'])
    const generation = nft.generation()
    await Promise.all([first, second])
    const keys = (await listed).map((element) => element.key).sort()
    t.true(keys.includes('10.0.0.1'), 'the add made before the listing is listed')
    t.true(keys.length <= 2)
    t.is(await generation, (await nft.generation()), 'a read after the second add sees it committed')
  })
})

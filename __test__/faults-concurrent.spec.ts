/**
 * Other processes changing the ruleset under nftset: a set deleted between
 * two calls or during a listing, writes during a listing, and optimistic
 * concurrency with the `generation` commit option. The other process is
 * nft, run inside the test's namespace.
 */
import test from 'ava'

import { NftsetError, type ElementInfo, type Nftables } from 'nftset'

import { withNetns, type TestNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

/** Addresses 10.x.y.z, one per index. */
function address(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
}

/** Creates table t and set s with `count` addresses, several dump datagrams' worth. */
async function bigSet(nft: Nftables, count: number): Promise<void> {
  await nft.createTable({ family: 'inet', name: 't' })
  await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
  await nft.addElements(
    ref,
    Array.from({ length: count }, (_, index) => address(index)),
  )
}

/**
 * Makes the first listing of `nft` run `write` after its first chunk, as
 * a writer in another process would at that moment. Later listings run
 * untouched.
 */
function writeDuringFirstListing(nft: Nftables, write: () => void): void {
  const chunks = nft.chunks.bind(nft)
  let listings = 0
  nft.chunks = async function* (set, options) {
    const first = listings++ === 0
    let yielded = 0
    for await (const chunk of chunks(set, options)) {
      yield chunk
      if (first && ++yielded === 1) write()
    }
  }
}

/** Adds one element to a set of another table, which moves the ruleset generation on. */
function writeElsewhere(ns: TestNetns): void {
  ns.nft('add', 'table', 'inet', 'other')
  ns.nft('add', 'set', 'inet', 'other', 'x', '{ type ipv4_addr; }')
  ns.nft('add', 'element', 'inet', 'other', 'x', '{ 192.0.2.1 }')
}

test('set deleted between two calls is ENOENT', async (t) => {
  await withNetns(async (ns, nft) => {
    await bigSet(nft, 10)
    ns.nft('delete', 'set', 'inet', 't', 's')

    for (const call of [
      () => nft.addElements(ref, ['192.0.2.1']),
      () => nft.deleteElements(ref, ['10.0.0.1']),
      () => nft.listElements(ref),
      () => nft.getElements(ref, ['10.0.0.1']),
      () => nft.flushSet(ref),
    ]) {
      const error = await t.throwsAsync(call(), { instanceOf: NftsetError })
      t.is(error.code, 'ENOENT', error.message)
      t.is(error.set, 's', error.message)
      t.regex(error.message, /set s not found in table inet t/)
    }
    t.deepEqual(ns.ruleset().slice(1), [{ table: { family: 'inet', name: 't', handle: 1 } }])
  })
})

test('set deleted during a streaming listing', async (t) => {
  await withNetns(async (ns, nft) => {
    await bigSet(nft, 20000)
    const seen: ElementInfo[] = []

    const error = await t.throwsAsync(
      (async () => {
        for await (const chunk of nft.chunks(ref, { chunkSize: 100 })) {
          if (seen.length === 0) ns.nft('delete', 'set', 'inet', 't', 's')
          seen.push(...chunk)
        }
      })(),
      { instanceOf: NftsetError },
    )

    t.true(seen.length > 0 && seen.length < 20000, `${seen.length} elements before the error`)
    t.is(error.code, 'ENOENT', error.message)
    t.regex(error.message, /set s not found in table inet t/)
    t.is(error.set, 's')
    t.is(error.operation, 'list elements')
  })
})

test('set deleted during listElements is ENOENT', async (t) => {
  await withNetns(async (ns, nft) => {
    await bigSet(nft, 20000)
    writeDuringFirstListing(nft, () => ns.nft('delete', 'set', 'inet', 't', 's'))

    const error = await t.throwsAsync(nft.listElements(ref), { instanceOf: NftsetError })

    t.is(error.code, 'ENOENT', error.message)
    t.regex(error.message, /set s not found/)
  })
})

test('streaming listing fails with ERR_INTERRUPTED on a write', async (t) => {
  await withNetns(async (ns, nft) => {
    await bigSet(nft, 20000)
    let seen = 0

    const error = await t.throwsAsync(
      (async () => {
        for await (const chunk of nft.chunks(ref, { chunkSize: 100 })) {
          if (seen === 0) writeElsewhere(ns)
          seen += chunk.length
        }
      })(),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ERR_INTERRUPTED')
    t.regex(error.message, /the ruleset changed while set inet t s was listed/)
    t.true(seen > 0 && seen < 20000, `${seen} elements before the error`)
  })
})

test('listElements retries after a write', async (t) => {
  await withNetns(async (ns, nft) => {
    await bigSet(nft, 20000)
    writeDuringFirstListing(nft, () => ns.nft('add', 'element', 'inet', 't', 's', '{ 192.0.2.1 }'))

    const listed = await nft.listElements(ref)

    t.is(listed.length, 20001, 'the second attempt lists the set after the write')
    t.true(listed.some((element) => element.key === '192.0.2.1'))
    t.is(new Set(listed.map((element) => element.key)).size, 20001, 'no element is listed twice')
  })
})

test('listElements gives up after five interrupted attempts', async (t) => {
  await withNetns(async (ns, nft) => {
    await bigSet(nft, 20000)
    const chunks = nft.chunks.bind(nft)
    let attempts = 0
    nft.chunks = async function* (set, options) {
      attempts++
      let first = true
      for await (const chunk of chunks(set, options)) {
        yield chunk
        if (first) ns.nft('add', 'element', 'inet', 't', 's', `{ 192.0.2.${attempts} }`)
        first = false
      }
    }

    const error = await t.throwsAsync(nft.listElements(ref), { instanceOf: NftsetError })

    t.is(error.code, 'ERR_INTERRUPTED')
    t.is(attempts, 5)
  })
})

test('generation conflict applies nothing and a retry succeeds', async (t) => {
  await withNetns(async (ns, nft) => {
    await bigSet(nft, 1)
    const generation = await nft.generation()
    ns.nft('add', 'element', 'inet', 't', 's', '{ 192.0.2.9 }')

    const error = await t.throwsAsync(
      nft.transaction(
        (tx) => {
          tx.addElements(ref, ['192.0.2.1'])
          tx.deleteElements(ref, ['10.0.0.0'])
        },
        { generation },
      ),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ERR_GENERATION_CONFLICT')
    t.is(error.errno, 85)
    t.regex(error.message, /Nothing was applied/)
    t.deepEqual((ns.elems('inet', 't', 's') as string[]).sort(), ['10.0.0.0', '192.0.2.9'])
    t.is(await nft.generation(), generation + 1, 'only the other process committed')

    const fresh = await nft.generation()
    await nft.transaction(
      (tx) => {
        tx.addElements(ref, ['192.0.2.1'])
        tx.deleteElements(ref, ['10.0.0.0'])
      },
      { generation: fresh },
    )
    t.deepEqual((ns.elems('inet', 't', 's') as string[]).sort(), ['192.0.2.1', '192.0.2.9'])
  })
})

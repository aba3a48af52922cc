import test from 'ava'

import { NftsetError, Transaction } from 'nftset'

import { withNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

/** The `nft -j list ruleset` objects after the metainfo entry. */
type RulesetObject = Record<string, unknown>

test('failed transaction applies nothing', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 'kept' })
    const before = ns.ruleset()
    const generation = await nft.generation()

    const error = await t.throwsAsync(
      nft.transaction((tx) => {
        tx.createTable({ family: 'inet', name: 't' })
        tx.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
        tx.addElements(ref, ['192.0.2.1', '192.0.2.2'])
        tx.deleteElements(ref, ['192.0.2.1', '192.0.2.3'])
      }),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ENOENT')
    t.is(error.errno, 2)
    t.is(error.operationIndex, 3)
    t.is(error.operation, 'delete element')
    t.is(error.family, 'inet')
    t.is(error.table, 't')
    t.is(error.set, 's')
    t.is(error.elementIndex, 1)
    t.is(error.element, '192.0.2.3')
    t.deepEqual(ns.ruleset(), before, 'table t and set s must be absent')
    t.is(await nft.generation(), generation)
  })
})

test('failure rolls back earlier operations', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await nft.addElements(ref, ['192.0.2.1', '192.0.2.2'])

    const error = await t.throwsAsync(
      nft.transaction((tx) => {
        tx.deleteElements(ref, ['192.0.2.1'])
        tx.addElements(ref, ['198.51.100.1'])
        tx.flushSet(ref)
        tx.createElements(ref, ['203.0.113.1', '203.0.113.2'])
        tx.createElements(ref, ['203.0.113.2'])
      }),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'EEXIST')
    t.is(error.operationIndex, 4)
    t.is(error.operation, 'create element')
    t.is(error.elementIndex, 0)
    t.is(error.element, '203.0.113.2')
    t.deepEqual(ns.elems('inet', 't', 's').sort(), ['192.0.2.1', '192.0.2.2'])
  })
})

test('invalid element names its operation', async (t) => {
  await withNetns(async (ns, nft) => {
    const generation = await nft.generation()

    const error = await t.throwsAsync(
      nft.transaction((tx) => {
        tx.createTable({ family: 'inet', name: 't' })
        tx.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
        tx.addElements(ref, ['192.0.2.1', '192.0.2.300'])
      }),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ERR_INVALID_ELEMENT')
    t.is(error.operationIndex, 2)
    t.is(error.operation, 'add element')
    t.is(error.elementIndex, 1)
    t.is(error.element, '192.0.2.300')
    t.is(error.path, 'elements[1]')
    t.is(await nft.generation(), generation, 'nothing was sent')
    t.deepEqual(ns.ruleset().slice(1), [])
  })
})

test('table, set and elements in one batch', async (t) => {
  await withNetns(async (ns, nft) => {
    const summary = await nft.transaction((tx) => {
      tx.createTable({ family: 'inet', name: 't' })
      tx.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
      tx.addElements(ref, ['192.0.2.1', '192.0.2.2'])
    })

    t.is(summary.messages, 5, 'BEGIN, NEWTABLE, NEWSET, NEWSETELEM, END')
    t.is(summary.wireElements, 2)
    const [table, set] = ns.ruleset().slice(1) as RulesetObject[]
    t.deepEqual(table, { table: { family: 'inet', name: 't', handle: 1 } })
    t.like(set, { set: { family: 'inet', table: 't', name: 's', type: 'ipv4_addr' } })
    t.deepEqual(ns.elems('inet', 't', 's').sort(), ['192.0.2.1', '192.0.2.2'])
  })
})

test('Transaction built apart commits', async (t) => {
  await withNetns(async (ns, nft) => {
    const tx = new Transaction()
    tx.createTable({ family: 'ip', name: 'f' }).createSet({ family: 'ip', table: 'f', name: 'p', type: 'inet_service' })
    tx.addElements({ family: 'ip', table: 'f', set: 'p' }, [22, 'https'])
    t.is(tx.size, 3)

    await nft.commit(tx)

    t.deepEqual(ns.elems('ip', 'f', 'p').sort(), [22, 443])
  })
})

test('Transaction rejects bad arguments at once', (t) => {
  const tx = new Transaction()

  const error = t.throws(() => tx.addElements({ family: 'ipv4' as 'ip', table: 't', set: 's' }, ['192.0.2.1']), {
    instanceOf: NftsetError,
  })

  t.is(error.code, 'ERR_INVALID_ARGUMENT')
  t.is(error.path, 'set.family')
  t.is(error.value, 'ipv4')
  t.is(tx.size, 0)
})

test('add and delete of one key in one batch', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await nft.addElements(ref, ['192.0.2.1'])

    await nft.transaction((tx) => {
      tx.addElements(ref, ['192.0.2.9'])
      tx.deleteElements(ref, ['192.0.2.9', '192.0.2.1'])
      tx.addElements(ref, ['192.0.2.1'])
    })

    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.1'])
  })
})

test('200 parallel adds all succeed', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const addresses = Array.from({ length: 200 }, (_, index) => `10.0.${index >> 8}.${index & 0xff}`)

    const results = await Promise.allSettled(addresses.map((address) => nft.addElements(ref, [address])))

    t.deepEqual(
      results.filter((result) => result.status === 'rejected'),
      [],
    )
    t.deepEqual(ns.elems('inet', 't', 's').sort(), [...addresses].sort())
  })
})

// `Nftables` promises that calls on one connection run in the order they
// were made, although a commit first converts its elements with pauses for
// the event loop: a later call with less to convert must not overtake it.

test('writes on one connection run in order', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    // More than one piece of 20000 lines, so that its conversion takes a while.
    const large = Array.from({ length: 30_000 }, (_, index) => `10.${index >> 16}.${(index >> 8) & 0xff}.${index & 0xff}`)

    await Promise.all([
      nft.addElements(ref, large),
      nft.deleteElements(ref, ['10.0.0.0', '10.0.0.1']),
      nft.addElements(ref, ['192.0.2.1', '192.0.2.2']),
      nft.deleteElements(ref, ['192.0.2.1']),
    ])

    const stored = ns.elems('inet', 't', 's') as string[]
    t.is(stored.length, 30_000 - 2 + 1)
    t.false(stored.includes('10.0.0.1'))
    t.false(stored.includes('192.0.2.1'))
    t.true(stored.includes('192.0.2.2'))
  })
})

test('a read sees the writes made before it', async (t) => {
  await withNetns(async (_ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

    const [, , listed, generation] = await Promise.all([
      nft.addElements(ref, ['192.0.2.1', '192.0.2.2']),
      nft.deleteElements(ref, ['192.0.2.1']),
      nft.listElements(ref),
      nft.generation(),
    ])

    t.deepEqual(listed, [{ key: '192.0.2.2' }])
    t.is(await nft.generation(), generation)
  })
})

test('a write made before close completes', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const other = await ns.open()

    const pending = other.addElements(ref, ['192.0.2.1'])
    other.close()

    await t.notThrowsAsync(pending)
    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.1'])
  })
})

test('20000 addresses in one add', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const addresses = Array.from({ length: 20_000 }, (_, index) => `10.${index >> 16}.${(index >> 8) & 0xff}.${index & 0xff}`)

    const summary = await nft.addElements(ref, addresses)

    // One element nest is 4 + 4 + 8 = 16 bytes, and one list is at most 65535 bytes.
    t.true(summary.messages - 2 >= Math.ceil((20_000 * 16) / 65_535), `${summary.messages} messages`)
    t.is(summary.wireElements, 20_000)
    t.deepEqual(ns.elems('inet', 't', 's').sort(), [...addresses].sort())
    t.is((await nft.listElements(ref)).length, 20_000)
  })
})

test('64-byte keys split across messages', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    const type = 'ipv6_addr . ipv6_addr . ipv6_addr . ipv6_addr'
    await nft.createSet({ family: 'inet', table: 't', name: 's', type })
    const keys = Array.from({ length: 3000 }, (_, index) => [`2001:db8::${(index + 1).toString(16)}`, '::1', '::2', 'ffff::3'])

    const summary = await nft.addElements(ref, keys)

    // One element nest is 4 + 4 + 4 + 64 = 76 bytes, so 3000 need 4 lists.
    t.true(summary.messages - 2 >= 4, `${summary.messages} messages`)
    const stored = ns.elems('inet', 't', 's') as Array<{ concat: string[] }>
    t.deepEqual(stored.map((element) => element.concat.join(' . ')).sort(), keys.map((key) => key.join(' . ')).sort())
  })
})

test('keys longer than 64 bytes are rejected', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    const type = 'ipv6_addr . ipv6_addr . ipv6_addr . ipv6_addr . ipv4_addr'

    const error = await t.throwsAsync(nft.createSet({ family: 'inet', table: 't', name: 's', type }), {
      instanceOf: NftsetError,
    })

    t.is(error.code, 'ERR_INVALID_ARGUMENT')
    t.is(error.path, 'spec.type')
    t.regex(error.message, /68 bytes.*at most 64/)
    t.deepEqual(ns.ruleset().slice(1), [{ table: { family: 'inet', name: 't', handle: 1 } }])
  })
})

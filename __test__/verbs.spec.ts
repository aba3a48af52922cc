import test from 'ava'

import { NftsetError, type Nftables } from 'nftset'

import { withNetns, type TestNetns } from './helpers/netns.js'

const table = { family: 'inet', name: 't' } as const
const ref = { family: 'inet', table: 't', set: 's' } as const

/** Creates `table inet t { set s { type ipv4_addr; } }` with nftset. */
async function setUp(nft: Nftables, elements: string[] = []): Promise<void> {
  await nft.createTable(table)
  await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
  if (elements.length > 0) {
    await nft.addElements(ref, elements)
  }
}

/** The elements of inet t s as nft lists them, sorted. */
function stored(ns: TestNetns, set = 's'): unknown[] {
  return ns.elems('inet', 't', set).sort()
}

/** Names of the sets in `nft -j list ruleset`. */
function setNames(ns: TestNetns): string[] {
  return ns
    .ruleset()
    .flatMap((item) => ('set' in (item as object) ? [(item as { set: { name: string } }).set.name] : []))
    .sort()
}

test('add of existing element is a no-op', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1'])

    await nft.addElements(ref, ['192.0.2.1', '192.0.2.2'])

    t.deepEqual(stored(ns), ['192.0.2.1', '192.0.2.2'])
  })
})

test('create adds new elements', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft)

    await nft.createElements(ref, ['192.0.2.1', '192.0.2.2'])

    t.deepEqual(stored(ns), ['192.0.2.1', '192.0.2.2'])
  })
})

test('create of existing element is EEXIST', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1'])

    const error = await t.throwsAsync(nft.createElements(ref, ['192.0.2.4', '192.0.2.1']), {
      instanceOf: NftsetError,
    })

    t.is(error.code, 'EEXIST')
    t.is(error.errno, 17)
    t.is(error.operation, 'create element')
    t.is(error.family, 'inet')
    t.is(error.table, 't')
    t.is(error.set, 's')
    t.is(error.elementIndex, 1)
    t.is(error.element, '192.0.2.1')
    t.deepEqual(stored(ns), ['192.0.2.1'], '192.0.2.4 must not be added')
  })
})

test('delete removes present elements', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1', '192.0.2.2', '192.0.2.3'])

    await nft.deleteElements(ref, ['192.0.2.1', '192.0.2.3'])

    t.deepEqual(stored(ns), ['192.0.2.2'])
  })
})

test('delete names the missing element', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1', '192.0.2.2'])

    const error = await t.throwsAsync(nft.deleteElements(ref, ['192.0.2.1', '192.0.2.9']), {
      instanceOf: NftsetError,
    })

    t.is(error.code, 'ENOENT')
    t.is(error.errno, 2)
    t.is(error.operation, 'delete element')
    t.is(error.table, 't')
    t.is(error.set, 's')
    t.is(error.elementIndex, 1)
    t.is(error.element, '192.0.2.9')
    t.deepEqual(stored(ns), ['192.0.2.1', '192.0.2.2'], '192.0.2.1 must survive')
  })
})

test('destroy ignores missing elements', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1', '192.0.2.2'])

    await nft.destroyElements(ref, ['192.0.2.9', '192.0.2.1'])
    t.deepEqual(stored(ns), ['192.0.2.2'])

    await nft.destroyElements(ref, ['192.0.2.1'])
    t.deepEqual(stored(ns), ['192.0.2.2'])
  })
})

test('getElements returns found elements', async (t) => {
  await withNetns(async (_ns, nft) => {
    await setUp(nft, ['192.0.2.1', '192.0.2.2', '192.0.2.3'])

    const found = await nft.getElements(ref, ['192.0.2.3', '192.0.2.1'])

    t.deepEqual(found, [{ key: '192.0.2.3' }, { key: '192.0.2.1' }])
  })
})

test('getElements returns the containing range', async (t) => {
  await withNetns(async (_ns, nft) => {
    await nft.createTable(table)
    await nft.createSet({ family: 'inet', table: 't', name: 'r', type: 'ipv4_addr', flags: ['interval'] })
    await nft.addElements({ ...ref, set: 'r' }, ['10.0.0.0/24', '192.0.2.1'])

    const found = await nft.getElements({ ...ref, set: 'r' }, ['10.0.0.5', '192.0.2.1'])

    t.deepEqual(found, [{ key: '10.0.0.0/24' }, { key: '192.0.2.1' }])
  })
})

test('getElements names a missing key', async (t) => {
  await withNetns(async (_ns, nft) => {
    await setUp(nft, ['192.0.2.1'])

    const error = await t.throwsAsync(nft.getElements(ref, ['192.0.2.1', '192.0.2.7']), {
      instanceOf: NftsetError,
    })

    t.is(error.code, 'ENOENT')
    t.is(error.errno, 2)
    t.is(error.operation, 'get element')
    t.is(error.table, 't')
    t.is(error.set, 's')
    t.is(error.elementIndex, 1)
    t.is(error.element, '192.0.2.7')
  })
})

test('listElements returns every element', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft)
    ns.nft('add', 'element', 'inet', 't', 's', '{ 192.0.2.1, 198.51.100.7, 203.0.113.255 }')

    const listed = await nft.listElements(ref)

    const keys = listed.map((element) => element.key).sort()
    t.deepEqual(keys, ['192.0.2.1', '198.51.100.7', '203.0.113.255'])
    t.deepEqual(keys, stored(ns))
    t.true(listed.every((element) => Object.keys(element).length === 1), 'a plain set has keys only')
  })
})

test('listElements of empty set is empty', async (t) => {
  await withNetns(async (_ns, nft) => {
    await setUp(nft)

    t.deepEqual(await nft.listElements(ref), [])
  })
})

test('listSets leaves out anonymous sets', async (t) => {
  await withNetns(async (ns, nft) => {
    ns.nftScript(`
      table inet t {
        set s { type ipv4_addr; }
        map m { type ipv4_addr : verdict; }
        chain c { ip saddr { 192.0.2.1, 192.0.2.2 } drop; }
      }
      table ip u {
        set v { type inet_service; }
      }
    `)
    t.true(
      ns.nft('--debug=netlink', 'list', 'ruleset').includes('@__set0'),
      'the rule must hold an anonymous set, else this test checks nothing',
    )

    const all = await nft.listSets()
    t.deepEqual(all.map((set) => `${set.family} ${set.table} ${set.name}`).sort(), ['inet t m', 'inet t s', 'ip u v'])

    const inet = await nft.listSets({ family: 'inet' })
    t.deepEqual(inet.map((set) => set.name).sort(), ['m', 's'])

    const ipU = await nft.listSets({ family: 'ip', table: 'u' })
    t.deepEqual(ipU.map((set) => set.name), ['v'])
    t.is(ipU[0].type, 'inet_service')
  })
})

test('getSet reports the definition', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable(table)
    await nft.createSet({
      family: 'inet',
      table: 't',
      name: 'blocked',
      type: 'ipv4_addr',
      flags: ['interval', 'timeout'],
      timeout: '1h',
      gcInterval: 30_000,
      size: 1000,
      policy: 'memory',
      autoMerge: true,
      comment: 'blocked hosts',
      counter: true,
    })

    const { handle, count, ...info } = await nft.getSet({ ...ref, set: 'blocked' })

    t.deepEqual(info, {
      family: 'inet',
      table: 't',
      name: 'blocked',
      type: 'ipv4_addr',
      flags: ['interval', 'timeout'],
      timeout: 3_600_000,
      gcInterval: 30_000,
      size: 1000,
      policy: 'memory',
      autoMerge: true,
      comment: 'blocked hosts',
      counter: true,
    })
    t.is(typeof handle, 'number')
    t.true(count === undefined || count === 0, `count is ${count}`)

    const listed = JSON.parse(ns.nft('-j', 'list', 'set', 'inet', 't', 'blocked')).nftables[1].set
    t.like(listed, {
      handle,
      type: 'ipv4_addr',
      flags: ['interval', 'timeout'],
      timeout: 3600,
      'gc-interval': 30,
      size: 1000,
      policy: 'memory',
      comment: 'blocked hosts',
    })
    t.deepEqual(listed.stmt, [{ counter: null }])
    t.regex(ns.nft('list', 'set', 'inet', 't', 'blocked'), /\bauto-merge\b/)
  })
})

test('getSet of a missing set is ENOENT', async (t) => {
  await withNetns(async (_ns, nft) => {
    await nft.createTable(table)

    const error = await t.throwsAsync(nft.getSet({ ...ref, set: 'missing' }), { instanceOf: NftsetError })

    t.is(error.code, 'ENOENT')
    t.is(error.errno, 2)
    t.is(error.table, 't')
    t.is(error.set, 'missing')
  })
})

test('flushSet deletes every element', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1', '192.0.2.2', '192.0.2.3'])

    await nft.flushSet(ref)

    t.deepEqual(stored(ns), [])
    t.deepEqual(setNames(ns), ['s'], 'the set itself stays')
  })
})

test('deleteSet removes the set', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1'])
    await nft.createSet({ family: 'inet', table: 't', name: 'other', type: 'ipv4_addr' })

    await nft.deleteSet(ref)

    t.deepEqual(setNames(ns), ['other'])
  })
})

test('createTable and deleteTable', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'ip', name: 'a' })
    await nft.createTable({ family: 'ip6', name: 'b' })
    t.deepEqual(ns.ruleset().slice(1), [
      { table: { family: 'ip', name: 'a', handle: 1 } },
      { table: { family: 'ip6', name: 'b', handle: 2 } },
    ])

    await nft.deleteTable({ family: 'ip', name: 'a' })
    t.deepEqual(ns.ruleset().slice(1), [{ table: { family: 'ip6', name: 'b', handle: 2 } }])
  })
})

test('createTable of existing table is a no-op', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1'])

    await nft.createTable(table)
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

    t.deepEqual(stored(ns), ['192.0.2.1'])
  })
})

test('exclusive createTable fails if present', async (t) => {
  await withNetns(async (_ns, nft) => {
    await nft.createTable(table)

    const error = await t.throwsAsync(nft.createTable(table, { exclusive: true }), { instanceOf: NftsetError })

    t.is(error.code, 'EEXIST')
    t.is(error.errno, 17)
    t.is(error.operation, 'create table')
    t.is(error.operationIndex, 0)
    t.is(error.family, 'inet')
    t.is(error.table, 't')
  })
})

test('exclusive createSet fails if present', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft, ['192.0.2.1'])

    const spec = { family: 'inet', table: 't', name: 's', type: 'ipv4_addr' } as const
    const error = await t.throwsAsync(nft.createSet(spec, { exclusive: true }), { instanceOf: NftsetError })

    t.is(error.code, 'EEXIST')
    t.is(error.errno, 17)
    t.is(error.operation, 'create set')
    t.is(error.table, 't')
    t.is(error.set, 's')
    t.deepEqual(stored(ns), ['192.0.2.1'])
  })
})

test('delete of missing set and table is ENOENT', async (t) => {
  await withNetns(async (_ns, nft) => {
    await nft.createTable(table)

    const setError = await t.throwsAsync(nft.deleteSet({ ...ref, set: 'missing' }), { instanceOf: NftsetError })
    t.is(setError.code, 'ENOENT')
    t.is(setError.operation, 'delete set')
    t.is(setError.table, 't')
    t.is(setError.set, 'missing')

    const tableError = await t.throwsAsync(nft.deleteTable({ family: 'ip', name: 'missing' }), {
      instanceOf: NftsetError,
    })
    t.is(tableError.code, 'ENOENT')
    t.is(tableError.operation, 'delete table')
    t.is(tableError.family, 'ip')
    t.is(tableError.table, 'missing')
  })
})

test('ifExists ignores a missing set and table', async (t) => {
  await withNetns(async (ns, nft) => {
    await setUp(nft)

    await nft.deleteSet({ ...ref, set: 'missing' }, { ifExists: true })
    await nft.deleteTable({ family: 'ip', name: 'missing' }, { ifExists: true })
    t.deepEqual(setNames(ns), ['s'])

    await nft.deleteSet(ref, { ifExists: true })
    t.deepEqual(setNames(ns), [])
    await nft.deleteTable(table, { ifExists: true })
    t.deepEqual(ns.ruleset().slice(1), [])
  })
})

test('generation counts commits, not reads', async (t) => {
  await withNetns(async (_ns, nft) => {
    const start = await nft.generation()

    await nft.createTable(table)
    t.is(await nft.generation(), start + 1)

    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await nft.addElements(ref, ['192.0.2.1'])
    t.is(await nft.generation(), start + 3)

    await nft.listElements(ref)
    await nft.getSet(ref)
    await nft.listSets()
    await nft.getElements(ref, ['192.0.2.1'])
    t.is(await nft.generation(), start + 3, 'reads leave the generation alone')

    await t.throwsAsync(nft.deleteElements(ref, ['192.0.2.9']), { code: 'ENOENT' })
    t.is(await nft.generation(), start + 3, 'a rolled-back transaction leaves it alone')
  })
})

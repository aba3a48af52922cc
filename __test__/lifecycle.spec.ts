/**
 * Lifecycle of connections, listings and monitors: close() during a call,
 * calls after close(), monitors closed with their connection, listings
 * interrupted by commits elsewhere in the namespace, large event batches,
 * the NFTSET_DEBUG=batch script, the low-level API's argument checks and
 * the forms of the netns option.
 */
import { spawnSync } from 'node:child_process'

import test from 'ava'

import {
  Batch,
  Element,
  handle,
  Monitor,
  NetlinkSocket,
  NFPROTO_INET,
  Nftables,
  NftsetError,
  Set as RawSet,
  type ElementInfo,
  type MonitorEvent,
} from 'nftset'

import { TestNetns, withNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

/** Addresses 10.x.y.z, one per index. */
function address(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
}

/**
 * Creates table t and set s with `count` addresses. The set is sized up
 * front, so that the kernel does not resize its hash table during the
 * first listing, which would repeat elements.
 */
async function filledSet(nft: Nftables, count: number): Promise<void> {
  await nft.createTable({ family: 'inet', name: 't' })
  await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr', size: 1 << 20 })
  await nft.addElements(
    ref,
    Array.from({ length: count }, (_, index) => address(index)),
  )
}

/** Commits a change to another table, which moves the namespace's ruleset generation on. */
function commitElsewhere(ns: TestNetns, index: number): void {
  ns.nft('add', 'table', 'inet', 'other')
  ns.nft('add', 'set', 'inet', 'other', 'x', '{ type ipv4_addr; }')
  ns.nft('add', 'element', 'inet', 'other', 'x', `{ 192.0.2.${index} }`)
}

/** Makes the first `times` listings of `nft` commit elsewhere after their first chunk; returns the listing count. */
function commitDuringListings(nft: Nftables, ns: TestNetns, times: number): () => number {
  const chunks = nft.chunks.bind(nft)
  let listings = 0
  nft.chunks = async function* (set, options) {
    const listing = ++listings
    let first = true
    for await (const chunk of chunks(set, options)) {
      yield chunk
      if (first && listing <= times) commitElsewhere(ns, listing)
      first = false
    }
  }
  return () => listings
}

/** Rejects when `promise` has not settled after `ms` milliseconds. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Collects a monitor's events until its iteration ends. */
async function drain(monitor: Monitor): Promise<MonitorEvent[]> {
  const events: MonitorEvent[] = []
  for await (const event of monitor) events.push(event)
  return events
}

/** Returns the process id of the holder of a test namespace, from its /proc/PID/ns/net path. */
function holderPid(ns: TestNetns): number {
  return Number(/^\/proc\/(\d+)\//.exec(ns.path)![1])
}

test('monitor delivers a batch of 150000 events', async (t) => {
  await withNetns(async (_ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr', size: 1 << 20 })
    const monitor = await nft.monitor({ table: 't' })
    const count = 150000

    // One transaction: the kernel reports every element when it commits,
    // and the monitor reads them as one batch.
    await nft.addElements(
      ref,
      Array.from({ length: count }, (_, index) => address(index)),
    )
    let added = 0
    let lost = 0
    for await (const event of monitor) {
      if (event.type === 'lost') lost++
      if (event.type === 'elementAdded') added++
      if (added === count) break
    }

    t.is(lost, 0)
    t.is(added, count)
  })
})

test('monitor drops partial events after an overflow', async (t) => {
  await withNetns(async (_ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr', size: 1 << 20 })
    const monitor = await nft.monitor({ table: 't' })

    // Nothing reads the monitor during the load, so its 32 MiB receive
    // buffer overflows and the kernel drops the end of the events.
    const count = 400000
    await nft.transaction(
      (tx) => {
        tx.addElements(ref, Array.from({ length: count }, (_, index) => address(index)))
      },
      { ifTooLarge: 'split' },
    )
    const first = await monitor.next()
    t.is(first?.type, 'lost')

    // The events still queued were dropped with the overflow, so the next
    // event is the one of a commit made now.
    await nft.addElements(ref, ['192.0.2.1'])
    const next = await monitor.next()
    t.is(next?.type, 'elementAdded')
    const key = next?.type === 'elementAdded' ? next.element.key : undefined
    t.is(key, '192.0.2.1', 'events queued before the overflow are dropped')
    monitor.close()
  })
})

test('close during elements() is ERR_CLOSED', async (t) => {
  await withNetns(async (ns) => {
    const nft = await ns.open()
    await filledSet(nft, 5000)
    let seen = 0

    const error = await t.throwsAsync(
      (async () => {
        for await (const element of nft.elements(ref, { chunkSize: 100 })) {
          void element
          if (++seen === 1) nft.close()
        }
      })(),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ERR_CLOSED')
    t.regex(error.message, /connection was closed while set inet t s was listed/)
    t.is(error.set, 's')
    t.true(seen < 5000, `${seen} elements before the error`)
  })
})

test('close during listElements is ERR_CLOSED', async (t) => {
  await withNetns(async (ns) => {
    const nft = await ns.open()
    await filledSet(nft, 5000)

    const listing = nft.listElements(ref)
    const generation = nft.generation()
    nft.close()

    const error = await t.throwsAsync(listing, { instanceOf: NftsetError })
    t.is(error.code, 'ERR_CLOSED')
    t.is(typeof (await generation), 'number', 'a call made before close completes')
  })
})

test('calls after close are ERR_CLOSED', async (t) => {
  await withNetns(async (ns) => {
    for (const coalesce of [false, true]) {
      const nft = await Nftables.open({ netns: ns.path, coalesce })
      nft.close()

      const calls: Record<string, () => Promise<unknown>> = {
        addElements: () => nft.addElements(ref, ['192.0.2.1']),
        createTable: () => nft.createTable({ family: 'inet', name: 't' }),
        monitor: () => nft.monitor(),
        listElements: () => nft.listElements(ref),
      }
      for (const [name, call] of Object.entries(calls)) {
        const label = `${name}, coalesce ${coalesce}`
        const error = await t.throwsAsync(within(call(), 2000, label), { instanceOf: NftsetError }, label)
        t.is(error?.code, 'ERR_CLOSED', label)
      }
    }
    t.deepEqual(ns.ruleset().slice(1), [], 'nothing was committed')
  })
})

test('closing a connection ends its monitors', async (t) => {
  await withNetns(async (ns) => {
    const nft = await ns.open()
    await nft.createTable({ family: 'inet', name: 't' })
    const monitor = await nft.monitor()
    const events = drain(monitor)
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await new Promise((resolve) => setTimeout(resolve, 300))

    nft.close()

    const seen = await within(events, 2000, 'the monitor iteration')
    t.deepEqual(
      seen.map((event) => event.type),
      ['setCreated'],
    )
    t.is(await monitor.next(), undefined, 'next() after close resolves to undefined')
  })
})

test('monitor closed on its own leaves the connection open', async (t) => {
  await withNetns(async (_ns, nft) => {
    const monitor = await nft.monitor()
    monitor.close()

    t.is(await within(monitor.next(), 2000, 'next()'), undefined)
    t.false(nft.closed)
    t.is(typeof (await nft.generation()), 'number')
  })
})

test('interrupted listing says the ruleset changed', async (t) => {
  await withNetns(async (ns, nft) => {
    await filledSet(nft, 5000)
    let seen = 0

    const error = await t.throwsAsync(
      (async () => {
        for await (const chunk of nft.chunks(ref, { chunkSize: 100 })) {
          if (seen === 0) commitElsewhere(ns, 1)
          seen += chunk.length
        }
      })(),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ERR_INTERRUPTED')
    t.regex(error.message, /^the ruleset changed while set inet t s was listed/)
    t.regex(error.message, /another commit was made in this network namespace/)
    t.regex(error.message, /Listing it again is safe\./)
    t.is(error.set, 's')
  })
})

test('listElements survives four interrupted attempts', async (t) => {
  await withNetns(async (ns, nft) => {
    // More elements than one chunk of listElements, so that the commit
    // comes while the listing runs.
    await filledSet(nft, 20000)
    const listings = commitDuringListings(nft, ns, 4)

    const listed: ElementInfo[] = await nft.listElements(ref)

    t.is(listed.length, 20000)
    t.is(listings(), 5)
  })
})

test('listElements gives up after five attempts', async (t) => {
  await withNetns(async (ns, nft) => {
    await filledSet(nft, 20000)
    const listings = commitDuringListings(nft, ns, Infinity)

    const error = await t.throwsAsync(nft.listElements(ref), { instanceOf: NftsetError })

    t.is(error.code, 'ERR_INTERRUPTED')
    t.is(listings(), 5)
    t.regex(error.message, /^listing set inet t s was interrupted at each of 5 attempts/)
    t.is(error.table, 't')
  })
})

/** Returns the ruleset of a namespace without the elements, whose order nft does not fix. */
function definitions(ns: TestNetns): unknown[] {
  return ns.ruleset().slice(1).map((entry) => {
    const { set, map, ...rest } = entry as { set?: { elem?: unknown }; map?: { elem?: unknown } }
    if (set !== undefined) return { ...rest, set: { ...set, elem: undefined } }
    if (map !== undefined) return { ...rest, map: { ...map, elem: undefined } }
    return rest
  })
}

/** Runs `body` (the text of an async function of `nft` and `ref`) in a child process with NFTSET_DEBUG=batch. */
function runDebug(netns: string, body: string) {
  const program = `
    const { Nftables } = require('nftset')
    const ref = ${JSON.stringify(ref)}
    ;(async () => {
      const nft = await Nftables.open({ netns: ${JSON.stringify(netns)} })
      try {
        ${body}
      } finally {
        nft.close()
      }
    })().catch((error) => { console.log(error.code); process.exitCode = 1 })`
  return spawnSync(process.execPath, ['-e', program], {
    encoding: 'utf8',
    env: { ...process.env, NFTSET_DEBUG: 'batch' },
  })
}

test('batch debug shows what a sync sends', async (t) => {
  await withNetns(async (ns) => {
    ns.nftScript('table inet t {\n  set s { type ipv4_addr; elements = { 192.0.2.1, 192.0.2.2, 192.0.2.3 }; }\n}\n')

    const result = runDebug(ns.path, `await nft.syncElements(ref, ['192.0.2.2', '192.0.2.4'])`)

    t.is(result.status, 0, result.stdout)
    const lines = result.stderr.split('\n')
    t.is(lines[0], '# sync inet t s: 2 elements to delete and 1 to add; the others are kept')
    const deleted = /^delete element inet t s \{ (.*) \}$/.exec(lines[1])
    t.deepEqual(deleted?.[1].split(', ').sort(), ['192.0.2.1', '192.0.2.3'])
    t.is(lines[2], 'add element inet t s { 192.0.2.4 }')
    t.is(lines.length, 4, result.stderr)
  })
})

test('batch debug prints nothing for an invalid element', async (t) => {
  await withNetns(async (ns) => {
    ns.nftScript('table inet t {\n  set s { type ipv4_addr; }\n}\n')

    const result = runDebug(ns.path, `await nft.addElements(ref, ['192.0.2.1', 'bogus'])`)

    t.is(result.stdout, 'ERR_INVALID_ELEMENT\n')
    t.is(result.stderr, '')
  })
})

test('batch debug script replays with nft -f', async (t) => {
  const setup = 'table inet t {\n  set s { type ipv4_addr; elements = { 192.0.2.1, 192.0.2.2 }; }\n}\n'
  const first = await TestNetns.create()
  const second = await TestNetns.create()
  try {
    first.nftScript(setup)
    second.nftScript(setup)

    const result = runDebug(
      first.path,
      `
      await nft.transaction((tx) => {
        tx.createSet({ family: 'inet', table: 't', name: 'c', type: 'ipv4_addr', flags: ['interval'], comment: 'my set; {x} # y' })
        tx.addElements({ family: 'inet', table: 't', set: 'c' }, ['10.1.2.3/8', { key: '192.0.2.9', comment: 'a, b' }])
        tx.createSet({ family: 'inet', table: 't', name: 'm', type: 'ipv4_addr', map: 'verdict' })
        tx.addElements({ family: 'inet', table: 't', set: 'm' }, ['192.0.2.1 : accept'])
        tx.syncElements(ref, ['192.0.2.2', '192.0.2.3'])
      })`,
    )
    t.is(result.status, 0, result.stdout)
    second.nftScript(result.stderr)

    t.deepEqual(definitions(second), definitions(first), result.stderr)
    for (const [name, kind] of [['s', 'set'], ['c', 'set'], ['m', 'map']] as const) {
      const sorted = (ns: TestNetns) => ns.elems('inet', 't', name, kind).map((element) => JSON.stringify(element)).sort()
      t.deepEqual(sorted(second), sorted(first), name)
    }
  } finally {
    await first.destroy()
    await second.destroy()
  }
})

test('handle of an empty buffer reads on', (t) => {
  t.is(handle(Buffer.alloc(0), 0, 0), 1)
  t.is(handle(Buffer.alloc(0), 7, 1234), 1)
})

test('handle of an interrupted dump is -EINTR', (t) => {
  // A NEWSETELEM dump part: len 20, type 0x0a0c, NLM_F_MULTI | NLM_F_DUMP_INTR, seq 7, pid 0, nfgenmsg.
  const part = Buffer.from('14000000' + '0c0a' + '1200' + '07000000' + '00000000' + '0100000a', 'hex')
  const whole = Buffer.from(part)
  whole.writeUInt16LE(0x02, 6)

  t.is(handle(whole, 7, 0), 1, 'without the flag the dump goes on')
  t.is(handle(part, 7, 0), -4)
})

test('low-level calls reject arguments of the wrong type', async (t) => {
  const withKey = (key: unknown, data?: unknown) => {
    const set = new RawSet()
    set.table = 't'
    set.name = 's'
    const element = new Element()
    element.key = Buffer.from('c0000201', 'hex')
    set.add(element)
    // Fields changed after add() are checked again when the message is built.
    ;(element as { key: unknown }).key = key
    if (data !== undefined) (element as { data: unknown }).data = data
    return set
  }
  const good = withKey(Buffer.from('c0000201', 'hex'))
  const cases: Array<[string, () => unknown, string, unknown]> = [
    ['Batch seq text', () => new Batch('x' as unknown as number), 'seq', 'x'],
    ['Batch seq negative', () => new Batch(-1), 'seq', -1],
    ['elemPut key text', () => new Batch().elemPut(withKey('c0000201'), NFPROTO_INET, true), 'set.elements[0].key', 'c0000201'],
    ['elemPut data text', () => new Batch().elemPut(withKey(Buffer.alloc(4), 'ff'), NFPROTO_INET, true), 'set.elements[0].data', 'ff'],
    ['elemPut family text', () => new Batch().elemPut(good, 'inet' as unknown as number, true), 'family', 'inet'],
    ['elemPut family fraction', () => new Batch().elemPut(good, 1.5, true), 'family', 1.5],
    ['elemPut ack text', () => new Batch().elemDel(good, NFPROTO_INET, 'yes' as unknown as boolean), 'ack', 'yes'],
    ['elemPut table number', () => new Batch().elemPut(Object.assign(new RawSet(), { table: 5 }), NFPROTO_INET, true), 'set.table', 5],
    ['elemPut set null', () => new Batch().elemPut(null as unknown as RawSet, NFPROTO_INET, true), 'set', null],
    ['handle reply text', () => handle('abc' as unknown as Buffer, 0, 0), 'reply', 'abc'],
    ['handle seq text', () => handle(Buffer.alloc(0), '1' as unknown as number, 0), 'seq', '1'],
    ['handle portid negative', () => handle(Buffer.alloc(0), 0, -1), 'portid', -1],
  ]
  for (const [name, call, path, value] of cases) {
    const error = t.throws(call, { instanceOf: NftsetError }, name)
    t.is(error?.code, 'ERR_INVALID_ARGUMENT', name)
    t.is(error?.path, path, name)
    t.deepEqual(error?.value, value, name)
    t.true(error?.message.startsWith(`invalid ${path}: `), `${name}: ${error?.message}`)
  }

  await withNetns(async (ns) => {
    const socket = await NetlinkSocket.open({ netns: ns.path })
    try {
      const asyncCases: Array<[string, () => Promise<unknown>, string]> = [
        ['send text', () => socket.send('abc' as unknown as Buffer), 'data'],
        ['send empty', () => socket.send(Buffer.alloc(0)), 'data'],
        ['recv size text', () => socket.recv('x' as unknown as number), 'size'],
        ['recv timeout fraction', () => socket.recv(100, 0.5), 'timeoutMs'],
      ]
      for (const [name, call, path] of asyncCases) {
        const error = await t.throwsAsync(call, { instanceOf: NftsetError }, name)
        t.is(error?.code, 'ERR_INVALID_ARGUMENT', name)
        t.is(error?.path, path, name)
      }
    } finally {
      socket.close()
    }
  })
})

test('Element with a text key is rejected with a hint', (t) => {
  const element = new Element()
  ;(element as { key: unknown }).key = 'c0000201'

  const error = t.throws(() => new RawSet().add(element), { instanceOf: NftsetError })

  t.is(error.code, 'ERR_INVALID_ARGUMENT')
  t.is(error.path, 'element.key')
  t.is(error.value, 'c0000201')
  t.regex(error.message, /expected a Buffer of bytes, such as Buffer\.from\('c0000201', 'hex'\)/)
})

test('netns as a process id number', async (t) => {
  const ns = await TestNetns.create()
  try {
    const nft = await Nftables.open({ netns: holderPid(ns) })
    try {
      await nft.createTable({ family: 'inet', name: 'by_pid' })
    } finally {
      nft.close()
    }
    t.like(ns.ruleset()[1], { table: { family: 'inet', name: 'by_pid' } })
  } finally {
    await ns.destroy()
  }
})

test('netns as a digit string is rejected with a hint', async (t) => {
  const ns = await TestNetns.create()
  try {
    const pid = String(holderPid(ns))
    const opens: Record<string, () => Promise<unknown>> = {
      'Nftables.open': () => Nftables.open({ netns: pid }),
      'Monitor.open': () => Monitor.open({ netns: pid }),
      'NetlinkSocket.open': () => NetlinkSocket.open({ netns: pid }),
    }
    for (const [name, open] of Object.entries(opens)) {
      const error = await t.throwsAsync(open, { instanceOf: NftsetError }, name)
      t.is(error?.code, 'ERR_INVALID_ARGUMENT', name)
      t.is(error?.path, 'options.netns', name)
      t.is(error?.value, pid, name)
      t.true(error?.message.includes(`pass the number ${pid} or the path /proc/${pid}/ns/net`), error?.message)
    }
  } finally {
    await ns.destroy()
  }
})

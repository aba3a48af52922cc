/**
 * Faults of the connection itself: no CAP_NET_ADMIN, a namespace that goes
 * away while a connection is open in it, and calls after close().
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import test from 'ava'

import { Nftables, NftsetError } from 'nftset'

import { inUserNamespace, NFT, TestNetns, withNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

test('EPERM without CAP_NET_ADMIN, for reads and writes', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const generation = await nft.generation()
    // A new user namespace keeps the network namespace but has no
    // capability over it, as an unprivileged process would.
    const script = `
      const { Nftables } = require('nftset')
      const ref = { family: 'inet', table: 't', set: 's' }
      Nftables.open().then(async (nft) => {
        const calls = {
          generation: () => nft.generation(),
          listSets: () => nft.listSets(),
          listElements: () => nft.listElements(ref),
          addElements: () => nft.addElements(ref, ['192.0.2.1']),
          deleteTable: () => nft.deleteTable({ family: 'inet', name: 't' }),
        }
        const out = {}
        for (const [name, call] of Object.entries(calls)) {
          const error = await call().then(() => null, (error) => error)
          out[name] = error && { code: error.code, errno: error.errno, cap: /CAP_NET_ADMIN/.test(error.message) }
        }
        console.log(JSON.stringify(out))
        nft.close()
      })`
    const root = join(__dirname, '..', '..')
    const child = spawnSync('nsenter', [`--net=${ns.path}`, 'unshare', '-U', '--', process.execPath, '-e', script], {
      cwd: root,
      encoding: 'utf8',
    })

    t.is(child.stderr, '')
    const results = JSON.parse(child.stdout) as Record<string, { code: string; errno: number; cap: boolean }>
    for (const [name, result] of Object.entries(results)) {
      t.deepEqual(result, { code: 'EPERM', errno: 1, cap: true }, name)
    }
    t.is(Object.keys(results).length, 5)
    t.is(await nft.generation(), generation)
    t.deepEqual(ns.elems('inet', 't', 's'), [])
  })
})

test('connection outlives its namespace path', async (t) => {
  const ns = await TestNetns.create()
  const nft = await ns.open()
  t.teardown(() => nft.close())
  await nft.createTable({ family: 'inet', name: 't' })
  await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

  // The holder process dies and /proc/PID/ns/net with it; the open socket
  // keeps the namespace alive.
  await ns.destroy()

  await nft.addElements(ref, ['192.0.2.1', '192.0.2.2'])
  const listed = await nft.listElements(ref)
  t.deepEqual(listed.map((element) => element.key).sort(), ['192.0.2.1', '192.0.2.2'])
  t.is(await nft.countElements(ref), 2, 'a listing opens its socket in the same namespace')
  t.is(typeof (await nft.generation()), 'number')

  const error = await t.throwsAsync(Nftables.open({ netns: ns.path }), { instanceOf: NftsetError })
  t.is(error.code, 'ERR_NETNS')
  t.is(error.path, 'netns')
  t.regex(error.message, /not found/)
})

test('namespace path that names another namespace later', async (t) => {
  if (inUserNamespace()) {
    t.log('skipped: ip netns add needs root outside a user namespace')
    t.pass()
    return
  }
  // A listing must not follow the path again: by then the path may name
  // another namespace, as /run/netns/NAME does after `ip netns delete` and
  // `ip netns add`, or as /proc/PID/ns/net does once the process id is
  // reused.
  const name = `nftset-reuse-${process.pid}`
  const path = `/run/netns/${name}`
  const add = () => spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' })
  const remove = () => spawnSync('ip', ['netns', 'delete', name], { encoding: 'utf8' })
  const added = add()
  if (added.status !== 0) {
    t.fail(`ip netns add ${name} failed: ${added.stderr}`)
    return
  }
  t.teardown(() => void remove())
  const nft = await Nftables.open({ netns: name })
  t.teardown(() => nft.close())
  await nft.createTable({ family: 'inet', name: 't' })
  await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
  await nft.addElements(ref, ['192.0.2.1'])

  t.is(remove().status, 0)
  t.is(add().status, 0)

  t.deepEqual(await nft.listElements(ref), [{ key: '192.0.2.1' }])
  const fresh = spawnSync('nsenter', [`--net=${path}`, NFT, '-j', 'list', 'ruleset'], { encoding: 'utf8' })
  t.is(fresh.status, 0, fresh.stderr)
  t.deepEqual(JSON.parse(fresh.stdout).nftables.slice(1), [], 'the new namespace at the path is empty')
})

test('every call after close is ERR_CLOSED', async (t) => {
  await withNetns(async (ns) => {
    const nft = await ns.open()
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const generation = await nft.generation()
    const pending = nft.addElements(ref, ['192.0.2.1'])
    nft.close()
    nft.close()

    await pending
    const calls: Record<string, () => Promise<unknown>> = {
      addElements: () => nft.addElements(ref, ['192.0.2.2']),
      transaction: () => nft.transaction((tx) => void tx.flushSet(ref)),
      getElements: () => nft.getElements(ref, ['192.0.2.1']),
      listElements: () => nft.listElements(ref),
      elements: async () => {
        for await (const element of nft.elements(ref)) void element
      },
      countElements: () => nft.countElements(ref),
      getSet: () => nft.getSet(ref),
      resetCounters: () => nft.resetCounters(ref),
      syncElements: () => nft.syncElements(ref, []),
    }
    for (const [name, call] of Object.entries(calls)) {
      const error = await t.throwsAsync(call(), { instanceOf: NftsetError }, name)
      t.is(error?.code, 'ERR_CLOSED', name)
    }
    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.1'], 'the call made before close applied')
    const other = await ns.open()
    t.is(await other.generation(), generation + 1)
    other.close()
  })
})

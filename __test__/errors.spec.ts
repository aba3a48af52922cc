import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test from 'ava'

import { NetlinkSocket, Nftables, NftsetError } from 'nftset'

import { inUserNamespace, NFT, withNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

/** Returns the process id in a `/proc/PID/ns/net` path. */
function pidOf(path: string): number {
  return Number(path.split('/')[2])
}

test('invalid family is ERR_INVALID_ARGUMENT', async (t) => {
  await withNetns(async (_ns, nft) => {
    const error = await t.throwsAsync(nft.createTable({ family: 'ipv4' as 'ip', name: 't' }), {
      instanceOf: NftsetError,
    })

    t.is(error.code, 'ERR_INVALID_ARGUMENT')
    t.is(error.path, 'table.family')
    t.is(error.value, 'ipv4')
    t.regex(error.message, /inet, ip, ip6, arp, bridge, netdev/)

    const listError = await t.throwsAsync(nft.listElements({ ...ref, family: 'foo' as 'ip' }), {
      instanceOf: NftsetError,
    })
    t.is(listError.code, 'ERR_INVALID_ARGUMENT')
    t.is(listError.path, 'set.family')
  })
})

/** Names nftset must reject before sending, and the reason in its message. */
const invalidNames: Array<[string, unknown, RegExp]> = [
  ['empty', '', /empty/],
  ['256 bytes', 'x'.repeat(256), /longer than 255 bytes/],
  ['128 two-byte characters', 'é'.repeat(128), /longer than 255 bytes/],
  ['NUL byte', 'a\0b', /NUL/],
  ['number', 42, /string/],
]

for (const [label, name, reason] of invalidNames) {
  test(`table name rejects ${label}`, async (t) => {
    await withNetns(async (ns, nft) => {
      const error = await t.throwsAsync(nft.createTable({ family: 'inet', name: name as string }), {
        instanceOf: NftsetError,
      })

      t.is(error.code, 'ERR_INVALID_ARGUMENT')
      t.is(error.path, 'table.name')
      t.is(error.value, name)
      t.regex(error.message, reason)
      t.deepEqual(ns.ruleset().slice(1), [])
    })
  })
}

test('set name of 256 bytes is rejected', async (t) => {
  await withNetns(async (_ns, nft) => {
    const error = await t.throwsAsync(nft.getSet({ ...ref, set: 's'.repeat(256) }), { instanceOf: NftsetError })

    t.is(error.code, 'ERR_INVALID_ARGUMENT')
    t.is(error.path, 'set.set')
  })
})

test('names of 255 bytes are accepted', async (t) => {
  await withNetns(async (ns, nft) => {
    const name = 'n'.repeat(255)

    await nft.createTable({ family: 'inet', name })
    await nft.createSet({ family: 'inet', table: name, name, type: 'ipv4_addr' })

    t.deepEqual(ns.elems('inet', name, name), [])
    t.is((await nft.getSet({ family: 'inet', table: name, set: name })).name, name)
  })
})

test('invalid element names its path', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

    const field = await t.throwsAsync(nft.addElements(ref, ['192.0.2.1', { key: '192.0.2.2', timeout: -5 }]), {
      instanceOf: NftsetError,
    })
    t.is(field.code, 'ERR_INVALID_ELEMENT')
    t.is(field.path, 'elements[1].timeout')
    t.is(field.elementIndex, 1)
    t.is(field.value, -5)

    const text = await t.throwsAsync(nft.addElements(ref, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.300']), {
      instanceOf: NftsetError,
    })
    t.is(text.code, 'ERR_INVALID_ELEMENT')
    t.is(text.path, 'elements[3]')
    t.is(text.elementIndex, 3)
    t.is(text.element, '192.0.2.300')
    t.is(text.operation, 'add element')
    t.is(text.table, 't')
    t.is(text.set, 's')

    const prefix = await t.throwsAsync(nft.addElements(ref, ['10.0.0.0/8']), { instanceOf: NftsetError })
    t.is(prefix.code, 'ERR_INVALID_ELEMENT')
    t.is(prefix.element, '10.0.0.0/8')
    t.regex(prefix.message, /flags interval/)

    t.deepEqual(ns.elems('inet', 't', 's'), [])
  })
})

test('empty string element is invalid', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

    const alone = await t.throwsAsync(nft.addElements(ref, ['']), { instanceOf: NftsetError })
    t.is(alone.code, 'ERR_INVALID_ELEMENT')
    t.is(alone.elementIndex, 0)

    const second = await t.throwsAsync(nft.addElements(ref, ['192.0.2.1', '']), { instanceOf: NftsetError })
    t.is(second.code, 'ERR_INVALID_ELEMENT')
    t.is(second.elementIndex, 1)

    const lookup = await t.throwsAsync(nft.getElements(ref, ['']), { instanceOf: NftsetError })
    t.is(lookup.code, 'ERR_INVALID_ELEMENT')
    t.is(lookup.elementIndex, 0)

    t.deepEqual(ns.elems('inet', 't', 's'), [])
  })
})

test('EPERM without CAP_NET_ADMIN', async (t) => {
  await withNetns(async (ns) => {
    // A new user namespace keeps the network namespace but drops every
    // capability over it, as an unprivileged process would have.
    const script = `
      const { Nftables } = require('nftset')
      Nftables.open().then(async (nft) => {
        const error = await nft.createTable({ family: 'inet', name: 't' }).catch((error) => error)
        console.log(JSON.stringify({ name: error.name, code: error.code, errno: error.errno }))
        nft.close()
      })`
    const root = join(__dirname, '..', '..')
    const child = spawnSync('nsenter', [`--net=${ns.path}`, 'unshare', '-U', '--', process.execPath, '-e', script], {
      cwd: root,
      encoding: 'utf8',
    })

    t.is(child.stderr, '')
    t.deepEqual(JSON.parse(child.stdout), { name: 'NftsetError', code: 'EPERM', errno: 1 })
    t.deepEqual(ns.ruleset().slice(1), [])
  })
})

test('missing namespace path is ERR_NETNS', async (t) => {
  const error = await t.throwsAsync(Nftables.open({ netns: '/run/netns/nftset-test-missing' }), {
    instanceOf: NftsetError,
  })
  t.is(error.code, 'ERR_NETNS')
  t.regex(error.message, /\/run\/netns\/nftset-test-missing not found/)

  const byName = await t.throwsAsync(Nftables.open({ netns: 'nftset-test-missing' }), { instanceOf: NftsetError })
  t.is(byName.code, 'ERR_NETNS')
  t.regex(byName.message, /\/run\/netns\/nftset-test-missing/)

  const socket = await t.throwsAsync(NetlinkSocket.open({ netns: '/run/netns/nftset-test-missing' }), {
    instanceOf: NftsetError,
  })
  t.is(socket.code, 'ERR_NETNS')
})

test('dead process id is ERR_NETNS', async (t) => {
  const child = spawn('true')
  await once(child, 'exit')

  const error = await t.throwsAsync(Nftables.open({ netns: child.pid! }), { instanceOf: NftsetError })

  t.is(error.code, 'ERR_NETNS')
  t.regex(error.message, new RegExp(`/proc/${child.pid}/ns/net`))
})

test('file that is not a namespace is ERR_NETNS', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'nftset-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const file = join(directory, 'plain')
  writeFileSync(file, 'not a namespace\n')

  for (const path of [file, directory, '/proc/self/ns/uts']) {
    const error = await t.throwsAsync(Nftables.open({ netns: path }), { instanceOf: NftsetError })
    t.is(error.code, 'ERR_NETNS', path)
    t.regex(error.message, /is not a network namespace/, path)
  }
})

test('open options are validated', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ netns: 0 }, 'options.netns'],
    [{ netns: -5 }, 'options.netns'],
    [{ netns: '' }, 'options.netns'],
    [{ netns: 'blue', extra: true }, 'options'],
  ]
  for (const [options, path] of cases) {
    const error = await t.throwsAsync(Nftables.open(options as { netns: string }), { instanceOf: NftsetError })
    t.is(error.code, 'ERR_INVALID_ARGUMENT', JSON.stringify(options))
    t.is(error.path, path, JSON.stringify(options))
  }
})

test('ERR_CLOSED after close', async (t) => {
  await withNetns(async (ns) => {
    const nft = await ns.open()
    t.false(nft.closed)

    const pending = nft.generation()
    nft.close()
    t.true(nft.closed)
    t.is(typeof (await pending), 'number', 'a call made before close completes')

    for (const call of [
      () => nft.generation(),
      () => nft.listSets(),
      () => nft.createTable({ family: 'inet', name: 't' }),
      () => nft.addElements(ref, ['192.0.2.1']),
    ]) {
      const error = await t.throwsAsync(call(), { instanceOf: NftsetError })
      t.is(error.code, 'ERR_CLOSED')
    }
    nft.close()
    t.deepEqual(ns.ruleset().slice(1), [])

    const socket = await NetlinkSocket.open({ netns: ns.path })
    socket.close()
    const error = await t.throwsAsync(socket.send(Buffer.alloc(20)), { instanceOf: NftsetError })
    t.is(error.code, 'ERR_CLOSED')
  })
})

test('generation option detects a concurrent commit', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const generation = await nft.generation()
    ns.nft('add', 'element', 'inet', 't', 's', '{ 192.0.2.9 }')

    const error = await t.throwsAsync(nft.addElements(ref, ['192.0.2.1'], { generation }), {
      instanceOf: NftsetError,
    })

    t.is(error.code, 'ERR_GENERATION_CONFLICT')
    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.9'])
  })
})

test('open by path and by process id', async (t) => {
  await withNetns(async (ns) => {
    const byPath = await Nftables.open({ netns: ns.path })
    await byPath.createTable({ family: 'inet', name: 'by_path' })
    byPath.close()

    const byPid = await Nftables.open({ netns: pidOf(ns.path) })
    await byPid.createTable({ family: 'inet', name: 'by_pid' })
    byPid.close()

    t.deepEqual(ns.ruleset().slice(1), [
      { table: { family: 'inet', name: 'by_path', handle: 1 } },
      { table: { family: 'inet', name: 'by_pid', handle: 2 } },
    ])
  })
})

test('open by ip netns name', async (t) => {
  if (inUserNamespace()) {
    t.log('skipped: ip netns add needs root outside a user namespace')
    t.pass()
    return
  }
  // `ip netns add` creates a namespace and bind-mounts it at /run/netns/NAME.
  const name = `nftset-test-${process.pid}`
  const added = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' })
  if (added.status !== 0) {
    t.fail(`ip netns add ${name} failed: ${added.stderr}`)
    return
  }
  t.teardown(() => {
    spawnSync('ip', ['netns', 'delete', name])
  })

  const nft = await Nftables.open({ netns: name })
  try {
    await nft.createTable({ family: 'inet', name: 'named' })
  } finally {
    nft.close()
  }

  const listed = spawnSync('nsenter', [`--net=/run/netns/${name}`, NFT, '-j', 'list', 'ruleset'], { encoding: 'utf8' })
  t.is(listed.status, 0, listed.stderr)
  t.deepEqual(JSON.parse(listed.stdout).nftables.slice(1), [{ table: { family: 'inet', name: 'named', handle: 1 } }])
})

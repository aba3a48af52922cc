/**
 * The runnable examples in examples/. Each one runs as its own process,
 * compiled to build/examples/, with NFTSET_NETNS naming a throwaway
 * namespace; the test checks what it prints and then what nft lists.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

import test from 'ava'

import { nftElems } from './helpers/contents.js'
import { TestNetns } from './helpers/netns.js'

const root = resolve(__dirname, '..', '..')
const blocklistFile = join(root, 'examples', 'blocklist.txt')

/** Runs build/examples/NAME.js with NFTSET_NETNS set to `ns`; returns its output lines. */
async function runExample(name: string, ns: TestNetns, args: string[] = []): Promise<string[]> {
  const script = join(root, 'build', 'examples', `${name}.js`)
  const { stdout } = await promisify(execFile)(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...process.env, NFTSET_NETNS: ns.path },
    encoding: 'utf8',
  })
  return stdout.trimEnd().split('\n')
}

/** Runs `body` with a fresh namespace and destroys it afterwards. */
async function withNamespace(body: (ns: TestNetns) => Promise<void>): Promise<void> {
  const ns = await TestNetns.create()
  try {
    await body(ns)
  } finally {
    await ns.destroy()
  }
}

test('blocklist loader loads and then syncs a file', async (t) => {
  await withNamespace(async (ns) => {
    const blocked = { family: 'inet', table: 'blocklist', set: 'blocked' } as const

    t.deepEqual(await runExample('blocklist-loader', ns, [blocklistFile]), [
      `${blocklistFile}: added 9, removed 0; inet blocklist blocked contains 9 elements`,
    ])
    t.is(nftElems(ns, blocked).length, 9)
    t.true(nftElems(ns, blocked).includes('192.0.2.7'))

    t.deepEqual(await runExample('blocklist-loader', ns, [blocklistFile]), [
      `${blocklistFile}: added 0, removed 0; inet blocklist blocked contains 9 elements`,
    ])

    // The next version of the list drops one address and adds a prefix.
    const directory = mkdtempSync(join(tmpdir(), 'nftset-blocklist-'))
    try {
      const changed = join(directory, 'blocklist.txt')
      const lines = readFileSync(blocklistFile, 'utf8').split('\n')
      writeFileSync(changed, [...lines.filter((line) => line !== '192.0.2.7'), '10.0.0.0/8', ''].join('\n'))

      t.deepEqual(await runExample('blocklist-loader', ns, [changed]), [
        `${changed}: added 1, removed 1; inet blocklist blocked contains 9 elements`,
      ])
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
    const elems = nftElems(ns, blocked)
    t.is(elems.length, 9)
    t.false(elems.includes('192.0.2.7'))
    t.deepEqual(elems[0], { prefix: { addr: '10.0.0.0', len: 8 } })
  })
})

test('ban with timeout expires by itself', async (t) => {
  await withNamespace(async (ns) => {
    const [banned, during, after, left, ...rest] = await runExample('ban-timeout', ns)

    t.regex(banned, /^banned 192\.0\.2\.10 for 2000 ms \(sshd: 5 failed logins\), \d+ ms left$/)
    const remaining = Number(/, (\d+) ms left$/.exec(banned)?.[1])
    t.true(remaining > 0 && remaining <= 2000, `remaining time ${remaining} ms`)
    t.is(during, '192.0.2.10 banned: true')
    t.is(after, 'after 2500 ms: 192.0.2.10 banned: false')
    t.is(left, 'elements left: 0')
    t.deepEqual(rest, [])

    t.deepEqual(nftElems(ns, { family: 'inet', table: 'fail2ban', set: 'banned' }), [])
  })
})

test('port router fills a verdict map and hooks it', async (t) => {
  await withNamespace(async (ns) => {
    t.deepEqual(await runExample('port-router', ns), [
      'tcp dport 22 -> goto ssh',
      'tcp dport 23 -> accept',
      'tcp dport 80 -> jump web',
      'tcp dport 443 -> jump web',
      'tcp dport 8080 -> jump web',
      'hooked with nft: tcp dport vmap @ports in chain inet router input',
    ])

    t.deepEqual(nftElems(ns, { family: 'inet', table: 'router', set: 'ports' }), [
      [22, { goto: { target: 'ssh' } }],
      [23, { accept: null }],
      [80, { jump: { target: 'web' } }],
      [443, { jump: { target: 'web' } }],
      [8080, { jump: { target: 'web' } }],
    ])

    const input = JSON.parse(ns.nft('-j', 'list', 'chain', 'inet', 'router', 'input')) as {
      nftables: Array<{ rule?: { expr: unknown[] } }>
    }
    const rules = input.nftables.filter((item) => item.rule !== undefined).map((item) => item.rule!.expr)
    t.deepEqual(rules, [[{ vmap: { key: { payload: { protocol: 'tcp', field: 'dport' } }, data: '@ports' } }]])
  })
})

test('netns example leaves the host namespace alone', async (t) => {
  await withNamespace(async (ns) => {
    const [inner, host, ...rest] = await runExample('netns', ns)

    t.regex(inner, /^namespace of pid \d+: inet agent allowed contains 192\.0\.2\.0\/28, 198\.51\.100\.7$/)
    t.regex(host, /^host: generation (\d+) before, \1 after; 0 sets$/)
    t.deepEqual(rest, [])

    // The example's host namespace is the throwaway one: still empty.
    const tables = ns.ruleset().filter((item) => (item as { table?: unknown }).table !== undefined)
    t.deepEqual(tables, [])
  })
})

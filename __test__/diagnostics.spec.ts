import { spawnSync } from 'node:child_process'

import test from 'ava'

import { TestNetns } from './helpers/netns.js'

/** Runs a small program that commits one transaction in `netns`, with `env` added. */
function runTransaction(netns: string, env: Record<string, string>) {
  const program = `
    const { Nftables } = require('nftset')
    ;(async () => {
      const nft = await Nftables.open({ netns: ${JSON.stringify(netns)} })
      await nft.transaction((tx) => {
        tx.createTable({ family: 'inet', name: 't' })
        tx.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
        tx.addElements({ family: 'inet', table: 't', set: 's' }, ['192.0.2.1', { key: '192.0.2.2', comment: 'x' }])
      })
      nft.close()
    })().catch((error) => { console.error(error); process.exit(1) })`
  return spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', env: { ...process.env, ...env } })
}

test('batch diagnostics print nft syntax', async (t) => {
  const ns = await TestNetns.create()
  try {
    const result = runTransaction(ns.path, { NFTSET_DEBUG: 'batch' })
    t.is(result.status, 0, result.stderr)
    t.is(
      result.stderr,
      'add table inet t\n' +
        'add set inet t s { type ipv4_addr; }\n' +
        'add element inet t s { 192.0.2.1, 192.0.2.2 comment "x" }\n',
    )
  } finally {
    await ns.destroy()
  }
})

test('library is silent by default', async (t) => {
  const ns = await TestNetns.create()
  try {
    const result = runTransaction(ns.path, {})
    t.is(result.status, 0, result.stderr)
    t.is(result.stderr, '')
    t.is(result.stdout, '')
  } finally {
    await ns.destroy()
  }
})

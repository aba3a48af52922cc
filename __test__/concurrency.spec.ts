/**
 * Concurrency: many calls in flight on one connection, and several
 * processes writing one set at once. Both check the final contents
 * exactly, through nft.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'

import test from 'ava'

import { withNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

/** Addresses 10.x.y.z, one per index. */
function address(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
}

test('1,750 calls in flight on one connection', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

    // Calls run in the order they were made, so each delete finds the add
    // before it and each lookup sees the state at its turn.
    const calls: Array<Promise<unknown>> = []
    for (let index = 0; index < 500; index++) {
      calls.push(nft.addElements(ref, [address(index)]))
      calls.push(nft.getElements(ref, [address(index)]))
      if (index % 2 === 0) calls.push(nft.deleteElements(ref, [address(index)]))
      calls.push(index % 50 === 0 ? nft.listElements(ref) : nft.generation())
    }
    const results = await Promise.allSettled(calls)

    t.deepEqual(
      results.filter((result) => result.status === 'rejected'),
      [],
    )
    t.is(results.length, 1750)
    const expected = Array.from({ length: 500 }, (_, index) => index)
      .filter((index) => index % 2 === 1)
      .map(address)
      .sort()
    t.deepEqual((ns.elems('inet', 't', 's') as string[]).sort(), expected)
  })
})

/**
 * A child process that opens its own connection in the namespace and runs
 * 10,000 operations on set s, one call each: it adds 7,500 addresses of its
 * own block and deletes every third of them again.
 */
const worker = `
  const { Nftables } = require('nftset')
  const [netns, block] = process.argv.slice(1)
  const ref = { family: 'inet', table: 't', set: 's' }
  const address = (i) => '10.' + block + '.' + (i >> 8) + '.' + (i & 255)
  Nftables.open({ netns }).then(async (nft) => {
    let operations = 0
    for (let i = 0; i < 7500; i++) {
      await nft.addElements(ref, [address(i)])
      operations++
      if (i % 3 === 0) {
        await nft.deleteElements(ref, [address(i)])
        operations++
      }
    }
    console.log(operations)
    nft.close()
  }).catch((error) => { console.error(error); process.exit(1) })`

test('4 processes of 10,000 operations lose nothing', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const before = await nft.generation()
    const root = join(__dirname, '..', '..')

    const children = [1, 2, 3, 4].map((block) => {
      const child = spawn(process.execPath, ['-e', worker, ns.path, String(block)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      return once(child, 'exit').then(([code]) => ({ code, output }))
    })
    const exits = await Promise.all(children)

    for (const [index, exit] of exits.entries()) {
      t.is(exit.code, 0, `process ${index + 1}: ${exit.output}`)
      t.is(exit.output.trim(), '10000', `process ${index + 1} ran 10,000 operations`)
    }
    const expected: string[] = []
    for (const block of [1, 2, 3, 4]) {
      for (let index = 0; index < 7500; index++) {
        if (index % 3 !== 0) expected.push(`10.${block}.${index >> 8}.${index & 255}`)
      }
    }
    const actual = ns.elems('inet', 't', 's') as string[]
    t.is(actual.length, 20000)
    t.deepEqual(actual.sort(), expected.sort())
    t.is(await nft.generation(), before + 40000, 'every operation was one commit')
  })
})

/**
 * Socket buffers that are too small: replies lost to a full receive buffer
 * (ENOBUFS), and batches larger than the send buffer (EMSGSIZE). Each case
 * checks the outcome with nft and the ruleset generation.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import test from 'ava'

import { Nftables, NftsetError, type Transaction } from 'nftset'

import { TestNetns, withNetns } from './helpers/netns.js'

const ref = { family: 'inet', table: 't', set: 's' } as const

/** Addresses 10.x.y.z, one per index. */
function address(index: number, prefix = 10): string {
  return `${prefix}.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
}

async function createSet(nft: Nftables): Promise<void> {
  await nft.createTable({ family: 'inet', name: 't' })
  await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
}

/** Opens a connection in the namespace with fixed buffer sizes. */
function openLimited(ns: TestNetns, limits: { sendBuffer?: number; receiveBuffer?: number }): Promise<Nftables> {
  return Nftables.open({ netns: ns.path, ...limits })
}

/** 2,000 one-element adds, each its own message, so the ACKs outnumber what 4 KiB holds. */
function manyMessages(tx: Transaction, prefix: number): void {
  for (let index = 0; index < 2000; index++) tx.addElements(ref, [address(index, prefix)])
}

test('lost ACKs of an applied batch are read back', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    const limited = await openLimited(ns, { receiveBuffer: 4096 })
    t.teardown(() => limited.close())
    const before = await nft.generation()

    const summary = await limited.transaction((tx) => manyMessages(tx, 10), { ackEveryMessage: true })

    t.true(summary.repliesLost, 'the ACKs overflowed the receive buffer')
    t.is(summary.batches, 1)
    t.is(await nft.generation(), before + 1)
    t.is(ns.elems('inet', 't', 's').length, 2000)
  })
})

test('lost error of a rejected batch is ENOBUFS', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    const limited = await openLimited(ns, { receiveBuffer: 4096 })
    t.teardown(() => limited.close())
    const before = await nft.generation()
    const ruleset = ns.ruleset()

    const error = await t.throwsAsync(
      limited.transaction(
        (tx) => {
          manyMessages(tx, 10)
          // The last message fails; its error is queued after 2,000 ACKs.
          tx.deleteElements(ref, ['192.0.2.99'])
        },
        { ackEveryMessage: true },
      ),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ENOBUFS')
    t.is(error.errno, 105)
    t.regex(error.message, /overflowed the socket receive buffer/)
    t.regex(error.message, /Nothing was applied/)
    t.is(await nft.generation(), before)
    t.deepEqual(ns.ruleset(), ruleset)
  })
})

test('small receive buffer still names the failing element', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    const limited = await openLimited(ns, { receiveBuffer: 4096 })
    t.teardown(() => limited.close())

    const error = await t.throwsAsync(
      limited.transaction((tx) => {
        manyMessages(tx, 10)
        tx.deleteElements(ref, ['192.0.2.99'])
      }),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ENOENT', 'without ACKs only the error is queued')
    t.is(error.element, '192.0.2.99')
    t.is(error.operationIndex, 2000)
    t.deepEqual(ns.elems('inet', 't', 's'), [])
  })
})

test('batch over the send buffer fails with EMSGSIZE', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    const limited = await openLimited(ns, { sendBuffer: 262144 })
    t.teardown(() => limited.close())
    const before = await nft.generation()
    const ruleset = ns.ruleset()
    const elements = Array.from({ length: 20000 }, (_, index) => address(index))

    const error = await t.throwsAsync(limited.addElements(ref, elements), { instanceOf: NftsetError })

    t.is(error.code, 'EMSGSIZE')
    t.is(error.errno, 90)
    t.regex(error.message, /raise the sendBuffer option/)
    t.regex(error.message, /ifTooLarge: 'split'/)
    t.regex(error.message, /Nothing was sent/)
    t.is(await nft.generation(), before)
    t.deepEqual(ns.ruleset(), ruleset)
  })
})

test('ifTooLarge split sends several batches', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    const limited = await openLimited(ns, { sendBuffer: 262144 })
    t.teardown(() => limited.close())
    const before = await nft.generation()
    const elements = Array.from({ length: 20000 }, (_, index) => address(index))

    const summary = await limited.addElements(ref, elements, { ifTooLarge: 'split' })

    t.true(summary.batches >= 2, `${summary.batches} batches`)
    t.is(await nft.generation(), before + summary.batches, 'each batch is one commit')
    t.is(ns.elems('inet', 't', 's').length, 20000)
  })
})

test('failed split batch keeps the batches before it', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    const limited = await openLimited(ns, { sendBuffer: 262144 })
    t.teardown(() => limited.close())
    const elements = Array.from({ length: 20000 }, (_, index) => address(index))

    const error = await t.throwsAsync(
      limited.transaction(
        (tx) => {
          tx.addElements(ref, elements)
          tx.deleteElements(ref, ['192.0.2.99'])
        },
        { ifTooLarge: 'split' },
      ),
      { instanceOf: NftsetError },
    )

    t.is(error.code, 'ENOENT')
    t.is(error.element, '192.0.2.99')
    t.is(error.batchIndex, error.batchCount! - 1, 'the last batch holds the delete')
    t.true(error.batchCount! >= 2)
    t.regex(error.message, /were applied and stay applied|was applied and stays applied/)
    const present = new Set(ns.elems('inet', 't', 's') as string[])
    t.true(present.size > 0 && present.size < elements.length, `${present.size} elements applied`)
    const firstMissing = elements.findIndex((element) => !present.has(element))
    t.is(firstMissing, present.size, 'the applied elements are the batches before the failing one')
  })
})

test('EMSGSIZE in a user namespace without SO_SNDBUFFORCE', async (t) => {
  // In a user namespace the send buffer cannot be forced past
  // net.core.wmem_max, so a large enough batch does not fit; with
  // ifTooLarge: 'split' it goes out in several batches.
  const script = `
    const { Nftables } = require('nftset')
    const fs = require('node:fs')
    const max = Number(fs.readFileSync('/proc/sys/net/core/wmem_max', 'utf8'))
    // About 17 bytes of batch per element: enough to pass twice wmem_max.
    const count = Math.ceil((2 * max + (1 << 20)) / 16)
    const elements = Array.from({ length: count }, (_, i) => '10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255))
    const ref = { family: 'inet', table: 't', set: 's' }
    Nftables.open().then(async (nft) => {
      await nft.createTable({ family: 'inet', name: 't' })
      await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
      const failed = await nft.addElements(ref, elements).catch((error) => error)
      const split = await nft.addElements(ref, elements, { ifTooLarge: 'split' })
      const count2 = await nft.countElements(ref)
      console.log(JSON.stringify({ code: failed.code, message: failed.message, batches: split.batches, count, listed: count2 }))
      nft.close()
    })`
  const root = join(__dirname, '..', '..')
  const child = spawnSync('unshare', ['-rn', '--', process.execPath, '-e', script], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })

  t.is(child.stderr, '')
  const result = JSON.parse(child.stdout) as { code: string; message: string; batches: number; count: number; listed: number }
  t.is(result.code, 'EMSGSIZE')
  t.regex(result.message, /raise net\.core\.wmem_max/)
  t.true(result.batches >= 2, `${result.batches} batches`)
  t.is(result.listed, result.count)
})

/**
 * Element timeouts. A timeout needs a set with timeout support, which the
 * kernel enforces with EINVAL and nftset checks before sending. Expired
 * elements drop out of listings at once, and deleting one is ENOENT. The
 * kernel takes timeouts as big-endian 64-bit milliseconds.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { withNetns } from './helpers/netns.js'
import { probeNewElements } from './helpers/raw-netlink.js'
import { assertRejects } from './helpers/rejects.js'

const plain = { family: 'inet', table: 't', set: 'plain' } as const
const tflag = { family: 'inet', table: 't', set: 'tflag' } as const
const tdef = { family: 'inet', table: 't', set: 'tdef' } as const

async function createSets(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 'plain', type: 'ipv4_addr' })
    tx.createSet({ family: 'inet', table: 't', name: 'tflag', type: 'ipv4_addr', flags: ['timeout'] })
    tx.createSet({ family: 'inet', table: 't', name: 'tdef', type: 'ipv4_addr', timeout: '2s' })
  })
}

test('timeout on a set without timeout support is rejected', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)
    const generation = await nft.generation()

    await assertRejects(t, nft.addElements(plain, ['192.0.2.1 timeout 10s']), {
      code: 'ERR_INVALID_ELEMENT',
      operation: 'add element',
      set: 'plain',
      path: 'elements[0]',
      elementIndex: 0,
      element: '192.0.2.1 timeout 10s',
      words: ['does not support timeouts', 'flags timeout'],
    })
    await assertRejects(t, nft.addElements(plain, [{ key: '192.0.2.1', timeout: 10_000 }]), {
      code: 'ERR_INVALID_ELEMENT',
      path: 'elements[0]',
      elementIndex: 0,
      element: '192.0.2.1 timeout 10000ms',
      words: ['does not support timeouts'],
    })
    t.is(await nft.generation(), generation, 'nothing was sent')

    // What the kernel returns for the same request.
    const result = await probeNewElements(ns.path, {
      table: 't',
      set: 'plain',
      elements: [{ key: 'c0000201', timeoutMs: 10_000 }],
    })
    t.is(result, 'EINVAL')
    await assertContents(t, ns, nft, plain, { json: [], listed: [] })
  })
})

test('expired elements vanish and cannot be deleted', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)

    await nft.addElements(tflag, ['192.0.2.1 timeout 1h', '192.0.2.2 timeout 2s', '192.0.2.3'])
    await nft.addElements(tdef, ['198.51.100.7'])

    await assertContents(t, ns, nft, tflag, {
      json: [
        { elem: { val: '192.0.2.1', timeout: 3600 } },
        { elem: { val: '192.0.2.2', timeout: 2 } },
        '192.0.2.3',
      ],
      listed: [
        { key: '192.0.2.1', timeout: 3_600_000 },
        { key: '192.0.2.2', timeout: 2000 },
        { key: '192.0.2.3' },
      ],
    })
    // The set's default timeout is not repeated on the element.
    await assertContents(t, ns, nft, tdef, {
      json: [{ elem: { val: '198.51.100.7' } }],
      listed: [{ key: '198.51.100.7' }],
    })
    const [listed] = await nft.listElements(tdef)
    t.true(listed.expires !== undefined && listed.expires > 0 && listed.expires <= 2000, `expires ${listed.expires}`)

    await sleep(2500)

    await assertContents(t, ns, nft, tflag, {
      json: [{ elem: { val: '192.0.2.1', timeout: 3600 } }, '192.0.2.3'],
      listed: [{ key: '192.0.2.1', timeout: 3_600_000 }, { key: '192.0.2.3' }],
    })
    await assertContents(t, ns, nft, tdef, { json: [], listed: [] })
    await assertRejects(t, nft.deleteElements(tdef, ['198.51.100.7']), {
      code: 'ENOENT',
      errno: 2,
      operation: 'delete element',
      set: 'tdef',
      elementIndex: 0,
      element: '198.51.100.7',
      words: ['not found', 'Nothing was applied'],
    })
  })
})

test('timeouts go out in milliseconds', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSets(nft)

    const result = await probeNewElements(ns.path, {
      table: 't',
      set: 'tflag',
      elements: [{ key: 'c0000204', timeoutMs: 90_000 }],
    })
    t.is(result, 'OK')
    await nft.addElements(tflag, [{ key: '192.0.2.5', timeout: 90_000 }, '192.0.2.6 timeout 1m30s'])

    const listing = ns.nft('list', 'set', 'inet', 't', 'tflag')
    for (const address of ['192.0.2.4', '192.0.2.5', '192.0.2.6']) {
      t.true(listing.includes(`${address} timeout 1m30s`), listing)
    }
    await assertContents(t, ns, nft, tflag, {
      json: [
        { elem: { val: '192.0.2.4', timeout: 90 } },
        { elem: { val: '192.0.2.5', timeout: 90 } },
        { elem: { val: '192.0.2.6', timeout: 90 } },
      ],
      listed: [
        { key: '192.0.2.4', timeout: 90_000 },
        { key: '192.0.2.5', timeout: 90_000 },
        { key: '192.0.2.6', timeout: 90_000 },
      ],
    })
  })
})

test('expires longer than the timeout is rejected', async (t) => {
  await withNetns(async (_ns, nft) => {
    await createSets(nft)

    await assertRejects(t, nft.addElements(tflag, [{ key: '192.0.2.6', timeout: '1m', expires: '2m' }]), {
      code: 'ERR_INVALID_ELEMENT',
      elementIndex: 0,
      element: '192.0.2.6 timeout 1m expires 2m',
      words: ['expires 2m', 'longer than the timeout 1m'],
    })
    await nft.addElements(tflag, [{ key: '192.0.2.7', timeout: '1m', expires: '20s' }])

    const [element] = await nft.listElements(tflag)
    t.is(element.key, '192.0.2.7')
    t.is(element.timeout, 60_000)
    t.true(element.expires !== undefined && element.expires <= 20_000 && element.expires > 15_000, `${element.expires}`)
  })
})

/**
 * Prefixes and ranges in a set declared without `flags interval`. The
 * kernel stores the first address of a prefix sent to such a set and drops
 * the mask without an error, so nftset rejects the element before sending,
 * as nft does.
 */
import test from 'ava'
import type { ElementInput, Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { withNetns } from './helpers/netns.js'
import { probeNewElements } from './helpers/raw-netlink.js'
import { assertRejects } from './helpers/rejects.js'

const s = { family: 'inet', table: 't', set: 's' } as const

async function createPlainSet(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
  })
}

const rejected: Array<{ input: ElementInput; shown: string }> = [
  { input: '192.0.2.0/24', shown: '192.0.2.0/24' },
  { input: '192.0.2.10/32', shown: '192.0.2.10/32' },
  { input: { key: '192.0.2.0/24' }, shown: '192.0.2.0/24' },
  { input: '192.0.2.1-192.0.2.3', shown: '192.0.2.1-192.0.2.3' },
]

test('prefix without flags interval is rejected before sending', async (t) => {
  await withNetns(async (ns, nft) => {
    await createPlainSet(nft)
    const generation = await nft.generation()

    for (const { input, shown } of rejected) {
      await assertRejects(t, nft.addElements(s, [input]), {
        code: 'ERR_INVALID_ELEMENT',
        path: 'elements[0]',
        elementIndex: 0,
        element: shown,
        operation: 'add element',
        family: 'inet',
        table: 't',
        set: 's',
        words: ['flags interval', shown],
      })
    }

    t.is(await nft.generation(), generation, 'nothing was sent')
    await assertContents(t, ns, nft, s, { json: [], listed: [] })
  })
})

test('raw prefix key is stored as one address', async (t) => {
  await withNetns(async (ns, nft) => {
    await createPlainSet(nft)

    // The 4 network bytes of 192.0.2.0/24 with the mask lost.
    const result = await probeNewElements(ns.path, { table: 't', set: 's', elements: [{ key: 'c0000200' }] })
    t.is(result, 'OK')
    await assertContents(t, ns, nft, s, { json: ['192.0.2.0'], listed: [{ key: '192.0.2.0' }] })

    await assertRejects(t, nft.getElements(s, ['192.0.2.77']), {
      code: 'ENOENT',
      errno: 2,
      operation: 'get element',
      elementIndex: 0,
      element: '192.0.2.77',
      set: 's',
      words: ['not found'],
    })
    const lookup = ns.nftResult(['get', 'element', 'inet', 't', 's', '{ 192.0.2.77 }'])
    t.not(lookup.status, 0)
    t.true(lookup.stderr.includes('No such file or directory'), lookup.stderr)
  })
})

test('interval end flag on a plain set is EINVAL', async (t) => {
  await withNetns(async (ns, nft) => {
    await createPlainSet(nft)

    // The same request with flags 0 shows that the encoding is sound.
    const control = await probeNewElements(ns.path, {
      table: 't',
      set: 's',
      elements: [{ key: 'c0000301', flags: 0 }],
    })
    t.is(control, 'OK')
    const result = await probeNewElements(ns.path, {
      table: 't',
      set: 's',
      elements: [{ key: 'c0000300', flags: 1 }],
    })
    t.is(result, 'EINVAL')
    await assertContents(t, ns, nft, s, { json: ['192.0.3.1'], listed: [{ key: '192.0.3.1' }] })
  })
})

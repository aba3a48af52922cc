/**
 * Element comments. nft accepts comments of up to 128 bytes and nftset
 * checks the same limit before sending. The kernel itself takes up to 256
 * bytes of element userdata, the comment record included, and returns
 * ERANGE above that. Adding an element again never changes its comment.
 */
import test from 'ava'
import type { Nftables } from 'nftset'

import { assertContents } from './helpers/contents.js'
import { withNetns } from './helpers/netns.js'
import { probeNewElements } from './helpers/raw-netlink.js'
import { assertRejects } from './helpers/rejects.js'

const s = { family: 'inet', table: 't', set: 's' } as const
const comment128 = 'c'.repeat(128)
const comment129 = 'c'.repeat(129)

async function createSet(nft: Nftables): Promise<void> {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
  })
}

const with128 = {
  json: [{ elem: { val: '192.0.2.1', comment: comment128 } }],
  listed: [{ key: '192.0.2.1', comment: comment128 }],
}

test('128-byte comment is accepted', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)

    await nft.addElements(s, [`192.0.2.1 comment "${comment128}"`])

    await assertContents(t, ns, nft, s, with128)
  })
})

test('129-byte comment rejects the whole transaction', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    await nft.addElements(s, [`192.0.2.1 comment "${comment128}"`])
    const generation = await nft.generation()

    const long = `192.0.2.2 comment "${comment129}"`
    const transaction = nft.transaction((tx) => {
      tx.addElements(s, ['192.0.2.3 comment "ns/svc:http"'])
      tx.addElements(s, [long])
    })
    await assertRejects(t, transaction, {
      code: 'ERR_INVALID_ELEMENT',
      operation: 'add element',
      operationIndex: 1,
      set: 's',
      path: 'elements[0]',
      elementIndex: 0,
      element: long,
      words: ['129 bytes', 'at most 128'],
    })

    await assertRejects(t, nft.addElements(s, ['192.0.2.4', { key: '192.0.2.2', comment: comment129 }]), {
      code: 'ERR_INVALID_ELEMENT',
      path: 'elements[1].comment',
      elementIndex: 1,
      element: '192.0.2.2',
      words: ['at most 128 bytes'],
    })

    t.is(await nft.generation(), generation, 'nothing was sent')
    await assertContents(t, ns, nft, s, with128)
  })
})

test('adding again does not change a comment', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)
    await nft.addElements(s, [`192.0.2.1 comment "${comment128}"`])

    await nft.addElements(s, ['192.0.2.3 comment "ns/svc:http"'])
    await nft.addElements(s, ['192.0.2.3 comment "changed"'])
    await nft.addElements(s, [{ key: '192.0.2.3', comment: 'changed again' }])

    await assertContents(t, ns, nft, s, {
      json: [...with128.json, { elem: { val: '192.0.2.3', comment: 'ns/svc:http' } }],
      listed: [...with128.listed, { key: '192.0.2.3', comment: 'ns/svc:http' }],
    })
  })
})

test('kernel takes up to 256 bytes of userdata', async (t) => {
  await withNetns(async (ns, nft) => {
    await createSet(nft)

    // A comment record is type 0, a length byte counting the NUL, the text
    // and the NUL: 203 bytes for 200 characters.
    const record = (text: string) =>
      Buffer.concat([Buffer.from([0, text.length + 1]), Buffer.from(text), Buffer.from([0])]).toString('hex')
    const comment200 = 'y'.repeat(200)
    const accepted = await probeNewElements(ns.path, {
      table: 't',
      set: 's',
      elements: [{ key: 'c0000204', userdata: record(comment200) }],
    })
    t.is(accepted, 'OK')

    // Two records of 257 bytes each: 514 bytes.
    const tooLong = record('z'.repeat(254)).repeat(2)
    t.is(tooLong.length / 2, 514)
    const rejected = await probeNewElements(ns.path, {
      table: 't',
      set: 's',
      elements: [{ key: 'c0000205', userdata: tooLong }],
    })
    t.is(rejected, 'ERANGE')

    const listing = ns.nft('list', 'set', 'inet', 't', 's')
    t.true(listing.includes(`192.0.2.4 comment "${comment200}"`), listing)
    await assertContents(t, ns, nft, s, {
      json: [{ elem: { val: '192.0.2.4', comment: comment200 } }],
      listed: [{ key: '192.0.2.4', comment: comment200 }],
    })
  })
})

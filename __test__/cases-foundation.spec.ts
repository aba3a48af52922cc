/**
 * Real-world cases of deleting, adding, byte order and scale, with the
 * outcomes checked against nft 1.0.6 and Linux 6.18. Each case runs the
 * steps through nftset, checks the set through nft, and sends the raw
 * requests whose kernel reply the case records with the low-level API.
 */
import test from 'ava'

import { NFPROTO_INET, NftsetError } from 'nftset'

import { inUserNamespace, withNetns } from './helpers/netns.js'
import { numberedKeys, probe, sendBatch, wrappedElementBatch } from './helpers/wire.js'

const ENOENT = -2
const EEXIST = -17
const EINVAL = -22

const s = { family: 'inet', table: 't', set: 's' } as const

/** Sorts mixed strings and numbers by their JSON text. */
function sorted(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}

test('delete of a missing element aborts the batch', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await nft.addElements(s, ['192.0.2.1', '192.0.2.2'])

    await nft.deleteElements(s, ['192.0.2.1'])

    const again = await t.throwsAsync(nft.deleteElements(s, ['192.0.2.1']), { instanceOf: NftsetError })
    t.is(again.code, 'ENOENT')
    t.is(again.elementIndex, 0)
    t.is(again.element, '192.0.2.1')

    // One missing element in a multi-element delete: 192.0.2.2 survives.
    const mixed = await t.throwsAsync(nft.deleteElements(s, ['192.0.2.2', '192.0.2.9']), { instanceOf: NftsetError })
    t.is(mixed.code, 'ENOENT')
    t.is(mixed.elementIndex, 1)
    t.is(mixed.element, '192.0.2.9')
    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.2'])

    // The same with the two deletes as separate operations of one transaction.
    const twoOps = await t.throwsAsync(
      nft.transaction((tx) => {
        tx.deleteElements(s, ['192.0.2.2'])
        tx.deleteElements(s, ['192.0.2.9'])
      }),
      { instanceOf: NftsetError },
    )
    t.is(twoOps.code, 'ENOENT')
    t.is(twoOps.operationIndex, 1)
    t.is(twoOps.operation, 'delete element')
    t.is(twoOps.element, '192.0.2.9')
    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.2'])
  })
})

test('delete if present, two ways', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await nft.addElements(s, ['192.0.2.2'])

    // Portable: add, then delete, in one transaction.
    await nft.transaction((tx) => {
      tx.addElements(s, ['192.0.2.9'])
      tx.deleteElements(s, ['192.0.2.9'])
    })
    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.2'])

    // Linux 6.3+: DESTROYSETELEM ignores a missing element.
    await nft.destroyElements(s, ['192.0.2.9'])
    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.2'])
  })
})

test('raw DEL and DESTROY of a missing key', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await nft.addElements(s, ['192.0.2.2'])
    const request = { family: NFPROTO_INET, table: 't', set: 's' }

    t.is(await probe(ns.path, { ...request, verb: 'del', keys: ['c0000209'] }), ENOENT)
    t.is(await probe(ns.path, { ...request, verb: 'destroy', keys: ['c0000209'] }), 0)
    t.is(await probe(ns.path, { ...request, verb: 'destroy', keys: ['c0000202'] }), 0)

    t.deepEqual(ns.elems('inet', 't', 's'), [])
  })
})

test('add is a no-op, create is EEXIST', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

    await nft.addElements(s, ['192.0.2.1'])
    await nft.addElements(s, ['192.0.2.1'])
    await nft.addElements(s, ['192.0.2.3', '192.0.2.3'])

    const existing = await t.throwsAsync(nft.createElements(s, ['192.0.2.1']), { instanceOf: NftsetError })
    t.is(existing.code, 'EEXIST')
    t.is(existing.operation, 'create element')
    t.is(existing.element, '192.0.2.1')

    // A mix of new and existing keys fails whole: 192.0.2.4 is not added.
    const mixed = await t.throwsAsync(nft.createElements(s, ['192.0.2.4', '192.0.2.1']), { instanceOf: NftsetError })
    t.is(mixed.code, 'EEXIST')
    t.is(mixed.elementIndex, 1)
    t.is(mixed.element, '192.0.2.1')

    t.deepEqual(ns.elems('inet', 't', 's').sort(), ['192.0.2.1', '192.0.2.3'])
  })
})

test('raw NEWSETELEM with and without EXCL', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    await nft.addElements(s, ['192.0.2.1'])
    const request = { family: NFPROTO_INET, table: 't', set: 's', keys: ['c0000201'] }

    t.is(await probe(ns.path, { ...request, verb: 'new' }), 0)
    t.is(await probe(ns.path, { ...request, verb: 'create' }), EEXIST)

    t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.1'])
  })
})

/** Sets of the byte-order case, all in `table inet t`. */
const byteOrderSets = {
  mk: 'mark',
  pt: 'inet_service',
  pr: 'inet_proto',
  ea: 'ether_addr',
  ifs: 'ifname',
  v4: 'ipv4_addr',
} as const

test('typed keys get nft byte order', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    for (const [name, type] of Object.entries(byteOrderSets)) {
      await nft.createSet({ family: 'inet', table: 't', name, type })
    }

    await nft.addElements({ ...s, set: 'mk' }, ['0x1', '0x100'])
    await nft.addElements({ ...s, set: 'pt' }, [80, 443])
    await nft.addElements({ ...s, set: 'pr' }, ['tcp', 'udp'])
    await nft.addElements({ ...s, set: 'ea' }, ['00:00:5e:00:53:01'])
    await nft.addElements({ ...s, set: 'ifs' }, ['"eth0"'])

    t.deepEqual(sorted(ns.elems('inet', 't', 'mk')), [1, 256])
    t.deepEqual(sorted(ns.elems('inet', 't', 'pt')), [443, 80])
    t.deepEqual(sorted(ns.elems('inet', 't', 'pr')), ['tcp', 'udp'])
    t.deepEqual(ns.elems('inet', 't', 'ea'), ['00:00:5e:00:53:01'])
    t.deepEqual(ns.elems('inet', 't', 'ifs'), ['eth0'])

    // The bytes nft sends for the same values: an exclusive raw add of
    // exactly those bytes must find the element nftset stored.
    const stored: Array<[string, string]> = [
      ['mk', '01000000'], // mark 0x1, host order (x86)
      ['mk', '00010000'], // mark 0x100
      ['pt', '0050'], // port 80, network order
      ['pt', '01bb'], // port 443
      ['pr', '06'], // tcp, one byte
      ['pr', '11'], // udp
      ['ea', '00005e005301'], // MAC in wire order
      ['ifs', Buffer.from('eth0').toString('hex').padEnd(32, '0')], // NUL-padded to 16
    ]
    for (const [set, key] of stored) {
      const status = await probe(ns.path, { verb: 'create', family: NFPROTO_INET, table: 't', set, keys: [key] })
      t.is(status, EEXIST, `${set} ${key}`)
    }
  })
})

test('raw keys in nft byte order list right', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    for (const [name, type] of Object.entries(byteOrderSets)) {
      await nft.createSet({ family: 'inet', table: 't', name, type })
    }
    await nft.addElements({ ...s, set: 'mk' }, [1, 256])
    await nft.addElements({ ...s, set: 'pt' }, [80, 443])
    await nft.addElements({ ...s, set: 'ea' }, ['00:00:5e:00:53:01'])

    const accepted: Array<[string, string]> = [
      ['mk', '02000000'],
      ['pt', '1f90'],
      ['ea', '00005e005302'],
      ['v4', 'c0000201'],
    ]
    for (const [set, key] of accepted) {
      const status = await probe(ns.path, { verb: 'create', family: NFPROTO_INET, table: 't', set, keys: [key] })
      t.is(status, 0, `${set} ${key}`)
    }

    t.deepEqual(sorted(ns.elems('inet', 't', 'mk')), [1, 2, 256])
    t.deepEqual(sorted(ns.elems('inet', 't', 'pt')), [443, 80, 8080])
    t.deepEqual(ns.elems('inet', 't', 'ea').sort(), ['00:00:5e:00:53:01', '00:00:5e:00:53:02'])
    t.deepEqual(ns.elems('inet', 't', 'v4'), ['192.0.2.1'])

    const keys = async (set: string) => (await nft.listElements({ ...s, set })).map((element) => element.key).sort()
    t.deepEqual(await keys('mk'), ['0x00000001', '0x00000002', '0x00000100'])
    t.deepEqual(await keys('pt'), ['443', '80', '8080'])
    t.deepEqual(await keys('ea'), ['00:00:5e:00:53:01', '00:00:5e:00:53:02'])
    t.deepEqual(await keys('v4'), ['192.0.2.1'])

    // Wrong widths: a 4-byte port or a 2-byte mark.
    t.is(await probe(ns.path, { verb: 'create', family: NFPROTO_INET, table: 't', set: 'pt', keys: ['00001f90'] }), EINVAL)
    t.is(await probe(ns.path, { verb: 'create', family: NFPROTO_INET, table: 't', set: 'mk', keys: ['0200'] }), EINVAL)
  })
})

test('200000 elements in one transaction', async (t) => {
  await withNetns(async (ns, nft) => {
    ns.nftScript('table inet t {\n  set big { type ipv6_addr; }\n  set bigi { type ipv6_addr; flags interval; }\n}\n')
    const hex = (value: number) => value.toString(16)
    const hosts = Array.from({ length: 100_000 }, (_, i) => `2001:db8::${hex(i >> 16)}:${hex(i & 0xffff)}`)
    const prefixes = Array.from({ length: 100_000 }, (_, i) => `2001:db8:${hex(i >> 16)}:${hex(i & 0xffff)}::/64`)

    const load = (options?: { ifTooLarge: 'split' }) =>
      nft.transaction((tx) => {
        tx.addElements({ ...s, set: 'big' }, hosts)
        tx.addElements({ ...s, set: 'bigi' }, prefixes)
      }, options)
    let summary
    if (inUserNamespace()) {
      // In a user namespace the send buffer cannot grow past
      // net.core.wmem_max, so the 10 MB batch does not fit in one sendmsg:
      // nftset says so before sending, and splits it when asked to.
      const error = await t.throwsAsync(load(), { instanceOf: NftsetError })
      t.is(error?.code, 'EMSGSIZE')
      t.regex(error?.message ?? '', /wmem_max/)
      t.deepEqual(ns.elems('inet', 't', 'big'), [], 'nothing was sent')
      summary = await load({ ifTooLarge: 'split' })
    } else {
      summary = await load()
    }

    // Each prefix is a start and an end element on the wire.
    t.is(summary.wireElements, 300_000)
    t.is(ns.elems('inet', 't', 'big').length, 100_000)
    t.is(ns.elems('inet', 't', 'bigi').length, 100_000)
    const listed = await nft.listElements({ ...s, set: 'bigi' })
    t.is(listed.length, 100_000)
    t.deepEqual(listed.slice(0, 2), [{ key: '2001:db8::/64' }, { key: '2001:db8:0:1::/64' }])

    await nft.transaction((tx) => {
      tx.flushSet({ ...s, set: 'big' })
      tx.flushSet({ ...s, set: 'bigi' })
    })
    t.deepEqual(ns.elems('inet', 't', 'big'), [])
    t.deepEqual(ns.elems('inet', 't', 'bigi'), [])
  })
})

test('5000 IPv6 keys take 3 messages', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 'mid', type: 'ipv6_addr' })
    const keys = Array.from({ length: 5000 }, (_, i) => `2001:db8:ffff::${i.toString(16)}`)

    const summary = await nft.addElements({ ...s, set: 'mid' }, keys)

    // nft splits the same list into 3 NEWSETELEM messages of at most 64 KiB.
    t.is(summary.messages, 5, 'BEGIN, 3 element messages, END')
    t.is(ns.elems('inet', 't', 'mid').length, 5000)
  })
})

test('wrapped list length stores only part', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 'wrap', type: 'ipv6_addr' })

    // 3000 keys make an 84004-byte list, sent with length 84004 & 0xffff.
    const keys = numberedKeys('20010db8', 3000, 16)
    const status = await sendBatch(ns.path, wrappedElementBatch(NFPROTO_INET, 't', 'wrap', keys))

    t.is(status, 0, 'the kernel reports success')
    t.is(ns.elems('inet', 't', 'wrap').length, 659)

    await nft.flushSet({ ...s, set: 'wrap' })
    const first = numberedKeys('20010db8', 1500, 16).map((key) => key.toString('hex'))
    const next = numberedKeys('20010db8000100', 1500, 16).map((key) => key.toString('hex'))
    t.is(await probe(ns.path, { verb: 'create', family: NFPROTO_INET, table: 't', set: 'wrap', keys: first }), 0)
    t.is(await probe(ns.path, { verb: 'create', family: NFPROTO_INET, table: 't', set: 'wrap', keys: next }), 0)
    t.is(ns.elems('inet', 't', 'wrap').length, 3000)
  })
})

test('nftset stores all 3000 keys', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 'wrap', type: 'ipv6_addr' })
    const keys = Array.from({ length: 3000 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`)

    const summary = await nft.addElements({ ...s, set: 'wrap' }, keys)

    t.true(summary.messages >= 4, `${summary.messages} messages: the list needs two`)
    t.deepEqual(ns.elems('inet', 't', 'wrap').sort(), [...keys].sort())
  })
})

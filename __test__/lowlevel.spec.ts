import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import test from 'ava'

import {
  Batch,
  Element,
  handle,
  MNL_SOCKET_BUFFER_SIZE,
  NetlinkSocket,
  NFPROTO_INET,
  NFPROTO_IPV4,
  NftsetError,
  Set,
} from 'nftset'

import { withNetns } from './helpers/netns.js'
import { elementBatch } from './helpers/wire.js'

/** Splits bytes into 4-byte hex words, so that a failing compare shows one word a line. */
function words(bytes: Buffer): string[] {
  const out: string[] = []
  for (let offset = 0; offset < bytes.length; offset += 4) {
    out.push(`${offset.toString(16).padStart(4, '0')}: ${bytes.subarray(offset, offset + 4).toString('hex')}`)
  }
  return out
}

/** Builds the raw set `table`/`name` with one element per hex key. */
function rawSet(table: string, name: string, keys: string[]): Set {
  const set = new Set()
  set.table = table
  set.name = name
  for (const key of keys) {
    const element = new Element()
    element.key = Buffer.from(key, 'hex')
    set.add(element)
  }
  return set
}

test('seed-style example adds and deletes', async (t) => {
  await withNetns(async (ns, nft) => {
    const example = join(__dirname, '..', 'examples', 'seed-style.js')
    const generation = await nft.generation()

    const run = spawnSync('nsenter', [`--net=${ns.path}`, process.execPath, example], { encoding: 'utf8' })

    t.is(run.stderr, '')
    t.is(run.status, 0)
    // The delete succeeds only if the add stored exactly that key: a
    // missing element would make it fail with ENOENT.
    t.is(run.stdout, 'success true\nsuccess true\n')
    t.is(await nft.generation(), generation + 4, 'table, set, add and delete each commit')
    t.like(ns.ruleset()[2], { set: { family: 'ip', table: 'table_name', name: 'set_name', type: 'ipv4_addr' } })
    t.deepEqual(ns.elems('ip', 'table_name', 'set_name'), [])
  })
})

test('Batch.dump matches the wire layout', (t) => {
  const batch = new Batch(4)
  batch.begin()
  batch.elemPut(rawSet('t', 's', ['0a000000']), NFPROTO_INET, true)
  batch.end()

  // BEGIN, one NEWSETELEM that requests an ACK, and END, from seq 4. Netlink
  // headers are little-endian on x86; the key is in network byte order.
  const expected = Buffer.from(
    [
      '14000000 1000 0100 04000000 00000000', // BATCH_BEGIN: len 20, type 0x10, REQUEST, seq 4, pid 0
      '00 00 000a', // nfgenmsg: AF_UNSPEC, version 0, res_id htons(10)
      '38000000 0c0a 0504 05000000 00000000', // NEWSETELEM: len 56, REQUEST|ACK|CREATE, seq 5
      '01 00 0000', // nfgenmsg: NFPROTO_INET
      '0600 0100 74000000', // NFTA_SET_ELEM_LIST_TABLE "t"
      '0600 0200 73000000', // NFTA_SET_ELEM_LIST_SET "s"
      '1400 0380', // NFTA_SET_ELEM_LIST_ELEMENTS, nested, len 20
      '1000 0180', // NFTA_LIST_ELEM, nested
      '0c00 0180', // NFTA_SET_ELEM_KEY, nested
      '0800 0100 0a000000', // NFTA_DATA_VALUE 10.0.0.0
      '14000000 1100 0100 06000000 00000000', // BATCH_END: len 20, type 0x11, REQUEST, seq 6
      '00 00 000a',
    ]
      .join('')
      .replaceAll(' ', ''),
    'hex',
  )
  t.deepEqual(words(batch.dump()), words(expected))
})

test('Batch.dump of a map element delete', (t) => {
  const set = rawSet('t', 'm', ['c0000201'])
  set.elements[0].data = Buffer.from('01020304', 'hex')
  const batch = new Batch()
  batch.begin()
  batch.elemDel(set, NFPROTO_IPV4, false)
  batch.end()

  const message = batch.dump().subarray(20, -20)

  const expected = Buffer.from(
    [
      '44000000 0e0a 0100 01000000 00000000', // DELSETELEM: len 68, REQUEST only, seq 1
      '02 00 0000', // nfgenmsg: NFPROTO_IPV4
      '0600 0100 74000000', // LIST_TABLE "t"
      '0600 0200 6d000000', // LIST_SET "m"
      '2000 0380', // LIST_ELEMENTS, len 32
      '1c00 0180', // NFTA_LIST_ELEM
      '0c00 0180 0800 0100 c0000201', // NFTA_SET_ELEM_KEY { VALUE 192.0.2.1 }
      '0c00 0280 0800 0100 01020304', // NFTA_SET_ELEM_DATA { VALUE 01020304 }
    ]
      .join('')
      .replaceAll(' ', ''),
    'hex',
  )
  t.deepEqual(words(message), words(expected))
})

test('Batch rejects oversized input whole', (t) => {
  const batch = new Batch()
  batch.begin()
  const before = batch.dump()

  const longKey = t.throws(() => batch.elemPut(rawSet('t', 's', ['00'.repeat(65)]), NFPROTO_INET, true), {
    instanceOf: NftsetError,
  })
  t.is(longKey.code, 'ERR_INVALID_ARGUMENT')
  t.regex(longKey.message, /65 bytes/)

  // 2400 elements of 16-byte keys take 28 bytes each: 67200, over 65535.
  const keys = Array.from({ length: 2400 }, (_, index) => index.toString(16).padStart(32, '0'))
  const longList = t.throws(() => batch.elemPut(rawSet('t', 's', keys), NFPROTO_INET, true), {
    instanceOf: NftsetError,
  })
  t.is(longList.code, 'ERR_INVALID_ARGUMENT')
  t.regex(longList.message, /64 KiB/)

  const badFamily = t.throws(() => batch.elemPut(rawSet('t', 's', ['c0000201']), 256, true), {
    instanceOf: NftsetError,
  })
  t.is(badFamily.code, 'ERR_INVALID_ARGUMENT')

  t.deepEqual(batch.dump(), before, 'a failed call appends nothing')
  batch.elemPut(rawSet('t', 's', ['c0000201']), NFPROTO_INET, true)
  t.is(batch.dump().readUInt32LE(20 + 8), 1, 'the next message still gets seq 1')
})

test('Set.add rejects a non-Element', (t) => {
  const set = new Set()

  const error = t.throws(() => set.add({ key: 'c0000201' } as unknown as Element), { instanceOf: NftsetError })

  t.is(error.code, 'ERR_INVALID_ARGUMENT')
  t.is(error.path, 'element.key')
  t.is(set.elements.length, 0)
})

test('portid is non-zero and unique', async (t) => {
  await withNetns(async (ns) => {
    const first = await NetlinkSocket.open({ netns: ns.path })
    const second = await NetlinkSocket.open({ netns: ns.path })
    try {
      t.not(first.portid, 0)
      t.not(second.portid, 0)
      t.not(first.portid, second.portid)
    } finally {
      first.close()
      second.close()
    }
  })
})

test('handle returns 0 on an ACK', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const socket = await NetlinkSocket.open({ netns: ns.path })
    try {
      await socket.send(elementBatch({ verb: 'new', family: NFPROTO_INET, table: 't', set: 's', keys: ['c0000201'] }))
      const reply = await socket.recv(MNL_SOCKET_BUFFER_SIZE)

      t.is(reply.readUInt16LE(4), 2, 'NLMSG_ERROR')
      t.is(reply.readInt32LE(16), 0, 'error 0 is an ACK')
      t.is(reply.readUInt32LE(8), 2, 'seq of the element message')
      t.is(handle(reply, 0, socket.portid), 0)
      t.is(handle(reply, 2, socket.portid), 0)
      t.is(handle(reply, 3, socket.portid), -71, 'another seq is EPROTO')
      t.is(handle(reply, 0, socket.portid + 1), -3, 'another port id is ESRCH')
      t.deepEqual(ns.elems('inet', 't', 's'), ['192.0.2.1'])
    } finally {
      socket.close()
    }
  })
})

test('handle returns -errno on an error', async (t) => {
  await withNetns(async (ns, nft) => {
    await nft.createTable({ family: 'inet', name: 't' })
    await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })
    const socket = await NetlinkSocket.open({ netns: ns.path })
    try {
      await socket.send(elementBatch({ verb: 'del', family: NFPROTO_INET, table: 't', set: 's', keys: ['c0000209'] }))
      const missing = await socket.recv(MNL_SOCKET_BUFFER_SIZE)
      t.is(handle(missing, 0, socket.portid), -2, 'ENOENT')

      await socket.send(elementBatch({ verb: 'new', family: NFPROTO_INET, table: 't', set: 's', keys: ['c000'] }))
      const shortKey = await socket.recv(MNL_SOCKET_BUFFER_SIZE)
      t.is(handle(shortKey, 0, socket.portid), -22, 'EINVAL for a 2-byte ipv4_addr key')

      const late = await t.throwsAsync(socket.recv(MNL_SOCKET_BUFFER_SIZE, 100), { instanceOf: NftsetError })
      t.is(late.code, 'ETIMEDOUT', 'one reply per failed message, nothing more')
    } finally {
      socket.close()
    }
    t.deepEqual(ns.elems('inet', 't', 's'), [])
  })
})

test('handle returns 1 on a dump part', async (t) => {
  await withNetns(async (ns) => {
    ns.nftScript('table inet t {\n  set s { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.2 }; }\n}\n')
    const socket = await NetlinkSocket.open({ netns: ns.path })
    try {
      // GETSETELEM dump of inet t s: REQUEST|DUMP, seq 7, then LIST_TABLE and LIST_SET.
      const request = Buffer.from('240000000d0a010307000000000000000100000006000100740000000600020073000000', 'hex')
      await socket.send(request)

      const statuses: number[] = []
      let keys = 0
      let status = 1
      while (status > 0) {
        const reply = await socket.recv(MNL_SOCKET_BUFFER_SIZE)
        status = handle(reply, 7, socket.portid)
        statuses.push(status)
        keys += countKeys(reply)
      }

      t.is(statuses[0], 1, 'the first part holds the elements')
      t.is(statuses.at(-1), 0, 'NLMSG_DONE ends the dump')
      t.true(statuses.slice(0, -1).every((value) => value === 1))
      t.is(keys, 2)
    } finally {
      socket.close()
    }
  })
})

/** Counts the `NFTA_LIST_ELEM` nests in the `NEWSETELEM` messages of a datagram. */
function countKeys(datagram: Buffer): number {
  let count = 0
  for (let offset = 0; offset + 16 <= datagram.length; ) {
    const length = datagram.readUInt32LE(offset)
    if (datagram.readUInt16LE(offset + 4) === 0x0a0c) {
      count += listElements(datagram.subarray(offset + 20, offset + length))
    }
    offset += (length + 3) & ~3
  }
  return count
}

function listElements(attributes: Buffer): number {
  for (let offset = 0; offset + 4 <= attributes.length; ) {
    const length = attributes.readUInt16LE(offset)
    if ((attributes.readUInt16LE(offset + 2) & 0x3fff) === 3) {
      let count = 0
      for (let inner = offset + 4; inner + 4 <= offset + length; inner += (attributes.readUInt16LE(inner) + 3) & ~3) {
        count++
      }
      return count
    }
    offset += (length + 3) & ~3
  }
  return 0
}

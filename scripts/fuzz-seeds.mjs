// Captures real kernel replies into the seed corpus of the `reply` fuzz
// target: GETSET replies, element dumps of every sample set layout, a
// NEWGEN reply, and error replies with extended-ACK attributes.
//
// Run as root or under `unshare -r`; it works in a network namespace of
// its own (`unshare -n`), never in the host's:
//   unshare -n node scripts/fuzz-seeds.mjs
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import nftset from '../packages/nftset/dist/index.js'

const { Batch, Element, NetlinkSocket, Nftables, RawSet, NFPROTO_INET } = nftset
const root = fileURLToPath(new URL('..', import.meta.url))
const corpus = `${root}crates/nftset-core/fuzz/corpus/reply`

const NLM_F_REQUEST = 0x1
const NLM_F_ACK = 0x4
const NLM_F_DUMP = 0x300
const NFT_MSG_GETSET = 10
const NFT_MSG_GETSETELEM = 13
const NFT_MSG_GETGEN = 16

/** One nf_tables request: nlmsghdr, nfgenmsg and string attributes. */
function request(command, flags, family, seq, strings) {
  const attrs = strings.map(([type, text]) => {
    const payload = Buffer.from(`${text}\0`)
    const padded = Buffer.alloc(4 + Math.ceil(payload.length / 4) * 4)
    padded.writeUInt16LE(4 + payload.length, 0)
    padded.writeUInt16LE(type, 2)
    payload.copy(padded, 4)
    return padded
  })
  const header = Buffer.alloc(20)
  const length = 20 + attrs.reduce((sum, attr) => sum + attr.length, 0)
  header.writeUInt32LE(length, 0)
  header.writeUInt16LE((10 << 8) | command, 4)
  header.writeUInt16LE(NLM_F_REQUEST | flags, 6)
  header.writeUInt32LE(seq, 8)
  header[16] = family
  return Buffer.concat([header, ...attrs])
}

/** The nlmsg_type of every message in a datagram. */
function messageTypes(datagram) {
  const types = []
  for (let offset = 0; offset + 16 <= datagram.length; ) {
    const length = datagram.readUInt32LE(offset)
    types.push(datagram.readUInt16LE(offset + 4))
    if (length < 16) break
    offset += Math.ceil(length / 4) * 4
  }
  return types
}

/** Sends a request and saves every datagram until the ACK or the end of the dump. */
async function capture(socket, name, bytes) {
  await socket.send(bytes)
  for (let index = 0; ; index++) {
    const datagram = await socket.recv(1 << 17, 2000)
    writeFileSync(`${corpus}/${name}-${index}`, datagram)
    const waits = (bytes.readUInt16LE(6) & (NLM_F_ACK | NLM_F_DUMP)) !== 0
    if (!waits || messageTypes(datagram).some((type) => type === 2 || type === 3)) return
  }
}

async function main() {
  mkdirSync(corpus, { recursive: true })
  const nft = await Nftables.open()
  await nft.createTable({ family: 'inet', name: 't' })
  await nft.createChain({ family: 'inet', table: 't', name: 'ban' })
  const sets = [
    [{ name: 'plain', type: 'ipv4_addr' }, ['192.0.2.1', '192.0.2.7']],
    [{ name: 'ranges', type: 'ipv4_addr', flags: ['interval'] }, ['10.0.0.0/8', '192.0.2.10-192.0.2.20']],
    [
      { name: 'concat', type: 'ipv4_addr . inet_proto . inet_service', flags: ['interval'] },
      ['192.0.2.0/24 . tcp . 1-1023'],
    ],
    [
      { name: 'map', type: 'ipv6_addr', map: 'mark', flags: ['timeout'], counter: true },
      ['2001:db8::1 timeout 1h comment "seed" : 0x10'],
    ],
    [{ name: 'verdicts', type: 'ifname', map: 'verdict' }, ['eth0 : accept', 'wg0 : jump ban']],
  ]
  for (const [spec, elements] of sets) {
    await nft.createSet({ family: 'inet', table: 't', ...spec })
    await nft.addElements({ family: 'inet', table: 't', set: spec.name }, elements)
  }

  const socket = await NetlinkSocket.open()
  let seq = 1
  for (const [spec] of sets) {
    const names = [
      [1, 't'],
      [2, spec.name],
    ]
    await capture(socket, `getset-${spec.name}`, request(NFT_MSG_GETSET, NLM_F_ACK, NFPROTO_INET, seq++, names))
    await capture(socket, `dump-${spec.name}`, request(NFT_MSG_GETSETELEM, NLM_F_DUMP, NFPROTO_INET, seq++, names))
  }
  await capture(socket, 'getgen', request(NFT_MSG_GETGEN, 0, 0, seq++, []))
  await capture(socket, 'missing-set', request(NFT_MSG_GETSET, NLM_F_ACK, NFPROTO_INET, seq++, [[1, 't'], [2, 'nope']]))

  // A batch whose element the kernel rejects: the error echoes the message
  // and points at the element with NLMSGERR_ATTR_OFFS.
  const set = new RawSet()
  set.table = 't'
  set.name = 'plain'
  const element = new Element()
  element.key = Buffer.from([192, 0, 2, 99, 1])
  set.add(element)
  const batch = new Batch(seq)
  batch.begin()
  batch.elemPut(set, NFPROTO_INET, true)
  batch.end()
  await socket.send(batch.dump())
  writeFileSync(`${corpus}/batch-error-0`, await socket.recv(1 << 17, 2000))

  socket.close()
  nft.close()
}

await main()

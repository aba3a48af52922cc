import test from 'ava'

import { NftsetError } from 'nftset'

import { withNetns } from './helpers/netns.js'

// nft records `typeof` sets with the datatype of the expression as the key
// type, so sets of basic types read back typed; other expressions, such as
// `meta length` (an integer), are reported as not decodable.

const script = `
table inet t {
  set a { typeof ip saddr . tcp dport; elements = { 192.0.2.1 . 22 } }
  set b { typeof meta mark; flags interval; elements = { 0x10-0x20 } }
  set c { typeof iifname; elements = { "eth0" } }
  map d { typeof ip saddr : meta mark; elements = { 192.0.2.1 : 0x5 } }
  set e { typeof ip protocol; elements = { tcp } }
  set f { typeof meta length; elements = { 100 } }
}
`

const expected: Array<[string, string, string | undefined, string[]]> = [
  ['a', 'ipv4_addr . inet_service', undefined, ['192.0.2.1 . 22']],
  ['b', 'mark', undefined, ['0x00000010-0x00000020']],
  ['c', 'ifname', undefined, ['eth0']],
  ['d', 'ipv4_addr', 'mark', ['192.0.2.1 : 0x00000005']],
  ['e', 'inet_proto', undefined, ['tcp']],
]

test('typeof sets read back typed', async (t) => {
  await withNetns(async (ns, nft) => {
    ns.nftScript(script)
    for (const [name, type, map, elements] of expected) {
      const ref = { family: 'inet', table: 't', set: name } as const
      const info = await nft.getSet(ref)
      t.is(info.type, type, `type of ${name}`)
      t.is(info.map, map, `map of ${name}`)
      const listed = (await nft.listElements(ref)).map((e) => (e.value === undefined ? e.key : `${e.key} : ${e.value}`))
      t.deepEqual(listed, elements, `elements of ${name}`)
    }
  })
})

test('integer typeof set is not decodable', async (t) => {
  await withNetns(async (ns, nft) => {
    ns.nftScript(script)
    const ref = { family: 'inet', table: 't', set: 'f' } as const
    t.is((await nft.getSet(ref)).type, '0x4')
    const error = await t.throwsAsync(nft.listElements(ref), { instanceOf: NftsetError })
    t.is(error?.code, 'ERR_NOT_SUPPORTED')
    t.regex(error?.message ?? '', /cannot decode/)
  })
})

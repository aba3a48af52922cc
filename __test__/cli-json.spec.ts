/**
 * `nftset list --json`, `list-sets --json` and `monitor --json` against
 * nft 1.0.6's JSON for the same sets: every set is made with an nft script,
 * then listed by both tools. Elements compare as multisets, and `expires`
 * within 2 seconds, because the two listings run at different times.
 */
import test from 'ava'

import { canonical } from './helpers/contents.js'
import { firstLine, runIn, startIn } from './helpers/cli.js'
import { TestNetns } from './helpers/netns.js'

type Body = Record<string, unknown> & { elem?: unknown[] }

/** Finds the set or map object of an `nft -j` document. */
function setObject(document: string): { kind: string; body: Body } {
  const parsed = JSON.parse(document) as { nftables: Array<Record<string, Body>> }
  const entry = parsed.nftables.find((item) => item.set !== undefined || item.map !== undefined)
  if (entry === undefined) throw new Error(`no set or map in ${document}`)
  const kind = entry.set !== undefined ? 'set' : 'map'
  return { kind, body: entry[kind] }
}

/** Collects every `expires` value of an element list, sorted, to compare with a tolerance. */
function expiresValues(elements: unknown[]): number[] {
  const found: number[] = []
  JSON.stringify(elements, (key, value: unknown) => {
    if (key === 'expires' && typeof value === 'number') found.push(value)
    return value
  })
  return found.sort((a, b) => a - b)
}

/** Runs `body` in a fresh namespace holding `script`. */
async function withRuleset(script: string, body: (ns: TestNetns) => Promise<void>): Promise<void> {
  const ns = await TestNetns.create()
  try {
    ns.nftScript(script)
    await body(ns)
  } finally {
    await ns.destroy()
  }
}

const cases: Array<{ title: string; declaration: string }> = [
  { title: 'ipv4 addresses', declaration: 'set s { type ipv4_addr; elements = { 192.0.2.1, 198.51.100.7 } }' },
  {
    title: 'ipv4 prefixes and ranges',
    declaration: 'set s { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.0.2.10-192.0.2.20, 198.51.100.7 } }',
  },
  {
    title: 'ipv6 prefixes and ranges',
    declaration: 'set s { type ipv6_addr; flags interval; elements = { 2001:db8::/32, 2001:db9::1-2001:db9::9, ::1 } }',
  },
  { title: 'ports as numbers', declaration: 'set s { type inet_service; elements = { 22, 443, 8080 } }' },
  { title: 'port ranges', declaration: 'set s { type inet_service; flags interval; elements = { 0-1023, 2048-4095, 8080 } }' },
  { title: 'protocol names and numbers', declaration: 'set s { type inet_proto; elements = { tcp, udp, 253, ipv6-icmp } }' },
  { title: 'protocol ranges', declaration: 'set s { type inet_proto; flags interval; elements = { 0-5, 17, 58-60 } }' },
  { title: 'marks as numbers', declaration: 'set s { type mark; elements = { 0x10, 0x20 } }' },
  { title: 'mark prefixes and ranges', declaration: 'set s { type mark; flags interval; elements = { 0x0-0xff, 0x100-0x105 } }' },
  { title: 'interface names and wildcards', declaration: 'set s { type ifname; flags interval; elements = { "eth0", "br-lan", "veth*" } }' },
  {
    title: 'ether addresses and ranges',
    declaration: 'set s { type ether_addr; flags interval; elements = { 02:00:00:00:00:01, 02:00:00:00:01:00-02:00:00:00:01:ff } }',
  },
  {
    title: 'concatenations',
    declaration: 'set s { type ipv4_addr . inet_proto . inet_service; elements = { 192.0.2.1 . tcp . 22, 192.0.2.2 . udp . 53 } }',
  },
  {
    title: 'concatenated intervals',
    declaration: 'set s { type ipv4_addr . inet_service; flags interval; elements = { 10.0.0.0/8 . 1-1023, 192.0.2.1 . 22 } }',
  },
  { title: 'map values', declaration: 'map s { type ipv4_addr : mark; elements = { 192.0.2.1 : 0x10, 192.0.2.2 : 0x20 } }' },
  { title: 'interval map', declaration: 'map s { type ipv4_addr : inet_service; flags interval; elements = { 10.0.0.0/8 : 80 } }' },
  {
    title: 'concatenated map',
    declaration: 'map s { type ipv4_addr . inet_service : ipv4_addr . inet_service; elements = { 192.0.2.1 . 80 : 10.0.0.1 . 8080 } }',
  },
  {
    title: 'verdict map',
    declaration:
      'map s { type ipv4_addr : verdict; elements = { 192.0.2.1 : accept, 192.0.2.2 : drop, 192.0.2.3 : jump c, 192.0.2.4 : goto c, 192.0.2.5 : return, 192.0.2.6 : continue } }',
  },
  {
    title: 'timeouts and comments',
    declaration:
      'set s { type ipv4_addr; flags timeout; timeout 1h; elements = { 192.0.2.1, 192.0.2.2 timeout 10m, 192.0.2.3 comment "ssh brute force" } }',
  },
  {
    title: 'counters',
    declaration: 'set s { type ipv4_addr; flags timeout; counter; elements = { 192.0.2.1, 192.0.2.2 timeout 30s comment "x" } }',
  },
  {
    title: 'verdict map with timeouts',
    declaration:
      'map s { type ipv4_addr . mark : verdict; flags timeout; elements = { 10.0.0.1 . 0x5 timeout 1h comment "cc" : drop } }',
  },
  { title: 'typeof map', declaration: 'map s { typeof ip saddr . tcp dport : meta mark; elements = { 192.0.2.1 . 80 : 0x5 } }' },
  {
    title: 'size, policy and comment',
    declaration: 'set s { type mark; size 100; policy memory; comment "c1"; elements = { 0x1 } }',
  },
  {
    title: 'auto-merge with gc-interval',
    declaration: 'set s { type inet_service; flags interval; auto-merge; timeout 5m; gc-interval 1m; elements = { 1-5, 7 } }',
  },
  { title: 'empty set', declaration: 'set s { type ipv4_addr; }' },
]

for (const { title, declaration } of cases) {
  test(`list --json matches nft: ${title}`, async (t) => {
    await withRuleset(`table inet t {\n chain c { }\n ${declaration}\n}\n`, async (ns) => {
      const kind = declaration.startsWith('map') ? 'map' : 'set'
      const result = await runIn(ns, ['list', '--json', 'inet', 't', 's'])
      const expected = setObject(ns.nft('-j', 'list', kind, 'inet', 't', 's'))

      t.is(result.status, 0, result.stderr)
      t.is(result.stdout.split('\n').length, 2, 'one line of JSON')
      const actual = setObject(result.stdout)
      t.is(actual.kind, expected.kind)
      const { elem: actualElements = [], ...actualSet } = actual.body
      const { elem: expectedElements = [], ...expectedSet } = expected.body
      t.deepEqual(actualSet, expectedSet)
      t.deepEqual(canonical(actualElements), canonical(expectedElements))
      const actualExpires = expiresValues(actualElements)
      const expectedExpires = expiresValues(expectedElements)
      t.is(actualExpires.length, expectedExpires.length)
      actualExpires.forEach((value, index) => t.true(Math.abs(value - expectedExpires[index]) <= 2, `expires ${value}`))
    })
  })
}

test('list --json starts with metainfo', async (t) => {
  await withRuleset('table ip t {\n set s { type ipv4_addr; }\n}\n', async (ns) => {
    const result = await runIn(ns, ['list', '--json', 'ip', 't', 's'])

    const parsed = JSON.parse(result.stdout) as { nftables: unknown[] }
    t.deepEqual(parsed.nftables[0], { metainfo: { json_schema_version: 1 } })
  })
})

test('list-sets --json matches nft without elem', async (t) => {
  const script = `table inet t {
  set a { type ipv4_addr; flags interval; elements = { 10.0.0.0/8 } }
  map b { type inet_service : verdict; }
  set c { type ipv4_addr . inet_service; timeout 1h; counter; }
}
table ip u {
  set d { type mark; size 10; comment "d"; }
}
`
  await withRuleset(script, async (ns) => {
    const strip = (document: string) =>
      (JSON.parse(document) as { nftables: Array<Record<string, Body>> }).nftables
        .filter((item) => item.metainfo === undefined)
        .map((item) => Object.fromEntries(Object.entries(item).map(([kind, { elem: _elem, ...body }]) => [kind, body])))

    const all = await runIn(ns, ['list-sets', '--json'])
    const inet = await runIn(ns, ['list-sets', '--json', 'inet'])
    const table = await runIn(ns, ['list-sets', '--json', 'ip', 'u'])

    // nft lists maps apart from sets; nftset lists both.
    const nftBoth = (...family: string[]) => [
      ...strip(ns.nft('-j', 'list', 'sets', ...family)),
      ...strip(ns.nft('-j', 'list', 'maps', ...family)),
    ]
    t.is(all.status, 0, all.stderr)
    t.deepEqual(canonical(strip(all.stdout)), canonical(nftBoth()))
    t.deepEqual(canonical(strip(inet.stdout)), canonical(nftBoth('inet')))
    t.deepEqual(strip(table.stdout), nftBoth('ip'))
    t.false(all.stdout.includes('"elem"'))
  })
})

test('monitor --json prints events as nft -j monitor', async (t) => {
  await withRuleset('table inet t {\n chain c { }\n map m { type ipv4_addr : verdict; }\n}\n', async (ns) => {
    const monitor = startIn(ns, ['monitor', '--json', 'inet', 't'])
    try {
      t.regex(await firstLine(monitor.stderr!), /watching inet t/)

      const nft = await ns.open()
      try {
        await nft.addElements({ family: 'inet', table: 't', set: 'm' }, ['192.0.2.9 : jump c'])
      } finally {
        nft.close()
      }

      t.deepEqual(JSON.parse(await firstLine(monitor.stdout!)), {
        add: {
          element: { family: 'inet', table: 't', name: 'm', elem: { set: [['192.0.2.9', { jump: { target: 'c' } }]] } },
        },
      })
    } finally {
      monitor.kill('SIGTERM')
    }
  })
})

/**
 * The output helpers of the command-line tool, without a kernel: progress
 * on a terminal and on a pipe with a fake clock, nft's JSON for single
 * fields, durations and element arguments. The modules are loaded from
 * the compiled package, which does not export them.
 */
import { join } from 'node:path'

import test from 'ava'

import type * as ArgsModule from '../packages/nftset/dist/cli/args.js'
import type * as JsonModule from '../packages/nftset/dist/cli/nft-json.js'
import type * as ProgressModule from '../packages/nftset/dist/cli/progress.js'
import type * as TextModule from '../packages/nftset/dist/cli/text.js'
import { root } from './helpers/cli.js'

const cliDir = join(root, 'packages', 'nftset', 'dist', 'cli')
const { Progress } = require(join(cliDir, 'progress.js')) as typeof ProgressModule
const { fieldJson, verdictJson, elementJson } = require(join(cliDir, 'nft-json.js')) as typeof JsonModule
const { formatDuration, elementText } = require(join(cliDir, 'text.js')) as typeof TextModule
const { splitElements } = require(join(cliDir, 'args.js')) as typeof ArgsModule

/** Creates a stream that records writes, and a clock the test moves by hand. */
function fakeTerminal(isTTY: boolean) {
  const writes: string[] = []
  const clock = { now: 0 }
  const stream = { isTTY, columns: 100, write: (text: string) => writes.push(text) }
  return { writes, clock, stream, now: () => clock.now }
}

test('pipe progress prints a line every 2 seconds and at the end', (t) => {
  const { writes, clock, stream, now } = fakeTerminal(false)
  const phase = new Progress({ stream, now }).phase('validating', 100_000, 'elements')

  clock.now = 500
  phase.update(20_000)
  clock.now = 2000
  phase.update(40_000)
  clock.now = 3000
  phase.update(60_000)
  clock.now = 4000
  phase.update(100_000)
  phase.finish()

  t.deepEqual(writes, [
    'validating: 40,000/100,000 elements (40%, 20,000 elements/s, ETA 3.0s)\n',
    'validating: 100,000 elements in 4.0s (25,000 elements/s)\n',
  ])
})

test('progress of a small input is silent', (t) => {
  const { writes, clock, stream, now } = fakeTerminal(false)
  const phase = new Progress({ stream, now }).phase('validating', 500, 'elements')

  clock.now = 5000
  phase.update(500)
  phase.finish()

  t.deepEqual(writes, [])
})

test('quiet progress prints warnings only', (t) => {
  const { writes, clock, stream, now } = fakeTerminal(true)
  const progress = new Progress({ stream, now, quiet: true })
  const phase = progress.phase('reading', 10 << 20, 'bytes')

  clock.now = 3000
  phase.update(5 << 20)
  progress.warn('nftset: line 3: bad (skipped)')
  phase.finish()
  progress.line('loaded')

  t.deepEqual(writes, ['nftset: line 3: bad (skipped)\n'])
})

test('terminal progress redraws a bar in place', (t) => {
  const { writes, clock, stream, now } = fakeTerminal(true)
  const progress = new Progress({ stream, now })
  const phase = progress.phase('validating', 100_000, 'elements')

  clock.now = 1000
  phase.update(25_000)
  clock.now = 1050
  phase.update(26_000)
  progress.warn('nftset: line 7: bad (skipped)')
  clock.now = 2000
  phase.update(50_000)
  phase.finish()

  t.is(writes.length, 6)
  t.regex(writes[0], /^\rvalidating \[=+> +\] 25% 25,000\/100,000 elements 25,000 elements\/s ETA 3\.0s\x1b\[K$/)
  t.is(writes[1], '\r\x1b[K', 'the bar is cleared before a warning')
  t.is(writes[2], 'nftset: line 7: bad (skipped)\n')
  t.regex(writes[3], /^\rvalidating \[=+> +\] 50% 50,000\/100,000 elements/)
  t.is(writes[4], '\r\x1b[K')
  t.is(writes[5], 'validating: 50,000 elements in 2.0s (25,000 elements/s)\n')
  t.true(writes[0].length <= 100 + 4, 'the bar fits the terminal')
})

test('reading standard input shows bytes without a total', (t) => {
  const { writes, clock, stream, now } = fakeTerminal(false)
  const phase = new Progress({ stream, now }).phase('reading standard input', undefined, 'bytes')

  clock.now = 2500
  phase.update(5_000_000)
  phase.finish()

  t.deepEqual(writes, [
    'reading standard input: 5.0 MB (2.0 MB/s)\n',
    'reading standard input: 5.0 MB in 2.5s (2.0 MB/s)\n',
  ])
})

test('a step prints its label once on a pipe', (t) => {
  const { writes, stream, now } = fakeTerminal(false)
  const progress = new Progress({ stream, now })

  progress.step('committing 20,000 elements in one batch', true).end()
  progress.step('committing 3 elements in one batch', false).end()

  t.deepEqual(writes, ['committing 20,000 elements in one batch...\n'])
})

const fields: Array<[string, string, unknown]> = [
  ['192.0.2.1', 'ipv4_addr', '192.0.2.1'],
  ['10.0.0.0/8', 'ipv4_addr', { prefix: { addr: '10.0.0.0', len: 8 } }],
  ['192.0.2.1-192.0.2.9', 'ipv4_addr', { range: ['192.0.2.1', '192.0.2.9'] }],
  ['2001:db8::/32', 'ipv6_addr', { prefix: { addr: '2001:db8::', len: 32 } }],
  ['443', 'inet_service', 443],
  ['1-1023', 'inet_service', { range: [1, 1023] }],
  ['0x00000010', 'mark', 16],
  ['0x00000000/24', 'mark', { prefix: { addr: 0, len: 24 } }],
  ['tcp', 'inet_proto', 'tcp'],
  ['253', 'inet_proto', 253],
  ['ipv6-icmp', 'inet_proto', 'ipv6-icmp'],
  ['tcp-udp', 'inet_proto', { range: ['tcp', 'udp'] }],
  ['0-15', 'inet_proto', { range: [0, 15] }],
  ['br-lan', 'ifname', 'br-lan'],
  ['veth*', 'ifname', 'veth*'],
  ['02:00:00:00:00:01', 'ether_addr', '02:00:00:00:00:01'],
  ['0x0a0b', '0x2c', '0x0a0b'],
]

for (const [text, type, expected] of fields) {
  test(`nft JSON of ${type} ${text}`, (t) => {
    t.deepEqual(fieldJson(text, type), expected)
  })
}

test('nft JSON of verdicts', (t) => {
  t.deepEqual(verdictJson('accept'), { accept: null })
  t.deepEqual(verdictJson('jump c'), { jump: { target: 'c' } })
  t.deepEqual(verdictJson('goto "my chain"'), { goto: { target: 'my chain' } })
})

test('nft JSON of elements with options', (t) => {
  const types = { key: ['ipv4_addr', 'inet_service'], verdict: true }
  const element = { key: '192.0.2.1 . 22', value: 'drop', timeout: 90_500, expires: 59_999, comment: 'c', counter: { packets: 1, bytes: 60 } }

  t.deepEqual(elementJson(element, types), [
    { elem: { val: { concat: ['192.0.2.1', 22] }, timeout: 90, expires: 59, comment: 'c', counter: { packets: 1, bytes: 60 } } },
    { drop: null },
  ])
  t.deepEqual(elementJson({ key: '192.0.2.1 . 22' }, types), { concat: ['192.0.2.1', 22] })
})

test('durations are spelled as nft prints them', (t) => {
  t.is(formatDuration(0), '0s')
  t.is(formatDuration(250), '250ms')
  t.is(formatDuration(3_600_000), '1h')
  t.is(formatDuration(3_599_996), '59m59s996ms')
  t.is(formatDuration(90_061_001), '1d1h1m1s1ms')
})

test('element text follows nft order', (t) => {
  const element = { key: '192.0.2.1', value: 'jump c', timeout: 60_000, expires: 30_000, comment: 'a b', counter: { packets: 2, bytes: 3 } }

  t.is(elementText(element), '192.0.2.1 counter packets 2 bytes 3 timeout 1m expires 30s comment "a b" : jump c')
})

test('element arguments in braces are split at commas outside quotes', (t) => {
  t.deepEqual(splitElements(['192.0.2.1']), ['192.0.2.1'])
  t.deepEqual(splitElements(['{ 192.0.2.1, 192.0.2.2 comment "a, b" }', '{}', ' 10.0.0.0/8 ']), [
    '192.0.2.1',
    '192.0.2.2 comment "a, b"',
    '10.0.0.0/8',
  ])
})

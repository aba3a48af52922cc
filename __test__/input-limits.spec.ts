/**
 * Input that is endless, huge or oddly encoded. An iterable is validated
 * element by element as it is read, and `{ file }` takes regular files
 * only. A line of a file, Buffer or standard input is at most 64 KiB, and a
 * UTF-8 byte order mark is skipped. Messages show a bad value as the caller
 * wrote it, cut after 64 characters.
 */
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test, { type ExecutionContext } from 'ava'
import type { ElementSource, Nftables } from 'nftset'

import { runIn } from './helpers/cli.js'
import { TestNetns } from './helpers/netns.js'
import { assertRejects } from './helpers/rejects.js'

/** Maximum length of a line of a file or Buffer, in bytes. */
const LINE_MAX_BYTES = 65536
/** Elements per piece handed to the native side. */
const CHUNK = 10000
/** How many characters of a value a message shows before "…". */
const SHOWN_MAX_CHARS = 64

const inet = (name: string) => ({ family: 'inet', table: 't', set: name }) as const
const bridge = (name: string) => ({ family: 'bridge', table: 'b', set: name }) as const

let ns: TestNetns
let nft: Nftables
let dir: string

test.before(async () => {
  ns = await TestNetns.create()
  nft = await ns.open()
  dir = mkdtempSync(join(tmpdir(), 'nftset-limits-'))
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' })
    tx.createTable({ family: 'bridge', name: 'b' })
    const inetSets: Array<[string, string, object?]> = [
      ['ip4', 'ipv4_addr'],
      ['mixed', 'ipv4_addr'],
      ['late', 'ipv4_addr'],
      ['bombuffer', 'ipv4_addr'],
      ['bomfile', 'ipv4_addr'],
      ['bomcli', 'ipv4_addr'],
      ['atlimit', 'ipv4_addr'],
      ['ports', 'inet_service'],
      ['marks', 'mark'],
      ['protos', 'inet_proto'],
      ['pairs', 'ipv4_addr . inet_service'],
      ['timeouts', 'ipv4_addr', { flags: ['timeout'] }],
    ]
    for (const [name, type, options] of inetSets) {
      tx.createSet({ family: 'inet', table: 't', name, type, ...options })
    }
    tx.createSet({ family: 'bridge', table: 'b', name: 'ifaces', type: 'ifname' })
    tx.createSet({ family: 'bridge', table: 'b', name: 'macs', type: 'ether_addr' })
    tx.createSet({ family: 'bridge', table: 'b', name: 'portmacs', type: 'ifname . ether_addr' })
  })
})

test.after.always(async () => {
  nft?.close()
  await ns?.destroy()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

/** Address number `index` as 10.x.y.z. */
function address(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`
}

/** What an endless source saw of its reader. */
interface ReadStats {
  /** Elements taken from the source. */
  read: number
  /** True once the reader closed the source. */
  closed: boolean
}

/**
 * Creates an endless source of addresses with `bad` at `badIndex`. The
 * source throws once read 3 pieces past the bad element, so that a reader
 * that collects everything before validating fails the test instead of
 * filling the memory.
 */
function endless(badIndex: number, bad: unknown): { source: Iterable<unknown>; stats: ReadStats } {
  const stats: ReadStats = { read: 0, closed: false }
  const limit = badIndex + 3 * CHUNK
  function* generate(): Generator<unknown> {
    try {
      for (let index = 0; ; index++) {
        if (index >= limit) throw new Error(`read ${limit} elements without validating them`)
        stats.read++
        yield index === badIndex ? bad : address(index)
      }
    } finally {
      stats.closed = true
    }
  }
  return { source: generate(), stats }
}

/** Creates the asynchronous form of `endless`. */
function endlessAsync(badIndex: number, bad: unknown): { source: AsyncIterable<unknown>; stats: ReadStats } {
  const stats: ReadStats = { read: 0, closed: false }
  const limit = badIndex + 3 * CHUNK
  async function* generate(): AsyncGenerator<unknown> {
    try {
      for (let index = 0; ; index++) {
        if (index >= limit) throw new Error(`read ${limit} elements without validating them`)
        stats.read++
        yield index === badIndex ? bad : address(index)
      }
    } finally {
      stats.closed = true
    }
  }
  return { source: generate(), stats }
}

/** Writes `content` to a new file in the scratch directory and returns its path. */
function scratchFile(name: string, content: string | Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

const asSource = (source: unknown) => source as ElementSource

test('endless generator stops at its invalid element', async (t) => {
  const { source, stats } = endless(5, null)

  await assertRejects(t, nft.addElements(inet('ip4'), asSource(source)), {
    code: 'ERR_INVALID_ELEMENT',
    path: 'elements[5]',
    elementIndex: 5,
    value: null,
    element: 'null',
  })
  t.is(stats.read, 6, 'nothing is read past the invalid element')
  t.true(stats.closed, 'the generator is closed')
  t.deepEqual(ns.elems('inet', 't', 'ip4'), [])
})

test('endless async generator stops past several pieces', async (t) => {
  const badIndex = 2 * CHUNK + 5000
  const { source, stats } = endlessAsync(badIndex, { key: '192.0.2.1', timeout: -5 })

  await assertRejects(t, nft.addElements(inet('ip4'), asSource(source)), {
    code: 'ERR_INVALID_ELEMENT',
    path: `elements[${badIndex}].timeout`,
    elementIndex: badIndex,
    value: -5,
  })
  t.is(stats.read, badIndex + 1, 'nothing is read past the invalid element')
  t.true(stats.closed, 'the generator is closed')
})

test('endless generator stops at a NaN', async (t) => {
  const { source, stats } = endless(7, Number.NaN)

  await assertRejects(t, nft.addElements(inet('ports'), asSource(source)), {
    code: 'ERR_INVALID_ELEMENT',
    path: 'elements[7]',
    elementIndex: 7,
    element: 'NaN',
    words: ['(got NaN)', 'finite number'],
  })
  t.is(stats.read, 8)
})

test('iterable switches to objects midway', async (t) => {
  // The last element has no line form, because its comment contains a
  // line break, so the lines read before it travel as element objects.
  function* generate(): Generator<unknown> {
    for (let index = 0; index < CHUNK + 500; index++) yield address(index)
    yield { key: '192.0.2.9', comment: 'two\nlines' }
  }

  await nft.addElements(inet('mixed'), asSource(generate()))

  const elems = ns.elems('inet', 't', 'mixed')
  t.is(elems.length, CHUNK + 501)
  t.is(await nft.countElements(inet('mixed')), CHUNK + 501)
})

test('invalid string after several pieces names its index', async (t) => {
  const badIndex = CHUNK + 2000
  function* generate(): Generator<string> {
    for (let index = 0; index < badIndex; index++) yield address(index)
    yield '192.0.2.300'
    yield '192.0.2.1'
  }

  await assertRejects(t, nft.addElements(inet('late'), generate()), {
    code: 'ERR_INVALID_ELEMENT',
    elementIndex: badIndex,
    element: '192.0.2.300',
    words: ['"192.0.2.300"'],
  })
  t.deepEqual(ns.elems('inet', 't', 'late'), [])
})

for (const path of ['/dev/null', '/dev/zero']) {
  test(`file ${path} is rejected as a device`, async (t) => {
    await assertRejects(t, nft.addElements(inet('ip4'), { file: path }), {
      code: 'ERR_INVALID_ARGUMENT',
      path: 'elements.file',
      value: path,
      words: [path, 'a character device', 'not a regular file'],
    })
  })
}

test('file that is a FIFO is rejected at once', async (t) => {
  const fifo = join(dir, 'fifo')
  spawnSync('mkfifo', [fifo])
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('addElements waited for a writer')), 10_000)
  })
  try {
    await assertRejects(t, Promise.race([nft.addElements(inet('ip4'), { file: fifo }), timeout]), {
      code: 'ERR_INVALID_ARGUMENT',
      path: 'elements.file',
      value: fifo,
      words: [fifo, 'a FIFO', 'not a regular file'],
    })
  } finally {
    clearTimeout(timer)
    releaseFifoReader(fifo)
  }
})

/** Ends a read that waits on `fifo`, if any, by opening it for writing and closing it. */
function releaseFifoReader(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
  } catch {
    // ENXIO: no process has the FIFO open for reading.
  }
}

test('file that is a directory is rejected', async (t) => {
  const sub = join(dir, 'sub')
  mkdirSync(sub)

  await assertRejects(t, nft.addElements(inet('ip4'), { file: sub }), {
    code: 'ERR_INVALID_ARGUMENT',
    path: 'elements.file',
    value: sub,
    words: [sub, 'a directory'],
  })
})

test('missing file is rejected', async (t) => {
  const missing = join(dir, 'absent.txt')

  await assertRejects(t, nft.addElements(inet('ip4'), { file: missing }), {
    code: 'ERR_INVALID_ARGUMENT',
    path: 'elements.file',
    value: missing,
    words: [`cannot read element file ${missing}`, 'no such file'],
  })
})

test('file line over 64 KiB names its line', async (t) => {
  const path = scratchFile('long.txt', `192.0.2.1\n# a comment\n${'x'.repeat(LINE_MAX_BYTES + 1)}\n192.0.2.2\n`)

  const error = await assertRejects(t, nft.addElements(inet('ip4'), { file: path }), {
    code: 'ERR_INVALID_ARGUMENT',
    path: 'elements.file',
    value: path,
    line: 3,
    words: ['line 3', String(LINE_MAX_BYTES)],
  })
  t.true((error?.message.length ?? 0) < 300, error?.message.slice(0, 300))
  t.deepEqual(ns.elems('inet', 't', 'ip4'), [])
})

test('file without line breaks is rejected', async (t) => {
  const path = scratchFile('flat.txt', 'y'.repeat(3 * 1024 * 1024))

  await assertRejects(t, nft.addElements(inet('ip4'), { file: path }), {
    code: 'ERR_INVALID_ARGUMENT',
    line: 1,
    words: ['line 1'],
  })
})

test('long line across a read block names its line', async (t) => {
  // 104,000 short lines fill most of the first 1 MiB block read, so the
  // long line starts in it and ends in the next.
  const short = '192.0.2.1\n'.repeat(104_000)
  const path = scratchFile('straddle.txt', `${short}${'z'.repeat(LINE_MAX_BYTES + 1)}\n`)

  await assertRejects(t, nft.addElements(inet('ip4'), { file: path }), {
    code: 'ERR_INVALID_ARGUMENT',
    line: 104_001,
    words: ['line 104001'],
  })
})

test('line of exactly 64 KiB is accepted', async (t) => {
  const line = `192.0.2.7${' '.repeat(LINE_MAX_BYTES - '192.0.2.7'.length)}`
  const path = scratchFile('atlimit.txt', `${line}\n192.0.2.8`)

  await nft.addElements(inet('atlimit'), { file: path })
  await nft.addElements(inet('atlimit'), Buffer.from(`192.0.2.9\n${line.replace('7', '6')}`))

  t.deepEqual(ns.elems('inet', 't', 'atlimit'), ['192.0.2.6', '192.0.2.7', '192.0.2.8', '192.0.2.9'])
})

test('Buffer line over 64 KiB names its line', async (t) => {
  const text = Buffer.from(`192.0.2.1\n${'x'.repeat(LINE_MAX_BYTES + 1)}`)

  await assertRejects(t, nft.addElements(inet('ip4'), text), {
    code: 'ERR_INVALID_ARGUMENT',
    path: 'elements',
    line: 2,
    words: ['line 2', String(LINE_MAX_BYTES)],
  })
})

test('Buffer with a byte order mark', async (t) => {
  await nft.addElements(inet('bombuffer'), Buffer.from('\ufeff192.0.2.1\r\n192.0.2.2\r\n'))

  t.deepEqual(ns.elems('inet', 't', 'bombuffer'), ['192.0.2.1', '192.0.2.2'])
})

test('file with a byte order mark', async (t) => {
  const path = scratchFile('bom.txt', '\ufeff192.0.2.3\n# a comment\n192.0.2.4\n')

  await nft.addElements(inet('bomfile'), { file: path })

  t.deepEqual(ns.elems('inet', 't', 'bomfile'), ['192.0.2.3', '192.0.2.4'])
})

test('cli load of standard input with a byte order mark', async (t) => {
  const result = await runIn(ns, ['load', 'inet', 't', 'bomcli', '-'], '\ufeff192.0.2.5\n192.0.2.6\n')

  t.is(result.status, 0, result.stderr)
  t.deepEqual(ns.elems('inet', 't', 'bomcli'), ['192.0.2.5', '192.0.2.6'])
})

test('cli load of standard input without line breaks', async (t) => {
  const result = await runIn(ns, ['load', 'inet', 't', 'ip4', '-'], `192.0.2.1\n${'x'.repeat(300_000)}`)

  t.is(result.status, 3)
  t.is(result.stderr, `nftset: cannot read standard input: line 2 is longer than ${LINE_MAX_BYTES} bytes\n`)
  t.deepEqual(ns.elems('inet', 't', 'ip4'), [])
})

test('cli load of a device file without line breaks', async (t) => {
  const result = await runIn(ns, ['load', 'inet', 't', 'ip4', '/dev/zero'])

  t.is(result.status, 3)
  t.is(result.stderr, `nftset: cannot read /dev/zero: line 1 is longer than ${LINE_MAX_BYTES} bytes\n`)
})

/** A bad value, the error it must raise, and words its message must contain. */
interface ValueRow {
  label: string
  set: ReturnType<typeof inet>
  element: unknown
  path: string
  shown: string
  words: string[]
}

const valueRows: ValueRow[] = [
  { label: 'negative port', set: inet('ports'), element: -1, path: 'elements[0]', shown: '-1', words: ['"-1"', 'port number 0 to 65535'] },
  { label: 'fractional port', set: inet('ports'), element: 1.5, path: 'elements[0]', shown: '1.5', words: ['"1.5"', 'port number 0 to 65535'] },
  { label: 'NaN port', set: inet('ports'), element: Number.NaN, path: 'elements[0]', shown: 'NaN', words: ['(got NaN)', 'finite number'] },
  { label: 'Infinity port', set: inet('ports'), element: Infinity, path: 'elements[0]', shown: 'Infinity', words: ['(got Infinity)'] },
  { label: '-Infinity port', set: inet('ports'), element: -Infinity, path: 'elements[0]', shown: '-Infinity', words: ['(got -Infinity)'] },
  { label: 'negative mark', set: inet('marks'), element: -1, path: 'elements[0]', shown: '-1', words: ['"-1"', '0 to 0xffffffff'] },
  { label: 'negative protocol', set: inet('protos'), element: -1, path: 'elements[0]', shown: '-1', words: ['"-1"', '0 to 255'] },
  {
    label: 'negative port in a concatenation',
    set: inet('pairs'),
    element: ['192.0.2.1', -80],
    path: 'elements[0]',
    shown: '192.0.2.1 . -80',
    words: ['"-80"', 'port number 0 to 65535'],
  },
  {
    label: 'NaN in a concatenation',
    set: inet('pairs'),
    element: ['192.0.2.1', Number.NaN],
    path: 'elements[0][1]',
    shown: '192.0.2.1 . NaN',
    words: ['(got NaN)'],
  },
  { label: 'NaN key', set: inet('ports'), element: { key: Number.NaN }, path: 'elements[0].key', shown: 'NaN', words: ['(got NaN)'] },
  {
    label: 'NaN timeout',
    set: inet('timeouts'),
    element: { key: '192.0.2.1', timeout: Number.NaN },
    path: 'elements[0].timeout',
    shown: '192.0.2.1',
    words: ['(got NaN)'],
  },
]

for (const row of valueRows) {
  test(`message shows ${row.label} as written`, async (t) => {
    const error = await assertRejects(t, nft.addElements(row.set, [row.element as string]), {
      code: 'ERR_INVALID_ELEMENT',
      path: row.path,
      elementIndex: 0,
      element: row.shown,
      words: row.words,
    })
    t.false(error?.message.includes('""'), error?.message)
    t.false(error?.message.includes('null'), error?.message)
  })
}

/** Asserts that a message is short and cuts the long value with "…". */
function assertCut(t: ExecutionContext, message: string | undefined): void {
  t.true((message ?? '').length < 400, `${message?.length} characters: ${message?.slice(0, 300)}`)
  t.true((message ?? '').includes('…'), message?.slice(0, 300))
}

test('long string element is cut in the message', async (t) => {
  const long = '7'.repeat(3_000_000)

  const error = await assertRejects(t, nft.addElements(inet('ports'), ['80', long]), {
    code: 'ERR_INVALID_ELEMENT',
    path: 'elements[1]',
    elementIndex: 1,
    words: [`"${'7'.repeat(SHOWN_MAX_CHARS)}…"`],
  })
  assertCut(t, error?.message)
  t.is(error?.element?.length, long.length, 'the element field keeps the whole element')
})

test('long port is cut in the message', async (t) => {
  const error = await assertRejects(t, nft.addElements(inet('ports'), ['x'.repeat(5000)]), {
    code: 'ERR_INVALID_ELEMENT',
    words: ['port number 0 to 65535'],
  })
  assertCut(t, error?.message)
})

test('long key of an element object is cut in the message', async (t) => {
  // The # in the key keeps the element in object form.
  const element = { key: `${'x'.repeat(100_000)}#` }

  const error = await assertRejects(t, nft.addElements(inet('ip4'), [element]), {
    code: 'ERR_INVALID_ELEMENT',
    elementIndex: 0,
  })
  assertCut(t, error?.message)
})

test('long comment is cut in the message', async (t) => {
  const error = await assertRejects(t, nft.addElements(inet('ip4'), [{ key: '192.0.2.1', comment: 'c'.repeat(1_000_000) }]), {
    code: 'ERR_INVALID_ELEMENT',
    path: 'elements[0].comment',
    words: ['128 bytes'],
  })
  assertCut(t, error?.message)
})

/** A range, prefix or wildcard given to a set without `flags interval`. */
const rangeRows: Array<{ label: string; set: ReturnType<typeof bridge> | ReturnType<typeof inet>; element: string }> = [
  { label: 'IPv4 prefix', set: inet('ip4'), element: '10.0.0.0/8' },
  { label: 'port range', set: inet('ports'), element: '80-90' },
  { label: 'bridge interface wildcard', set: bridge('ifaces'), element: 'br-*' },
  { label: 'bridge MAC range', set: bridge('macs'), element: '00:11:22:33:44:55-00:11:22:33:44:66' },
  { label: 'bridge wildcard in a concatenation', set: bridge('portmacs'), element: 'br-* . 00:11:22:33:44:55' },
]

for (const row of rangeRows) {
  test(`${row.label} without interval names the flag`, async (t) => {
    await assertRejects(t, nft.addElements(row.set, [row.element]), {
      code: 'ERR_INVALID_ELEMENT',
      path: 'elements[0]',
      element: row.element,
      words: [`set ${row.set.set} needs "flags interval"`, "flags: ['interval']"],
    })
  })
}

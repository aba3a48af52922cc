/**
 * `nftset load`, `sync` and `monitor`, run as their own processes: element
 * files and standard input with comments and blank lines, bad lines, the
 * progress lines written when stderr is not a terminal, and an event
 * printed by the monitor.
 */
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test from 'ava'

import { firstLine, runIn, startIn } from './helpers/cli.js'
import { TestNetns } from './helpers/netns.js'

/** Runs `body` with a fresh namespace holding `declarations` in table inet t, and a scratch directory. */
async function withSet(declarations: string, body: (ns: TestNetns, dir: string) => Promise<void>): Promise<void> {
  const ns = await TestNetns.create()
  const dir = mkdtempSync(join(tmpdir(), 'nftset-cli-'))
  try {
    ns.nftScript(`table inet t {\n ${declarations}\n}\n`)
    await body(ns, dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await ns.destroy()
  }
}

/** Returns the elements of inet t NAME as nft lists them, each as JSON text, sorted. */
function elems(ns: TestNetns, name = 's'): string[] {
  return ns
    .elems('inet', 't', name)
    .map((item) => (typeof item === 'string' ? item : JSON.stringify(item)))
    .sort()
}

/** `count` distinct addresses 10.x.y.z, one a line. */
function addresses(count: number, start = 0): string[] {
  const lines: string[] = []
  for (let index = start; index < start + count; index++) {
    lines.push(`10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`)
  }
  return lines
}

const FILE = `# blocklist, one element a line

192.0.2.1
198.51.100.0/24   # a whole network
  203.0.113.5-203.0.113.9

# the end
`

test('load adds the elements of a file', async (t) => {
  await withSet('set s { type ipv4_addr; flags interval; elements = { 10.0.0.1 } }', async (ns, dir) => {
    const path = join(dir, 'list.txt')
    writeFileSync(path, FILE)

    const result = await runIn(ns, ['load', 'inet', 't', 's', path])

    t.is(result.status, 0, result.stderr)
    t.is(result.stdout, '')
    t.regex(result.stderr, /^loaded 3 elements into inet t s in \d+\.\ds\n$/)
    t.deepEqual(elems(ns), [
      '10.0.0.1',
      '192.0.2.1',
      '{"prefix":{"addr":"198.51.100.0","len":24}}',
      '{"range":["203.0.113.5","203.0.113.9"]}',
    ])
  })
})

test('load reads standard input', async (t) => {
  await withSet('set s { type ipv4_addr; flags interval, timeout; }', async (ns) => {
    const input = '# from a pipe\n192.0.2.1 timeout 1h comment "ssh # brute"\n\n192.0.2.2\n'

    const result = await runIn(ns, ['load', 'inet', 't', 's', '-'], input)

    t.is(result.status, 0, result.stderr)
    t.regex(result.stderr, /^loaded 2 elements into inet t s/)
    const [first, second] = ns.elems('inet', 't', 's') as Array<{ elem: { val: string; timeout: number; comment: string } } | string>
    t.like(first, { elem: { val: '192.0.2.1', timeout: 3600, comment: 'ssh # brute' } })
    t.is(second, '192.0.2.2')
  })
})

test('load of a bad line reports it and applies nothing', async (t) => {
  for (const declaration of ['set s { type ipv4_addr; }', 'set s { type ipv4_addr; flags interval; }']) {
    await withSet(declaration, async (ns, dir) => {
      const path = join(dir, 'list.txt')
      writeFileSync(path, '# header\n192.0.2.1\n\n192.0.2.2\n192.0.2.256 # typo\n192.0.2.3\n')

      const result = await runIn(ns, ['load', 'inet', 't', 's', path])

      t.is(result.status, 3, declaration)
      t.regex(
        result.stderr,
        /^nftset: line 5: invalid element "192\.0\.2\.256": .*\. Nothing was applied\. \(ERR_INVALID_ELEMENT\)\n$/,
        declaration,
      )
      t.deepEqual(elems(ns), [], `nothing applied: ${declaration}`)
    })
  }
})

test('load --skip-invalid reports bad lines and applies the others', async (t) => {
  await withSet('set s { type ipv4_addr; }', async (ns) => {
    const input = '192.0.2.1\nnot-an-address\n\n192.0.2.2\n198.51.100.0/24\n192.0.2.3\n'

    const result = await runIn(ns, ['load', 'inet', 't', 's', '-', '--skip-invalid'], input)

    t.is(result.status, 0, result.stderr)
    const lines = result.stderr.trimEnd().split('\n')
    t.regex(lines[0], /^nftset: line 2: invalid element "not-an-address": .* \(skipped\)$/)
    t.regex(lines[1], /^nftset: line 5: invalid element "198\.51\.100\.0\/24": set s needs "flags interval" .* \(skipped\)$/)
    t.regex(lines[2], /^loaded 3 elements into inet t s in .*; skipped 2 invalid lines$/)
    t.is(lines.length, 3)
    t.deepEqual(elems(ns), ['192.0.2.1', '192.0.2.2', '192.0.2.3'])
    t.notRegex(ns.nft('list', 'table', 'inet', 't'), /nftset-check/, 'the dry runs leave no set behind')
  })
})

test('load --skip-invalid finds overlaps across chunks', async (t) => {
  await withSet('set s { type ipv4_addr; flags interval; }', async (ns) => {
    // 9000 addresses fill more than one dry-run chunk of 8192 lines; the
    // range at the end overlaps the first address, in another chunk.
    const input = [...addresses(9000), '10.0.0.0-10.0.0.3', '192.0.2.1-192.0.2.9', '192.0.2.5'].join('\n')

    const result = await runIn(ns, ['load', 'inet', 't', 's', '-', '--skip-invalid'], input)

    t.is(result.status, 0, result.stderr)
    t.regex(result.stderr, /^nftset: line 9003: "192\.0\.2\.5" overlaps "192\.0\.2\.1-192\.0\.2\.9" on line 9002; .* \(skipped\)$/m)
    t.regex(result.stderr, /^nftset: line 9001: .*"10\.0\.0\.0-10\.0\.0\.3".* \(skipped\)$/m)
    t.regex(result.stderr, /^loaded 9,001 elements into inet t s in .*; skipped 2 invalid lines$/m)
    t.is(ns.elems('inet', 't', 's').length, 9001)
  })
})

test('sync makes the set hold exactly the file', async (t) => {
  await withSet('set s { type ipv4_addr; flags interval; elements = { 192.0.2.1, 10.0.0.0/8, 172.16.0.0/12 } }', async (ns, dir) => {
    const path = join(dir, 'list.txt')
    writeFileSync(path, FILE)

    const result = await runIn(ns, ['sync', 'inet', 't', 's', path])

    t.is(result.status, 0, result.stderr)
    t.regex(result.stderr, /^synced inet t s in \d+\.\ds: 3 elements read, added 2, removed 2\n$/)
    t.deepEqual(elems(ns), [
      '192.0.2.1',
      '{"prefix":{"addr":"198.51.100.0","len":24}}',
      '{"range":["203.0.113.5","203.0.113.9"]}',
    ])
  })
})

test('sync reads standard input', async (t) => {
  await withSet('map s { type ipv4_addr : verdict; elements = { 192.0.2.1 : accept, 192.0.2.2 : drop } }', async (ns) => {
    const result = await runIn(ns, ['sync', 'inet', 't', 's', '-'], '# wanted\n192.0.2.1 : accept\n192.0.2.3 : drop\n')

    t.is(result.status, 0, result.stderr)
    t.regex(result.stderr, /added 1, removed 1\n$/)
    t.deepEqual(
      ns.elems('inet', 't', 's', 'map').map((item) => JSON.stringify(item)).sort(),
      ['["192.0.2.1",{"accept":null}]', '["192.0.2.3",{"drop":null}]'],
    )
  })
})

test('sync of a bad line applies nothing', async (t) => {
  await withSet('set s { type ipv4_addr; elements = { 192.0.2.1 } }', async (ns) => {
    const result = await runIn(ns, ['sync', 'inet', 't', 's', '-'], '192.0.2.7\n\n192.0.2.x\n')

    t.is(result.status, 3)
    t.regex(result.stderr, /^nftset: line 3: invalid element "192\.0\.2\.x": .*Nothing was applied\./)
    t.deepEqual(elems(ns), ['192.0.2.1'])
  })
})

test('sync of an empty input changes nothing', async (t) => {
  await withSet('set s { type ipv4_addr; elements = { 192.0.2.1 } }', async (ns) => {
    const result = await runIn(ns, ['sync', 'inet', 't', 's', '-'], '')

    t.is(result.status, 1)
    t.is(
      result.stderr,
      'nftset: standard input has no valid elements, and syncing would empty set inet t s; ' +
        'give --allow-empty to do that\n',
    )
    t.deepEqual(elems(ns), ['192.0.2.1'])
  })
})

test('sync --allow-empty empties the set', async (t) => {
  await withSet('set s { type ipv4_addr; elements = { 192.0.2.1 } }', async (ns) => {
    const result = await runIn(ns, ['sync', '--allow-empty', 'inet', 't', 's', '-'], '# nothing\n')

    t.is(result.status, 0, result.stderr)
    t.deepEqual(elems(ns), [])
  })
})

test('load of a missing file exits 1', async (t) => {
  await withSet('set s { type ipv4_addr; }', async (ns, dir) => {
    const result = await runIn(ns, ['load', 'inet', 't', 's', join(dir, 'absent.txt')])

    t.is(result.status, 1)
    t.is(result.stderr, `nftset: cannot read ${join(dir, 'absent.txt')}: no such file\n`)
  })
})

test('load into a missing set exits 1', async (t) => {
  await withSet('set s { type ipv4_addr; }', async (ns) => {
    const result = await runIn(ns, ['load', 'inet', 't', 'absent', '-'], '192.0.2.1\n')

    t.is(result.status, 1)
    t.regex(result.stderr, /^nftset: set absent not found in table inet t \(ENOENT\)\n$/)
  })
})

test('progress lines when stderr is not a terminal', async (t) => {
  await withSet('set s { type ipv4_addr; }\n set v { type ipv4_addr; }', async (ns) => {
    const input = `${addresses(20000).join('\n')}\n`

    const load = await runIn(ns, ['load', 'inet', 't', 's', '-'], input)
    const validated = await runIn(ns, ['load', 'inet', 't', 'v', '-', '--skip-invalid'], `${input}bad\n`)
    const sync = await runIn(ns, ['sync', 'inet', 't', 's', '-'], input)

    t.is(load.status, 0, load.stderr)
    t.false(load.stderr.includes('\r'), 'no bar is drawn')
    t.deepEqual(load.stderr.trimEnd().split('\n').map((line) => line.replace(/[\d.]+s\b/g, 'Ns')), [
      'validating and committing 20,000 elements in one batch...',
      'loaded 20,000 elements into inet t s in Ns',
    ])
    t.is(validated.status, 0, validated.stderr)
    const steps = validated.stderr.trimEnd().split('\n')
    t.regex(steps[0], /^nftset: line 20001: invalid element "bad": .* \(skipped\)$/)
    t.regex(steps[1], /^validating: 20,001 elements in [\d.]+s \([\d,]+ elements\/s\)$/)
    t.is(steps[2], 'committing 20,000 elements in one batch...')
    t.regex(steps[3], /^loaded 20,000 elements into inet t v in [\d.]+s; skipped 1 invalid line$/)
    t.is(steps.length, 4)
    t.regex(sync.stderr, /^reading inet t s and committing the changes for 20,000 elements in one batch\.\.\.\n/)
    t.regex(sync.stderr, /\nsynced inet t s in [\d.]+s: 20,000 elements read, added 0, removed 0\n$/)
    t.is(ns.elems('inet', 't', 'v').length, 20000)
  })
})

test('quiet prints no progress and no summary', async (t) => {
  await withSet('set s { type ipv4_addr; }', async (ns) => {
    const input = `${addresses(20000).join('\n')}\nbad\n`

    const result = await runIn(ns, ['load', 'inet', 't', 's', '-', '--skip-invalid', '--quiet'], input)

    t.is(result.status, 0)
    t.regex(result.stderr, /^nftset: line 20001: invalid element "bad": .* \(skipped\)\n$/, 'bad lines are still reported')
    t.is(ns.elems('inet', 't', 's').length, 20000)
  })
})

test('monitor prints an added element', async (t) => {
  await withSet('set s { type ipv4_addr; flags timeout; }', async (ns) => {
    const monitor = startIn(ns, ['monitor', 'inet', 't', 's'])
    try {
      t.is(await firstLine(monitor.stderr!), 'nftset: watching inet t s for set and element changes')

      const nft = await ns.open()
      try {
        await nft.addElements({ family: 'inet', table: 't', set: 's' }, ['192.0.2.1 timeout 1h comment "ssh"'])
      } finally {
        nft.close()
      }

      t.regex(await firstLine(monitor.stdout!), /^add element inet t s \{ 192\.0\.2\.1 timeout 1h expires (?:1h|59m[\dms]+) comment "ssh" \}$/)
    } finally {
      monitor.kill('SIGTERM')
    }
    const [status] = (await once(monitor, 'exit')) as [number | null]
    t.is(status, 0, 'SIGTERM ends the monitor cleanly')
  })
})

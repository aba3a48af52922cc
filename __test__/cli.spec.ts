/**
 * The `nftset` command-line tool, run as its own process: help texts, exit
 * statuses and the commands that change or print sets. Each test that
 * touches the kernel gets its own namespace; nft reads the result.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import test from 'ava'

import { root, runCli, runIn } from './helpers/cli.js'
import { TestNetns } from './helpers/netns.js'

/** Runs `body` in a fresh namespace holding table inet t with chain c and `declarations`. */
async function withTable(declarations: string, body: (ns: TestNetns) => Promise<void>): Promise<void> {
  const ns = await TestNetns.create()
  try {
    ns.nftScript(`table inet t {\n chain c { }\n ${declarations}\n}\n`)
    await body(ns)
  } finally {
    await ns.destroy()
  }
}

/** Returns the elements of inet t NAME as nft lists them, sorted. */
function elems(ns: TestNetns, name = 's', kind: 'set' | 'map' = 'set'): unknown[] {
  return ns.elems('inet', 't', name, kind).sort()
}

const COMMANDS = [
  'list',
  'list-sets',
  'get',
  'add',
  'create',
  'delete',
  'destroy',
  'flush',
  'create-set',
  'delete-set',
  'load',
  'sync',
  'monitor',
]

test('help lists every command', async (t) => {
  const result = await runCli(['--help'])

  t.is(result.status, 0)
  t.is(result.stderr, '')
  t.regex(result.stdout, /^usage: nftset \[--netns NS\] COMMAND \[options\] ARGS\.\.\./)
  for (const command of COMMANDS) {
    t.regex(result.stdout, new RegExp(`^  ${command} +\\S`, 'm'), command)
  }
  t.regex(result.stdout, /--netns NS/)
  t.regex(result.stdout, /exit status: 0 success; 1 the operation failed/)
})

const helpLines: Record<string, string[]> = {
  list: ['usage: nftset list [--netns NS] [--json] FAMILY TABLE SET', "print nft's JSON schema", '`nft -j list set`'],
  'list-sets': ['usage: nftset list-sets [--netns NS] [--json] [FAMILY [TABLE]]', 'Linux 6.16 or later'],
  get: ['usage: nftset get [--netns NS] FAMILY TABLE SET ELEMENT...', 'the exit status is then 1', 'the range that contains the key'],
  add: ['usage: nftset add [--netns NS] FAMILY TABLE SET ELEMENT...', '`nft add element`', "nft's syntax"],
  create: ['usage: nftset create [--netns NS] FAMILY TABLE SET ELEMENT...', 'fails with EEXIST and nothing is added'],
  delete: ['usage: nftset delete [--netns NS] FAMILY TABLE SET ELEMENT...', 'fails with ENOENT and nothing is deleted'],
  destroy: ['usage: nftset destroy [--netns NS] FAMILY TABLE SET ELEMENT...', 'Linux 6.3 or later'],
  flush: ['usage: nftset flush [--netns NS] FAMILY TABLE SET', '`nft flush set`'],
  'create-set': [
    'usage: nftset create-set [--netns NS] FAMILY TABLE SET --type T [options]',
    'The table is created too if it is missing.',
    '--map T',
    '--flags F,...',
    '--timeout D',
    '--size N',
    '--policy P',
    '--auto-merge',
    '--comment C',
    '--counter',
  ],
  'delete-set': ['usage: nftset delete-set [--netns NS] FAMILY TABLE SET [--if-exists]', '--if-exists'],
  load: [
    'usage: nftset load [--netns NS] FAMILY TABLE SET FILE|-',
    'standard input',
    '--skip-invalid',
    '-q, --quiet',
    'exits with status 3 without changing',
    'commit shows its elapsed time only',
  ],
  sync: ['usage: nftset sync [--netns NS] FAMILY TABLE SET FILE|-', '--allow-empty', '--skip-invalid'],
  monitor: ['usage: nftset monitor [--netns NS] [--json] [FAMILY [TABLE [SET]]]', 'until interrupted', '`nft -j\nmonitor`'],
}

for (const command of COMMANDS) {
  test(`help of ${command}`, async (t) => {
    const result = await runCli([command, '--help'])

    t.is(result.status, 0)
    t.is(result.stderr, '')
    for (const line of helpLines[command]) {
      t.true(result.stdout.includes(line), `${command} --help lacks ${JSON.stringify(line)}`)
    }
    t.regex(result.stdout, /^ {6}--netns NS/m)
    t.regex(result.stdout, /^ {2}-h, --help/m)
  })
}

test('help COMMAND prints the command help', async (t) => {
  const viaHelp = await runCli(['help', 'sync'])
  const viaOption = await runCli(['sync', '-h'])

  t.is(viaHelp.status, 0)
  t.is(viaHelp.stdout, viaOption.stdout)
})

test('version prints the package version', async (t) => {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', 'nftset', 'package.json'), 'utf8')) as { version: string }

  const result = await runCli(['--version'])

  t.is(result.status, 0)
  t.is(result.stdout, `nftset ${manifest.version}\n`)
})

const usageErrors: Array<{ args: string[]; message: string; usage: string }> = [
  { args: [], message: 'nftset: missing COMMAND', usage: 'usage: nftset [--netns NS] COMMAND' },
  { args: ['frob'], message: 'nftset: unknown command "frob"', usage: 'usage: nftset [--netns NS] COMMAND' },
  { args: ['add', '--bogus', 'inet', 't', 's', '1.2.3.4'], message: 'nftset: unknown option --bogus', usage: 'usage: nftset add ' },
  { args: ['list', 'inet', 't'], message: 'nftset: missing SET', usage: 'usage: nftset list ' },
  { args: ['add', 'inet', 't', 's'], message: 'nftset: missing ELEMENT', usage: 'usage: nftset add ' },
  { args: ['list', 'inet6', 't', 's'], message: 'nftset: invalid family "inet6": expected one of inet, ip, ip6', usage: 'usage: nftset list ' },
  { args: ['flush', 'inet', 't', 's', 'x'], message: 'nftset: unexpected argument "x"', usage: 'usage: nftset flush ' },
  { args: ['create-set', 'inet', 't', 's'], message: 'nftset: missing --type', usage: 'usage: nftset create-set ' },
  { args: ['create-set', 'inet', 't', 's', '--type'], message: 'nftset: option --type needs a value', usage: 'usage: nftset create-set ' },
  { args: ['load', 'inet', 't', 's'], message: 'nftset: missing FILE (give - for standard input)', usage: 'usage: nftset load ' },
  { args: ['list', '--netns', '', 'inet', 't', 's'], message: 'nftset: --netns needs a namespace', usage: 'usage: nftset' },
]

for (const { args, message, usage } of usageErrors) {
  test(`usage error: nftset ${args.join(' ')}`, async (t) => {
    const result = await runCli(args)

    t.is(result.status, 2)
    t.is(result.stdout, '')
    t.true(result.stderr.startsWith(message), result.stderr)
    t.true(result.stderr.includes(usage), result.stderr)
  })
}

test('add, create, delete and destroy change the set', async (t) => {
  await withTable('set s { type ipv4_addr; }', async (ns) => {
    const add = await runIn(ns, ['add', 'inet', 't', 's', '192.0.2.1', '192.0.2.2'])
    t.is(add.status, 0, add.stderr)
    t.is(add.stdout, '')
    t.deepEqual(elems(ns), ['192.0.2.1', '192.0.2.2'])

    const again = await runIn(ns, ['add', 'inet', 't', 's', '192.0.2.1'])
    t.is(again.status, 0, 'add of an existing element succeeds')

    const create = await runIn(ns, ['create', 'inet', 't', 's', '192.0.2.3'])
    t.is(create.status, 0, create.stderr)
    t.deepEqual(elems(ns), ['192.0.2.1', '192.0.2.2', '192.0.2.3'])

    const remove = await runIn(ns, ['delete', 'inet', 't', 's', '192.0.2.1'])
    t.is(remove.status, 0, remove.stderr)
    t.deepEqual(elems(ns), ['192.0.2.2', '192.0.2.3'])

    const destroy = await runIn(ns, ['destroy', 'inet', 't', 's', '192.0.2.2', '192.0.2.99'])
    t.is(destroy.status, 0, destroy.stderr)
    t.deepEqual(elems(ns), ['192.0.2.3'])
  })
})

test('elements in braces are split at commas', async (t) => {
  await withTable('set s { type ipv4_addr; flags timeout; }', async (ns) => {
    const result = await runIn(ns, ['add', 'inet', 't', 's', '{ 192.0.2.1, 192.0.2.2 comment "a, b" }', '192.0.2.3'])

    t.is(result.status, 0, result.stderr)
    t.deepEqual(
      ns.elems('inet', 't', 's').map((item) => JSON.stringify(item)).sort(),
      ['"192.0.2.1"', '"192.0.2.3"', '{"elem":{"val":"192.0.2.2","comment":"a, b"}}'],
    )
  })
})

test('create of an existing element exits 1', async (t) => {
  await withTable('set s { type ipv4_addr; elements = { 192.0.2.1 } }', async (ns) => {
    const result = await runIn(ns, ['create', 'inet', 't', 's', '192.0.2.5', '192.0.2.1'])

    t.is(result.status, 1)
    t.regex(result.stderr, /^nftset: element "192\.0\.2\.1" already exists in set inet t s\..* \(EEXIST\)\n$/)
    t.deepEqual(elems(ns), ['192.0.2.1'], '192.0.2.5 must not be added')
  })
})

test('delete of a missing element exits 1', async (t) => {
  await withTable('set s { type ipv4_addr; elements = { 192.0.2.1 } }', async (ns) => {
    const result = await runIn(ns, ['delete', 'inet', 't', 's', '192.0.2.1', '192.0.2.9'])

    t.is(result.status, 1)
    t.regex(result.stderr, /^nftset: element "192\.0\.2\.9" not found .*\(ENOENT\)\n$/)
    t.deepEqual(elems(ns), ['192.0.2.1'])
  })
})

test('invalid element exits 3 and applies nothing', async (t) => {
  await withTable('set s { type ipv4_addr; }', async (ns) => {
    const result = await runIn(ns, ['add', 'inet', 't', 's', '192.0.2.1', '192.0.2.300'])

    t.is(result.status, 3)
    t.regex(result.stderr, /^nftset: invalid element "192\.0\.2\.300": .*\(ERR_INVALID_ELEMENT\)\n$/)
    t.deepEqual(elems(ns), [])
  })
})

test('get prints the elements found', async (t) => {
  await withTable(
    'set s { type ipv4_addr; flags interval, timeout; elements = { 10.0.0.0/8, 192.0.2.1 timeout 1h comment "web" } }',
    async (ns) => {
      const result = await runIn(ns, ['get', 'inet', 't', 's', '10.1.2.3', '192.0.2.1'])

      t.is(result.status, 0, result.stderr)
      const [range, single, end] = result.stdout.split('\n')
      t.is(range, '10.0.0.0/8')
      t.regex(single, /^192\.0\.2\.1 timeout 1h expires 59m\d+s\d*m?s? comment "web"$/)
      t.is(end, '')
    },
  )
})

test('get of a missing element exits 1 and prints the others', async (t) => {
  await withTable('map s { type ipv4_addr : verdict; elements = { 192.0.2.1 : jump c } }', async (ns) => {
    const result = await runIn(ns, ['get', 'inet', 't', 's', '192.0.2.7', '192.0.2.1', '192.0.2.8'])

    t.is(result.status, 1)
    t.is(result.stdout, '192.0.2.1 : jump c\n')
    t.is(
      result.stderr,
      'nftset: element "192.0.2.7" not found in set inet t s (ENOENT)\n' +
        'nftset: element "192.0.2.8" not found in set inet t s (ENOENT)\n',
    )
  })
})

test('flush deletes every element', async (t) => {
  await withTable('set s { type ipv4_addr; elements = { 192.0.2.1, 192.0.2.2 } }', async (ns) => {
    const result = await runIn(ns, ['flush', 'inet', 't', 's'])

    t.is(result.status, 0, result.stderr)
    t.deepEqual(elems(ns), [])
  })
})

test('create-set creates the table and the set', async (t) => {
  const ns = await TestNetns.create()
  try {
    const args = ['create-set', 'inet', 'fw', 'bans', '--type', 'ipv4_addr . inet_service', '--flags', 'interval,timeout']
    const options = ['--timeout', '1h', '--size', '1000', '--policy', 'memory', '--comment', 'bans', '--counter']
    const result = await runIn(ns, [...args, ...options])

    t.is(result.status, 0, result.stderr)
    const listed = JSON.parse(ns.nft('-j', 'list', 'set', 'inet', 'fw', 'bans')) as { nftables: Array<Record<string, unknown>> }
    t.like(listed.nftables[1], {
      set: {
        family: 'inet',
        table: 'fw',
        name: 'bans',
        type: ['ipv4_addr', 'inet_service'],
        flags: ['interval', 'timeout'],
        timeout: 3600,
        size: 1000,
        policy: 'memory',
        comment: 'bans',
        stmt: [{ counter: null }],
      },
    })

    const again = await runIn(ns, [...args, ...options])
    t.is(again.status, 0, 'an identical set is left as it is')
  } finally {
    await ns.destroy()
  }
})

test('create-set makes verdict maps and auto-merge sets', async (t) => {
  await withTable('', async (ns) => {
    const map = await runIn(ns, ['create-set', 'inet', 't', 'm', '--type', 'inet_service', '--map', 'verdict'])
    const merge = await runIn(ns, ['create-set', 'inet', 't', 'am', '--type', 'ipv4_addr', '--flags', 'interval', '--auto-merge'])
    const timeout = await runIn(ns, ['create-set', 'inet', 't', 'to', '--type', 'ipv4_addr', '--timeout', '90', '--gc-interval', '10s'])

    t.is(map.status, 0, map.stderr)
    t.is(merge.status, 0, merge.stderr)
    t.is(timeout.status, 0, timeout.stderr)
    const text = ns.nft('list', 'table', 'inet', 't')
    t.regex(text, /map m \{\n\t\ttype inet_service : verdict\n/)
    t.regex(text, /set am \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n/)
    t.regex(text, /set to \{\n\t\ttype ipv4_addr\n\t\ttimeout 1m30s\n\t\tgc-interval 10s\n/)
  })
})

test('create-set with an invalid option exits 2 naming it', async (t) => {
  await withTable('', async (ns) => {
    const type = await runIn(ns, ['create-set', 'inet', 't', 'x', '--type', 'ipv5_addr'])
    const timeout = await runIn(ns, ['create-set', 'inet', 't', 'x', '--type', 'ipv4_addr', '--timeout', 'soon'])
    const flags = await runIn(ns, ['create-set', 'inet', 't', 'x', '--type', 'ipv4_addr', '--flags', 'interval,fast'])

    t.is(type.status, 2)
    t.regex(type.stderr, /^nftset: invalid --type: expected one of ipv4_addr, .*\(got "ipv5_addr"\) \(ERR_INVALID_ARGUMENT\)\n/)
    t.regex(type.stderr, /\nusage: nftset create-set /)
    t.is(timeout.status, 2)
    t.regex(timeout.stderr, /^nftset: invalid --timeout: .*\(got "soon"\)/)
    t.is(flags.status, 2)
    t.regex(flags.stderr, /^nftset: invalid --flags: expected one of constant, interval, timeout, dynamic/)
    t.notRegex(ns.nft('list', 'table', 'inet', 't'), /set x/)
  })
})

test('delete-set removes the set', async (t) => {
  await withTable('set s { type ipv4_addr; }', async (ns) => {
    const result = await runIn(ns, ['delete-set', 'inet', 't', 's'])
    const missing = await runIn(ns, ['delete-set', 'inet', 't', 's'])
    const ifExists = await runIn(ns, ['delete-set', 'inet', 't', 's', '--if-exists'])

    t.is(result.status, 0, result.stderr)
    t.notRegex(ns.nft('list', 'table', 'inet', 't'), /set s/)
    t.is(missing.status, 1)
    t.regex(missing.stderr, /^nftset: set s not found in table inet t\..*\(ENOENT\)\n$/)
    t.is(ifExists.status, 0, ifExists.stderr)
  })
})

test('list of a missing set exits 1', async (t) => {
  await withTable('', async (ns) => {
    const result = await runIn(ns, ['list', 'inet', 't', 'nope'])

    t.is(result.status, 1)
    t.is(result.stdout, '')
    t.is(result.stderr, 'nftset: set nope not found in table inet t (ENOENT)\n')
  })
})

test('missing namespace exits 1', async (t) => {
  const result = await runCli(['--netns', '/nonexistent/netns', 'list-sets'])

  t.is(result.status, 1)
  t.regex(result.stderr, /^nftset: .*\/nonexistent\/netns.*\(ERR_NETNS\)\n$/)
})

test('list prints a header and an aligned table', async (t) => {
  await withTable('set s { type ipv4_addr; counter; elements = { 192.0.2.1 comment "web", 192.0.2.22 } }', async (ns) => {
    const result = await runIn(ns, ['list', 'inet', 't', 's'])

    t.is(result.status, 0, result.stderr)
    const [header, titles, ...rows] = result.stdout.trimEnd().split('\n')
    t.is(header, 'set inet t s: type ipv4_addr; counter; 2 elements')
    t.is(titles, 'KEY         COMMENT  PACKETS  BYTES')
    t.deepEqual(rows.sort(), ['192.0.2.1   web            0      0', '192.0.2.22                 0      0'])
  })
})

test('list of a verdict map shows values', async (t) => {
  await withTable('map s { type ipv4_addr : verdict; elements = { 192.0.2.1 : accept, 192.0.2.2 : jump c } }', async (ns) => {
    const result = await runIn(ns, ['list', 'inet', 't', 's'])

    const [header, titles, ...rows] = result.stdout.trimEnd().split('\n')
    t.is(header, 'map inet t s: type ipv4_addr : verdict; 2 elements')
    t.is(titles, 'KEY        VALUE')
    t.deepEqual(rows.sort(), ['192.0.2.1  accept', '192.0.2.2  jump c'])
  })
})

test('list shows timeout columns only when present', async (t) => {
  await withTable('set s { type ipv4_addr; flags timeout; elements = { 192.0.2.1 timeout 1h, 192.0.2.2 } }', async (ns) => {
    const result = await runIn(ns, ['list', 'inet', 't', 's'])

    const lines = result.stdout.split('\n')
    t.is(lines[0], 'set inet t s: type ipv4_addr; flags timeout; 2 elements')
    t.regex(lines[1], /^KEY +TIMEOUT +EXPIRES$/)
    t.true(lines.some((line) => /^192\.0\.2\.1 +1h +59m/.test(line)))
  })
})

test('list of an empty set prints the header only', async (t) => {
  await withTable('set s { type ipv4_addr; }', async (ns) => {
    const result = await runIn(ns, ['list', 'inet', 't', 's'])

    t.is(result.stdout, 'set inet t s: type ipv4_addr; 0 elements\n')
  })
})

test('list-sets prints one row a set', async (t) => {
  await withTable('set a { type ipv4_addr; flags interval; }\n map b { type inet_service : verdict; }', async (ns) => {
    const all = await runIn(ns, ['list-sets'])
    const table = await runIn(ns, ['list-sets', 'inet', 't'])
    const other = await runIn(ns, ['list-sets', 'ip'])

    t.is(all.status, 0, all.stderr)
    const lines = all.stdout.trimEnd().split('\n')
    t.regex(lines[0], /^FAMILY +TABLE +NAME +TYPE +PROPERTIES/)
    t.true(lines.some((line) => /^inet +t +a +ipv4_addr +flags interval/.test(line)), all.stdout)
    t.true(lines.some((line) => /^inet +t +b +inet_service : verdict/.test(line)), all.stdout)
    t.is(table.stdout, all.stdout)
    t.is(other.status, 0)
    t.is(other.stdout, '')
  })
})

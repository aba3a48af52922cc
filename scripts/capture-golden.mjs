// Captures the netlink batches nft sends, for the golden-byte tests of
// nftset-core (crates/nftset-core/tests/golden/).
//
// Each scenario runs in its own network namespace, made here with
// `unshare -rn`: nft creates the table (and set) of the scenario, then
// `strace -f -e trace=sendmsg -e write=3` records the one sendmsg of
// `nft -f FILE`. Nothing is written outside these namespaces.
//
// Regenerating the vectors (needs nft, strace, unshare, and user
// namespaces or root):
//
//   node scripts/capture-golden.mjs            # every scenario, as Rust
//   node scripts/capture-golden.mjs NEWSET_MARK NEWSETELEM_MARK
//   node scripts/capture-golden.mjs --hex      # raw hex, 16 bytes a line
//
// The Rust output is one `const` per scenario, with a comment on every
// 4-byte line. Paste it over the constant of the same name in the test
// files. A constant contains the messages between BATCH_BEGIN and BATCH_END,
// except for BATCH_* scenarios, which keep the whole batch. The current
// vectors come from nft 1.0.6 (Debian 12) on Linux 6.18; other nft
// versions may order or choose attributes differently.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const TABLE = 'add table inet t'
const CHAIN = 'add chain inet t c'

/** Set declarations shared by several scenarios. */
const SETS = {
  ipv4: 'add set inet t s { type ipv4_addr; }',
  interval: 'add set inet t s { type ipv4_addr; flags interval; }',
  pipapo: 'add set inet t s { type ipv4_addr . inet_service; flags interval; }',
}

/**
 * Scenarios: `setup` runs with plain nft, `run` is traced. `key`, `data` and
 * `interval` tell the annotator how to print key and value bytes.
 */
const SCENARIOS = [
  {
    name: 'BATCH_SET_AND_ELEMENT',
    doc:
      'A set and its first element in one batch: `add set inet t s { type ipv4_addr; }`, ' +
      '`add element inet t s { 192.0.2.1 }`.',
    setup: [TABLE],
    run: [SETS.ipv4, 'add element inet t s { 192.0.2.1 }'],
    key: 'ipv4_addr',
    whole: true,
  },
  {
    name: 'BATCH_ADD_AND_DELETE',
    doc:
      'Two element commands on an existing set in one batch: ' +
      '`add element inet t s { 192.0.2.1 }`, `delete element inet t s { 192.0.2.9 }`.',
    setup: [TABLE, SETS.ipv4, 'add element inet t s { 192.0.2.9 }'],
    run: ['add element inet t s { 192.0.2.1 }', 'delete element inet t s { 192.0.2.9 }'],
    key: 'ipv4_addr',
    whole: true,
  },
  newset('IPV4_ADDR', 'type ipv4_addr;'),
  newset('IPV6_ADDR', 'type ipv6_addr;'),
  newset('ETHER_ADDR', 'type ether_addr;'),
  newset('INET_PROTO', 'type inet_proto;'),
  newset('INET_SERVICE', 'type inet_service;'),
  newset('MARK', 'type mark;'),
  newset('IFNAME', 'type ifname;'),
  newset('INTERVAL_AUTO_MERGE', 'type ipv4_addr; flags interval; auto-merge;'),
  newset('CONCAT', 'type ipv4_addr . inet_proto . inet_service;'),
  newset('CONCAT_INTERVAL', 'type ipv4_addr . inet_service; flags interval;'),
  newset('VERDICT_MAP', 'type ipv4_addr : verdict;', 'map'),
  newset('MARK_MAP_INTERVAL', 'type ipv4_addr : mark; flags interval;', 'map'),
  newset('TIMEOUT_SIZE_POLICY', 'type ipv4_addr; timeout 1h; gc-interval 30s; size 1024; policy memory;'),
  newset('COMMENT_COUNTER', 'type ipv4_addr; comment "blocked hosts"; counter;'),
  elements('IPV4_ADDR', SETS.ipv4, '192.0.2.1, 192.0.2.7', { key: 'ipv4_addr' }),
  elements('IPV6_ADDR', 'add set inet t s { type ipv6_addr; }', '2001:db8::1', {
    key: 'ipv6_addr',
  }),
  elements('ETHER_ADDR', 'add set inet t s { type ether_addr; }', '02:00:5e:10:00:01', {
    key: 'ether_addr',
  }),
  elements('INET_PROTO', 'add set inet t s { type inet_proto; }', 'tcp, udp', {
    key: 'inet_proto',
  }),
  elements('INET_SERVICE', 'add set inet t s { type inet_service; }', '22, 443', {
    key: 'inet_service',
  }),
  elements('MARK', 'add set inet t s { type mark; }', '0x1234', { key: 'mark' }),
  elements('IFNAME', 'add set inet t s { type ifname; }', '"eth0"', { key: 'ifname' }),
  elements(
    'CONCAT',
    'add set inet t s { type ipv4_addr . inet_proto . inet_service; }',
    '192.0.2.1 . tcp . 22',
    { key: 'ipv4_addr . inet_proto . inet_service' },
  ),
  elements('PREFIX_EMPTY_SET', SETS.interval, '10.0.0.0/24', {
    key: 'ipv4_addr',
    interval: true,
  }),
  elements('PREFIX', SETS.interval, '10.0.0.0/24', {
    key: 'ipv4_addr',
    interval: true,
    existing: '198.51.100.0/24',
  }),
  elements('SINGLE_IN_INTERVAL', SETS.interval, '10.1.0.5', {
    key: 'ipv4_addr',
    interval: true,
    existing: '198.51.100.0/24',
  }),
  elements('RANGE', SETS.interval, '10.2.0.1-10.2.0.9', {
    key: 'ipv4_addr',
    interval: true,
    existing: '198.51.100.0/24',
  }),
  elements('OPEN_RANGE', SETS.interval, '200.0.0.0-255.255.255.255', {
    key: 'ipv4_addr',
    interval: true,
    existing: '198.51.100.0/24',
  }),
  elements('MARK_RANGE', 'add set inet t s { type mark; flags interval; }', '0x10-0x20', {
    key: 'mark',
    interval: true,
    existing: '0x1000',
  }),
  elements('CONCAT_RANGE', SETS.pipapo, '10.0.0.0/8 . 80-90, 192.0.2.1 . 443', {
    key: 'ipv4_addr . inet_service',
    interval: true,
  }),
  elements(
    'IFNAME_WILDCARD',
    'add set inet t s { type ifname . ipv4_addr; flags interval; }',
    '"eth*" . 10.0.0.0/8',
    { key: 'ifname . ipv4_addr', interval: true },
  ),
  elements('MARK_MAP', 'add map inet t s { type ipv4_addr : mark; }', '192.0.2.1 : 0x1234', {
    key: 'ipv4_addr',
    data: 'mark',
  }),
  elements(
    'MARK_MAP_INTERVAL',
    'add map inet t s { type ipv4_addr : mark; flags interval; }',
    '10.0.0.0/8 : 0x10',
    { key: 'ipv4_addr', data: 'mark', interval: true, existing: '198.51.100.0/24 : 0x1' },
  ),
  elements(
    'VERDICT_MAP',
    'add map inet t s { type ipv4_addr : verdict; }',
    '192.0.2.1 : accept, 192.0.2.2 : jump c',
    { key: 'ipv4_addr', data: 'verdict' },
  ),
  elements(
    'TIMEOUT_EXPIRES_COMMENT',
    'add set inet t s { type ipv4_addr; flags timeout; }',
    '192.0.2.1 timeout 1m expires 20s comment "web"',
    { key: 'ipv4_addr' },
  ),
  elements(
    'COUNTER',
    'add set inet t s { type ipv4_addr; counter; }',
    '192.0.2.2 counter packets 5 bytes 300',
    { key: 'ipv4_addr' },
  ),
  {
    name: 'DELSETELEM_RANGE',
    doc: '`delete element inet t s { 10.0.0.0/24 }` from `set s { type ipv4_addr; flags interval; }`.',
    setup: [TABLE, SETS.interval, 'add element inet t s { 10.0.0.0/24 }'],
    run: ['delete element inet t s { 10.0.0.0/24 }'],
    key: 'ipv4_addr',
    interval: true,
  },
  {
    name: 'DELSETELEM_CONCAT_RANGE',
    doc: '`delete element inet t s { 10.0.0.0/8 . 80-90 }` from a concatenated interval set.',
    setup: [TABLE, SETS.pipapo, 'add element inet t s { 10.0.0.0/8 . 80-90 }'],
    run: ['delete element inet t s { 10.0.0.0/8 . 80-90 }'],
    key: 'ipv4_addr . inet_service',
    interval: true,
  },
  {
    name: 'DELSETELEM_FLUSH',
    doc: '`flush set inet t s` on `set s { type ipv4_addr; flags interval; }`.',
    setup: [TABLE, SETS.interval, 'add element inet t s { 10.0.0.0/24 }'],
    run: ['flush set inet t s'],
  },
]

function newset(name, body, kind = 'set') {
  const command = `add ${kind} inet t s { ${body} }`
  return { name: `NEWSET_${name}`, doc: `\`${command}\``, setup: [TABLE], run: [command] }
}

function elements(name, set, list, options) {
  const setup = [TABLE, CHAIN, set]
  if (options.existing) {
    setup.push(`add element inet t s { ${options.existing} }`)
  }
  const where = options.existing ? `, which contains \`${options.existing}\`` : ''
  const declaration = set.replace('add ', '').replace(' inet t s', ' s')
  return {
    name: `NEWSETELEM_${name}`,
    doc: `\`add element inet t s { ${list} }\` to \`${declaration}\`${where}.`,
    setup,
    run: [`add element inet t s { ${list} }`],
    ...options,
  }
}

// ---------------------------------------------------------------------------
// Capture

// The nftables command by absolute path: under `npm run`, node_modules/.bin
// comes first in PATH and contains an unrelated `nft` from @vercel/nft.
const NFT_BIN =
  process.env.NFT_BIN ?? ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((file) => existsSync(file)) ?? 'nft'

function capture(scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'nftset-golden-'))
  try {
    const setup = join(dir, 'setup.nft')
    const run = join(dir, 'run.nft')
    const trace = join(dir, 'trace.txt')
    writeFileSync(setup, scenario.setup.join('\n') + '\n')
    writeFileSync(run, scenario.run.join('\n') + '\n')
    const script =
      '"$4" -f "$1" && strace -f -qq -e trace=sendmsg -e write=3 -o "$3" "$4" -f "$2"'
    const result = spawnSync('unshare', ['-rn', 'sh', '-ec', script, 'sh', setup, run, trace, NFT_BIN], {
      encoding: 'utf8',
    })
    if (result.status !== 0) {
      throw new Error(`${scenario.name}: nft or strace failed:\n${result.stderr}`)
    }
    return parseTrace(scenario.name, readFileSync(trace, 'utf8'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Collects the bytes strace dumped for the single sendmsg of the trace. */
function parseTrace(name, text) {
  const calls = text.split('\n').filter((line) => /sendmsg\(/.test(line))
  if (calls.length !== 1 || !/sendmsg\(3,/.test(calls[0])) {
    throw new Error(`${name}: expected one sendmsg on fd 3, got:\n${calls.join('\n')}`)
  }
  const bytes = []
  for (const line of text.split('\n')) {
    const match = /^(?:\d+ +)? \| ([0-9a-f]+)  /.exec(line)
    if (!match) continue
    const hex = line.slice(match[0].length, match[0].length + 49)
    for (const pair of hex.match(/[0-9a-f]{2}/g) ?? []) {
      bytes.push(parseInt(pair, 16))
    }
  }
  if (bytes.length === 0) {
    throw new Error(`${name}: strace dumped no bytes; is the netlink socket still fd 3?`)
  }
  return Uint8Array.from(bytes)
}

// ---------------------------------------------------------------------------
// Annotation: every byte belongs to a span with a label, and each 4-byte
// line is commented with the labels of the spans it contains.

const MESSAGE_TYPES = {
  0x10: 'NFNL_MSG_BATCH_BEGIN',
  0x11: 'NFNL_MSG_BATCH_END',
  0x0a09: 'NFT_MSG_NEWSET',
  0x0a0c: 'NFT_MSG_NEWSETELEM',
  0x0a0e: 'NFT_MSG_DELSETELEM',
}
const NLM_FLAGS = [
  [0x1, 'REQUEST'],
  [0x4, 'ACK'],
  [0x100, 'REPLACE'],
  [0x200, 'EXCL'],
  [0x400, 'CREATE'],
]
const FAMILIES = { 0: 'unspec', 1: 'inet', 2: 'ip', 10: 'ip6' }
const SET_FLAGS = [
  [0x1, 'ANONYMOUS'],
  [0x2, 'CONSTANT'],
  [0x4, 'INTERVAL'],
  [0x8, 'MAP'],
  [0x10, 'TIMEOUT'],
  [0x20, 'EVAL'],
  [0x40, 'OBJECT'],
  [0x80, 'CONCAT'],
  [0x100, 'EXPR'],
]
const TYPES = {
  7: 'ipv4_addr',
  8: 'ipv6_addr',
  9: 'ether_addr',
  12: 'inet_proto',
  13: 'inet_service',
  19: 'mark',
  41: 'ifname',
}
const SIZES = {
  ipv4_addr: 4,
  ipv6_addr: 16,
  ether_addr: 6,
  inet_proto: 1,
  inet_service: 2,
  mark: 4,
  ifname: 16,
}
const VERDICTS = {
  0: 'NF_DROP',
  1: 'NF_ACCEPT',
  [-1]: 'NFT_CONTINUE',
  [-3]: 'NFT_JUMP',
  [-4]: 'NFT_GOTO',
  [-5]: 'NFT_RETURN',
}
const BYTE_ORDERS = { 0: 'INVALID', 1: 'HOST_ENDIAN', 2: 'BIG_ENDIAN' }

const u32 = (kind) => ({ kind: 'u32', format: kind })
const nest = (fields) => ({ kind: 'nest', fields })
const EXPR = nest({
  1: ['NFTA_EXPR_NAME', { kind: 'string' }],
  2: [
    'NFTA_EXPR_DATA',
    nest({ 1: ['NFTA_COUNTER_BYTES', { kind: 'u64' }], 2: ['NFTA_COUNTER_PACKETS', { kind: 'u64' }] }),
  ],
})
const value = (role) =>
  nest({
    1: ['NFTA_DATA_VALUE', { kind: 'value', role }],
    2: [
      'NFTA_DATA_VERDICT',
      nest({ 1: ['NFTA_VERDICT_CODE', u32('verdict')], 2: ['NFTA_VERDICT_CHAIN', { kind: 'string' }] }),
    ],
  })
const ELEMENT = nest({
  1: ['NFTA_SET_ELEM_KEY', value('key')],
  2: ['NFTA_SET_ELEM_DATA', value('data')],
  3: ['NFTA_SET_ELEM_FLAGS', u32('elemflags')],
  4: ['NFTA_SET_ELEM_TIMEOUT', { kind: 'u64', ms: true }],
  5: ['NFTA_SET_ELEM_EXPIRATION', { kind: 'u64', ms: true }],
  6: ['NFTA_SET_ELEM_USERDATA', { kind: 'udata', records: 'element' }],
  7: ['NFTA_SET_ELEM_EXPR', EXPR],
  10: ['NFTA_SET_ELEM_KEY_END', value('key')],
})
const SET_ATTRS = {
  1: ['NFTA_SET_TABLE', { kind: 'string' }],
  2: ['NFTA_SET_NAME', { kind: 'string' }],
  3: ['NFTA_SET_FLAGS', u32('setflags')],
  4: ['NFTA_SET_KEY_TYPE', u32('type')],
  5: ['NFTA_SET_KEY_LEN', u32('bytes')],
  6: ['NFTA_SET_DATA_TYPE', u32('type')],
  7: ['NFTA_SET_DATA_LEN', u32('bytes')],
  8: ['NFTA_SET_POLICY', u32('policy')],
  9: [
    'NFTA_SET_DESC',
    nest({
      1: ['NFTA_SET_DESC_SIZE', u32('plain')],
      2: ['NFTA_SET_DESC_CONCAT', { kind: 'list', item: nest({ 1: ['NFTA_SET_FIELD_LEN', u32('bytes')] }) }],
    }),
  ],
  10: ['NFTA_SET_ID', u32('plain')],
  11: ['NFTA_SET_TIMEOUT', { kind: 'u64', ms: true }],
  12: ['NFTA_SET_GC_INTERVAL', u32('ms')],
  13: ['NFTA_SET_USERDATA', { kind: 'udata', records: 'set' }],
  17: ['NFTA_SET_EXPR', EXPR],
}
const ELEM_LIST_ATTRS = {
  1: ['NFTA_SET_ELEM_LIST_TABLE', { kind: 'string' }],
  2: ['NFTA_SET_ELEM_LIST_SET', { kind: 'string' }],
  3: ['NFTA_SET_ELEM_LIST_ELEMENTS', { kind: 'list', item: ELEMENT }],
  4: ['NFTA_SET_ELEM_LIST_SET_ID', u32('plain')],
}

/** Labels the bytes of a batch: returns spans `{ start, end, depth, label }`. */
function annotate(bytes, scenario) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const spans = []
  const add = (start, end, depth, label) => spans.push({ start, end, depth, label })
  let offset = 0
  while (offset < bytes.length) {
    const len = view.getUint32(offset, true)
    const type = view.getUint16(offset + 4, true)
    const flags = view.getUint16(offset + 6, true)
    const name = MESSAGE_TYPES[type] ?? `message type 0x${type.toString(16)}`
    add(offset, offset + 4, 0, `nlmsg_len ${len}`)
    add(offset + 4, offset + 8, 0, `${name}, flags ${flagNames(flags, NLM_FLAGS)}`)
    add(offset + 8, offset + 12, 0, `nlmsg_seq ${view.getUint32(offset + 8, true)}`)
    add(offset + 12, offset + 16, 0, 'nlmsg_pid 0')
    const family = FAMILIES[bytes[offset + 16]] ?? bytes[offset + 16]
    const resId = view.getUint16(offset + 18, false)
    const resText = resId === 10 ? '10 (nf_tables)' : `${resId}`
    add(offset + 16, offset + 20, 0, `nfgenmsg: family ${family}, version 0, res_id ${resText}`)
    const schema = type === 0x0a09 ? SET_ATTRS : ELEM_LIST_ATTRS
    attributes(bytes, offset + 20, offset + len, schema, 0, scenario, add)
    offset += align(len)
  }
  return spans
}

function attributes(bytes, start, end, schema, depth, scenario, add) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = start
  let index = 0
  while (offset + 4 <= end) {
    const len = view.getUint16(offset, true)
    const rawType = view.getUint16(offset + 2, true)
    const type = rawType & 0x3fff
    const nested = (rawType & 0x8000) !== 0
    index += 1
    const [name, spec] = schema.list
      ? [`list element, type ${type}`, schema.list]
      : (schema[type] ?? [`attribute ${type}`, { kind: 'raw' }])
    // nft's userdata records hold integers in host order.
    const records = spec.kind === 'udata' ? ': records, u32 in host order' : ''
    add(offset, offset + 4, depth, `${name}, len ${len}${nested ? ', nested' : ''}${records}`)
    payload(bytes, offset + 4, offset + len, spec, depth + 1, scenario, add)
    if (align(len) > len) {
      add(offset + len, offset + align(len), depth + 1, 'padding')
    }
    offset += align(len)
  }
}

function payload(bytes, start, end, spec, depth, scenario, add) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  switch (spec.kind) {
    case 'nest':
      return attributes(bytes, start, end, spec.fields, depth, scenario, add)
    case 'list':
      return attributes(bytes, start, end, { list: spec.item }, depth, scenario, add)
    case 'string':
      return add(start, end, depth, { text: bytes.subarray(start, end) })
    case 'u32':
      return add(start, end, depth, formatU32(view.getUint32(start, false), spec.format))
    case 'u64': {
      const number = view.getBigUint64(start, false)
      const text = spec.ms ? `${number} ms (${duration(number)})` : `${number}`
      add(start, start + 4, depth, `be64 ${text}: high 32 bits`)
      return add(start + 4, end, depth, 'low 32 bits')
    }
    case 'value':
      return fields(bytes, start, end, spec.role, depth, scenario, add)
    case 'udata':
      return userdata(bytes, start, end, spec.records, depth, add)
    default:
      return add(start, end, depth, 'payload')
  }
}

function formatU32(number, format) {
  switch (format) {
    case 'setflags':
      return `be32 ${flagNames(number, SET_FLAGS)}`
    case 'elemflags':
      return number === 1 ? 'be32 NFT_SET_ELEM_INTERVAL_END' : `be32 0x${number.toString(16)}`
    case 'type': {
      if (number === 0xffffff00) return 'be32 NFT_DATA_VERDICT'
      return `be32 ${number} (${typeName(number)})`
    }
    case 'bytes':
      return `be32 ${number} bytes`
    case 'policy':
      return number === 1 ? 'be32 NFT_SET_POL_MEMORY' : 'be32 NFT_SET_POL_PERFORMANCE'
    case 'ms':
      return `be32 ${number} ms (${duration(BigInt(number))})`
    case 'verdict': {
      const code = number | 0
      return `be32 ${VERDICTS[code] ?? code}`
    }
    default:
      return `be32 ${number}`
  }
}

/** Splits a key or map value into its fields, with their padding. */
function fields(bytes, start, end, role, depth, scenario, add) {
  const type = role === 'key' ? scenario.key : scenario.data
  // Only keys of interval sets turn host-order fields big-endian.
  const interval = role === 'key' && scenario.interval
  if (!type) {
    return add(start, end, depth, 'value bytes')
  }
  const names = type.split(' . ')
  const concat = names.length > 1
  let offset = start
  for (const name of names) {
    const size = SIZES[name]
    const field = bytes.subarray(offset, offset + size)
    add(offset, offset + size, depth, `${name} ${formatField(name, field, interval)}`)
    const width = concat ? Math.ceil(size / 4) * 4 : size
    if (width > size) {
      add(offset + size, offset + width, depth, 'field padding')
    }
    offset += width
  }
}

function formatField(name, field, interval) {
  switch (name) {
    case 'ipv4_addr':
      return [...field].join('.')
    case 'ipv6_addr':
      return ipv6(field)
    case 'ether_addr':
      return [...field].map((byte) => byte.toString(16).padStart(2, '0')).join(':')
    case 'inet_proto':
      return `${field[0]}${{ 6: ' (tcp)', 17: ' (udp)' }[field[0]] ?? ''}`
    case 'inet_service':
      return `port ${(field[0] << 8) | field[1]}`
    case 'mark': {
      const view = new DataView(field.buffer, field.byteOffset, 4)
      return interval
        ? `0x${view.getUint32(0, false).toString(16)}, big-endian in an interval set`
        : `0x${view.getUint32(0, true).toString(16)}, host order (x86-64)`
    }
    case 'ifname': {
      const text = [...field].filter((byte) => byte > 0 && byte < 0x7f)
      const name = String.fromCharCode(...text)
      const rest = field.length - text.length
      const fill = field[field.length - 1] === 0xff ? '0xff' : 'NUL'
      return `"${name}" + ${rest} x ${fill}`
    }
    default:
      return 'bytes'
  }
}

const SET_UDATA = {
  0: ['KEYBYTEORDER', 'byteorder'],
  1: ['DATABYTEORDER', 'byteorder'],
  2: ['MERGE_ELEMENTS', 'u32'],
  3: ['KEY_TYPEOF', 'typeof'],
  4: ['DATA_TYPEOF', 'typeof'],
  6: ['DATA_INTERVAL', 'u32'],
  7: ['COMMENT', 'string'],
}
const ELEM_UDATA = {
  0: ['ELEM_COMMENT', 'string'],
  1: ['ELEM_FLAGS', 'elemflags'],
}
const TYPEOF_UDATA = {
  0: ['TYPEOF_EXPR', 'exprtype'],
  1: ['TYPEOF_DATA', 'raw'],
}

/** Labels nft's userdata records: u8 type, u8 length, value, unaligned. */
function userdata(bytes, start, end, records, depth, add) {
  const table = { set: SET_UDATA, element: ELEM_UDATA, typeof: TYPEOF_UDATA }[records]
  let offset = start
  while (offset + 2 <= end) {
    const type = bytes[offset]
    const len = bytes[offset + 1]
    const [name, kind] = table[type] ?? [`record ${type}`, 'raw']
    add(offset, offset + 2, depth, `udata ${name}, len ${len}`)
    const value = bytes.subarray(offset + 2, offset + 2 + len)
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
    if (kind === 'typeof') {
      userdata(bytes, offset + 2, offset + 2 + len, 'typeof', depth + 1, add)
    } else if (len === 0) {
      // An empty record has no value bytes to label.
    } else if (kind === 'string') {
      add(offset + 2, offset + 2 + len, depth + 1, { text: value })
    } else if (len === 4) {
      const number = view.getUint32(0, true)
      const meaning = {
        byteorder: BYTE_ORDERS[number],
        exprtype: number === 13 ? 'EXPR_CONCAT' : undefined,
        elemflags: number === 1 ? 'INTERVAL_OPEN' : undefined,
      }[kind]
      const text = meaning ? `${number} (${meaning})` : `${number}`
      add(offset + 2, offset + 6, depth + 1, `${name} ${text}`)
    } else {
      add(offset + 2, offset + 2 + len, depth + 1, 'value')
    }
    offset += 2 + len
  }
}

/** Renders spans as Rust, 4 bytes a line, each line with its labels. */
function renderRust(scenario, bytes) {
  const spans = annotate(bytes, scenario)
  const lines = []
  for (const line of wrapDoc(scenario.doc)) {
    lines.push(`/// ${line}`)
  }
  lines.push(`const ${scenario.name}: &[u8] = &[`)
  for (let start = 0; start < bytes.length; start += 4) {
    const end = Math.min(start + 4, bytes.length)
    const hex = [...bytes.subarray(start, end)].map((byte) => `0x${byte.toString(16).padStart(2, '0')},`)
    const line = `    ${hex.join(' ')} // ${lineComment(spans, start, end)}`
    // rustfmt splits longer lines, which would separate bytes from comments.
    if (line.length > 100) {
      throw new Error(`${scenario.name}: line over 100 columns, shorten its labels:\n${line}`)
    }
    lines.push(line)
  }
  lines.push('];')
  return lines.join('\n')
}

function lineComment(spans, start, end) {
  const parts = []
  let depth = Infinity
  for (const span of spans) {
    if (span.end <= start || span.start >= end) continue
    depth = Math.min(depth, span.depth)
    const from = Math.max(span.start, start)
    const to = Math.min(span.end, end)
    let text
    if (typeof span.label === 'object') {
      text = quote(span.label.text.subarray(from - span.start, to - span.start))
    } else if (span.label === 'padding' || span.label === 'field padding') {
      text = span.label
    } else if (span.start >= start) {
      // A field longer than the line shows which of its bytes the line has.
      const split = span.end - span.start > 4 && span.end > end
      text = split ? `${span.label} (bytes 0-${end - span.start - 1})` : span.label
    } else {
      const name = span.label.split(' ')[0].replace(/,$/, '')
      const first = from - span.start
      const last = to - span.start - 1
      text = `${name} (${first === last ? `byte ${first}` : `bytes ${first}-${last}`})`
    }
    if (parts.at(-1) !== text) parts.push(text)
  }
  return '  '.repeat(depth) + parts.join('; ')
}

function quote(chunk) {
  let text = ''
  for (const byte of chunk) {
    text += byte === 0 ? '\\0' : String.fromCharCode(byte)
  }
  return `"${text}"`
}

function wrapDoc(text) {
  const words = text.split(' ')
  const lines = ['']
  for (const word of words) {
    if (lines.at(-1).length + word.length + 1 > 90 && lines.at(-1)) {
      lines.push('')
    }
    lines[lines.length - 1] += (lines.at(-1) ? ' ' : '') + word
  }
  return lines
}

function renderHex(scenario, bytes) {
  const lines = [`== ${scenario.name}`]
  for (let start = 0; start < bytes.length; start += 16) {
    const row = [...bytes.subarray(start, start + 16)].map((byte) => byte.toString(16).padStart(2, '0'))
    lines.push(`${start.toString(16).padStart(4, '0')}: ${row.join(' ')}`)
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------------------
// Helpers

function align(len) {
  return (len + 3) & ~3
}

function flagNames(value, names) {
  const set = names.filter(([bit]) => value & bit).map(([, name]) => name)
  const rest = names.reduce((left, [bit]) => left & ~bit, value)
  if (rest) set.push(`0x${rest.toString(16)}`)
  return set.length ? set.join('|') : '0'
}

function typeName(id) {
  if (TYPES[id]) return TYPES[id]
  const names = []
  for (let rest = id; rest; rest >>>= 6) {
    names.unshift(TYPES[rest & 0x3f] ?? `${rest & 0x3f}`)
  }
  return names.join(' . ')
}

function ipv6(field) {
  const groups = []
  for (let i = 0; i < 16; i += 2) groups.push(((field[i] << 8) | field[i + 1]).toString(16))
  let best = [-1, 0]
  for (let i = 0; i < 8; ) {
    let j = i
    while (j < 8 && groups[j] === '0') j += 1
    if (j - i > best[1]) best = [i, j - i]
    i = j + 1
  }
  if (best[1] < 2) return groups.join(':')
  return `${groups.slice(0, best[0]).join(':')}::${groups.slice(best[0] + best[1]).join(':')}`
}

function duration(ms) {
  let rest = BigInt(ms)
  if (rest === 0n) return '0s'
  let text = ''
  for (const [unit, size] of [['d', 86400000n], ['h', 3600000n], ['m', 60000n], ['s', 1000n], ['ms', 1n]]) {
    if (rest >= size) {
      text += `${rest / size}${unit}`
      rest %= size
    }
  }
  return text
}

/** Returns the messages between BATCH_BEGIN and BATCH_END. */
function innerMessages(name, bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const beginLen = view.getUint32(0, true)
  const endStart = bytes.length - 20
  if (view.getUint16(4, true) !== 0x10 || view.getUint16(endStart + 4, true) !== 0x11) {
    throw new Error(`${name}: the batch does not start with BEGIN and end with END`)
  }
  return bytes.subarray(beginLen, endStart)
}

// ---------------------------------------------------------------------------
// Main

const args = process.argv.slice(2)
const hex = args.includes('--hex')
const names = args.filter((arg) => !arg.startsWith('--'))
const selected = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS
if (selected.length !== (names.length || SCENARIOS.length)) {
  const known = SCENARIOS.map((s) => s.name).join(', ')
  throw new Error(`unknown scenario name in ${names.join(', ')}: expected names from ${known}`)
}
const version = spawnSync(NFT_BIN, ['--version'], { encoding: 'utf8' }).stdout.trim()
if (!version.includes('v1.0.6')) {
  console.error(`warning: the committed vectors come from nft 1.0.6, this is ${version}`)
}
for (const scenario of selected) {
  const batch = capture(scenario)
  const bytes = scenario.whole ? batch : innerMessages(scenario.name, batch)
  console.log(hex ? renderHex(scenario, batch) : renderRust(scenario, bytes))
  console.log()
}

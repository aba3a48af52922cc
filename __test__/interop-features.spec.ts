// Interop of element timeouts, expiry, counters and comments, of the set
// options size, policy, gc-interval and auto-merge, and of the flags
// constant and dynamic, on plain, interval and concatenated sets and on
// maps, in both directions.
import type { CaseElement, InteropCase } from './helpers/interop-cases.js'
import { keyRows, valueRow } from './helpers/interop-cases.js'
import { testInterop } from './helpers/interop.js'

/** A set shape: everything of a definition but its features. */
interface Shape {
  title: string
  type: string
  map?: string
  interval?: boolean
}

const SHAPES: Shape[] = [
  { title: 'ipv4_addr set', type: 'ipv4_addr' },
  { title: 'ipv6_addr interval set', type: 'ipv6_addr', interval: true },
  {
    title: 'ifname . ipv4_addr . inet_service interval set',
    type: 'ifname . ipv4_addr . inet_service',
    interval: true,
  },
  { title: 'inet_service map to mark', type: 'inet_service', map: 'mark' },
  { title: 'ipv4_addr interval verdict map', type: 'ipv4_addr', map: 'verdict', interval: true },
]

/** Set-level features and the per-element options the elements cycle through. */
interface Feature {
  title: string
  flags?: Array<'constant' | 'dynamic' | 'timeout'>
  timeout?: string
  counter?: boolean
  comment?: string
  size?: number
  policy?: 'memory'
  gcInterval?: string
  autoMerge?: boolean
  /** Restricts the feature to some shapes. */
  appliesTo?: (shape: Shape) => boolean
  options: Array<Omit<CaseElement, 'key' | 'value'>>
}

const FEATURES: Feature[] = [
  {
    // The kernel lists an element timeout only when it differs from the
    // set's default, so the element with timeout 1h lists none.
    title: 'with a default timeout',
    timeout: '1h',
    options: [{}, { timeout: '10m' }, { timeout: '10m', expires: '5m' }, { expires: '30m' }, { timeout: '1h' }],
  },
  {
    // 60d is 5184000000 ms, more than 32 bits hold. The kernel keeps
    // timeouts in jiffies, and 1m30s500ms is a whole number of them at HZ
    // 100, 250, 300 and 1000, so it lists unchanged.
    title: 'with flags timeout',
    flags: ['timeout'],
    options: [
      {},
      { timeout: '1m30s500ms' },
      { timeout: '60d', expires: '1d' },
      { timeout: '2h', expires: '2h' },
      { timeout: '90s' },
    ],
  },
  {
    title: 'with counters',
    counter: true,
    options: [
      {},
      { counter: { packets: 3, bytes: 180 } },
      { counter: { packets: Number.MAX_SAFE_INTEGER, bytes: Number.MAX_SAFE_INTEGER } },
    ],
  },
  {
    // nft allows comments of 128 bytes.
    title: 'with comments',
    comment: 'set comment',
    options: [{ comment: 'blocked by hand' }, {}, { comment: 'x'.repeat(128) }, { comment: 'café ✓' }],
  },
  {
    title: 'with every feature',
    timeout: '1h',
    counter: true,
    comment: 'all features',
    options: [
      { timeout: '10m', expires: '5m', comment: 'all', counter: { packets: 1, bytes: 64 } },
      {},
      { comment: 'c' },
    ],
  },
  // NOTE: on Linux 6.18 a set without flags interval that has both a size
  // and policy memory rejects its second element with EEXIST, whether nft or
  // nftset adds it, so size and policy are tested apart.
  { title: 'with a size', size: 65535, options: [{}] },
  { title: 'with policy memory', policy: 'memory', options: [{}] },
  {
    // nft 1.0.6 accepts gc-interval in set blocks but not in map blocks.
    title: 'with gc-interval',
    timeout: '1h',
    gcInterval: '10s',
    appliesTo: (shape) => shape.map === undefined,
    options: [{}, { timeout: '10m' }],
  },
  {
    // nft merges ranges only in sets of one field. These samples are
    // neither adjacent nor overlapping, so nothing merges.
    title: 'with auto-merge',
    autoMerge: true,
    appliesTo: (shape) => shape.interval === true && shape.map === undefined && !shape.type.includes(' . '),
    options: [{}],
  },
  { title: 'with flags constant', flags: ['constant'], options: [{}, { comment: 'constant' }] },
  {
    // The kernel rejects flags dynamic on interval sets with EOPNOTSUPP.
    // nft lists this set as "flags dynamic,timeout".
    title: 'with flags dynamic and timeout',
    flags: ['dynamic', 'timeout'],
    appliesTo: (shape) => shape.interval !== true,
    options: [{}, { timeout: '10m' }],
  },
]

function featureCase(shape: Shape, feature: Feature): InteropCase {
  const rows = keyRows(shape.type, shape.interval ?? false)
  const map = shape.map
  const elements = rows.map((key, row) => ({
    key,
    ...(map === undefined ? {} : { value: valueRow(map, row) }),
    ...feature.options[row % feature.options.length],
  }))
  const flags: Array<'constant' | 'dynamic' | 'interval' | 'timeout'> = [...(feature.flags ?? [])]
  if (shape.interval) flags.push('interval')
  return {
    title: `${shape.title} ${feature.title}`,
    type: shape.type,
    map,
    flags: flags.length > 0 ? flags : undefined,
    timeout: feature.timeout,
    counter: feature.counter,
    comment: feature.comment,
    size: feature.size,
    policy: feature.policy,
    gcInterval: feature.gcInterval,
    autoMerge: feature.autoMerge,
    elements,
  }
}

testInterop(
  SHAPES.flatMap((shape) =>
    FEATURES.filter((feature) => feature.appliesTo?.(shape) ?? true).map((feature) => featureCase(shape, feature)),
  ),
)

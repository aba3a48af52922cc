// Interop of concatenations of 2 to 5 fields, as plain sets (hash) and
// interval sets (pipapo), in both directions. In interval sets the first
// field keeps the elements disjoint. Every other field cycles through
// prefixes, ranges, ifname wildcards such as br-* and the widest range of
// its type.
import { matrixCase } from './helpers/interop-cases.js'
import { testInterop } from './helpers/interop.js'

const TYPES = [
  'ipv4_addr . inet_service',
  'ifname . ipv4_addr',
  'ipv6_addr . mark',
  'ether_addr . ifname',
  'ipv4_addr . inet_proto . inet_service',
  'ifname . ipv6_addr . mark',
  'ipv4_addr . ipv4_addr . inet_proto . inet_service',
  'ether_addr . ifname . mark . inet_proto',
  'ipv4_addr . ether_addr . inet_proto . inet_service . mark',
  'ifname . ipv6_addr . ipv6_addr . inet_service . mark',
]

const sets = TYPES.flatMap((type) => [
  matrixCase(`${type} set`, { type }),
  matrixCase(`${type} interval set`, { type, flags: ['interval'] }),
])

// Maps with a concatenated key, value, or both.
const maps = [
  matrixCase('ipv4_addr . inet_service interval verdict map', {
    type: 'ipv4_addr . inet_service',
    map: 'verdict',
    flags: ['interval'],
  }),
  matrixCase('ifname . mark interval map to mark', { type: 'ifname . mark', map: 'mark', flags: ['interval'] }),
  matrixCase('ipv4_addr . inet_proto . inet_service map to ipv4_addr . inet_service', {
    type: 'ipv4_addr . inet_proto . inet_service',
    map: 'ipv4_addr . inet_service',
  }),
  matrixCase('ipv4_addr map to ipv4_addr . inet_service', { type: 'ipv4_addr', map: 'ipv4_addr . inet_service' }),
  matrixCase('ipv4_addr interval map to ipv4_addr . inet_service', {
    type: 'ipv4_addr',
    map: 'ipv4_addr . inet_service',
    flags: ['interval'],
  }),
  matrixCase('ipv6_addr . ifname map to mark . ifname . ether_addr', {
    type: 'ipv6_addr . ifname',
    map: 'mark . ifname . ether_addr',
  }),
]

testInterop([...sets, ...maps])

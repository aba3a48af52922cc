/**
 * nftset: manage Linux nftables sets and maps from Node.js over netlink.
 *
 * Start with `Nftables.open()`. The low-level classes `Set`, `Element`,
 * `Batch` and `NetlinkSocket` follow the original Python wrapper over
 * libnftnl.
 */
export { Nftables } from './nftables.js'
export { Transaction } from './transaction.js'
export { Monitor } from './monitor.js'
export type { MonitorEvent, MonitorOptions } from './monitor.js'
export { NftsetError } from './errors.js'
export type { ErrorCode, NftsetErrorFields } from './errors.js'
export type {
  ChainRef,
  CommitOptions,
  CommitSummary,
  Counter,
  Datatype,
  Duration,
  ElementInfo,
  ElementInput,
  ElementObject,
  ElementSource,
  Family,
  OpenOptions,
  Scalar,
  SetInfo,
  SetRef,
  SetSpec,
  TableRef,
} from './types.js'
export {
  Batch,
  Element,
  handle,
  MNL_SOCKET_AUTOPID,
  MNL_SOCKET_BUFFER_SIZE,
  NETLINK_NETFILTER,
  NetlinkSocket,
  NFPROTO_ARP,
  NFPROTO_BRIDGE,
  NFPROTO_INET,
  NFPROTO_IPV4,
  NFPROTO_IPV6,
  NFPROTO_NETDEV,
  NFPROTO_UNSPEC,
  RawSet,
  RawSet as Set,
} from './lowlevel.js'

/** Table family as nft names it. */
export type Family = 'inet' | 'ip' | 'ip6' | 'arp' | 'bridge' | 'netdev'

/** Datatype of a key or map value field. */
export type Datatype = 'ipv4_addr' | 'ipv6_addr' | 'ether_addr' | 'inet_proto' | 'inet_service' | 'mark' | 'ifname'

/** Milliseconds, or nft's duration text such as `1h30m`, `10s` or `250ms`. */
export type Duration = number | string

/** A table. */
export interface TableRef {
  /** Table family. */
  family: Family
  /** Table name. */
  name: string
}

/** A set or map inside a table. */
export interface SetRef {
  /** Table family. */
  family: Family
  /** Table name. */
  table: string
  /** Set or map name. */
  set: string
}

/** A regular chain inside a table, the target of `jump` and `goto` verdicts. */
export interface ChainRef {
  /** Table family. */
  family: Family
  /** Table name. */
  table: string
  /** Chain name. */
  name: string
}

/** A set or map to create, as `nft add set` or `nft add map` takes it. */
export interface SetSpec {
  /** Table family. */
  family: Family
  /** Table name. */
  table: string
  /** Set name. */
  name: string
  /** Key type: `ipv4_addr`, or a concatenation such as `ipv4_addr . inet_service`. */
  type: string
  /** For a map: the value type, or `verdict` for a verdict map. */
  map?: string
  /** Any of `constant`, `interval`, `timeout`, `dynamic`. */
  flags?: Array<'constant' | 'interval' | 'timeout' | 'dynamic'>
  /** Default element timeout; implies `flags timeout`. */
  timeout?: Duration
  /** Garbage-collection interval of expired elements; implies `flags timeout`. */
  gcInterval?: Duration
  /** Maximum number of elements; adding more fails with `ENFILE`. */
  size?: number
  /** Lookup policy: `performance` (the default) or `memory`. */
  policy?: 'performance' | 'memory'
  /** Merge overlapping and adjacent ranges on add, as nft's `auto-merge`; needs `flags interval`. */
  autoMerge?: boolean
  /** Set comment, at most 128 bytes. */
  comment?: string
  /** Give every element a packet and byte counter. */
  counter?: boolean
}

/** One field value: nft's text, or a number for integer types. */
export type Scalar = string | number

/** Packet and byte counts. */
export interface Counter {
  /** Packets. */
  packets: number
  /** Bytes. */
  bytes: number
}

/** An element given field by field. */
export interface ElementObject {
  /** Key: one value, or an array with one value per concatenated field. */
  key: Scalar | Scalar[]
  /** Map value: a typed value, an array for a concatenation, or a verdict such as `accept` or `jump CHAIN`. */
  value?: Scalar | Scalar[]
  /** Element timeout; the set needs `flags timeout`. */
  timeout?: Duration
  /** Time left before the element expires, at most its timeout. */
  expires?: Duration
  /** Element comment, at most 128 bytes. */
  comment?: string
  /** Initial counter values; the set needs `counter`. */
  counter?: Counter
}

/**
 * One element: nft's syntax as a string (`'192.0.2.1'`, `'10.0.0.0/8'`,
 * `'192.0.2.1 . tcp . 443'`, `'192.0.2.1 timeout 10s : accept'`), a number
 * for integer types, an array of concatenated fields, or an object.
 */
export type ElementInput = string | number | Scalar[] | ElementObject

/**
 * Elements to add or delete: an array, a Buffer with one element per line
 * in nft's syntax (blank lines and `#` comments allowed), `{ file }` naming
 * such a regular file, or a sync or async iterable of elements. A line is
 * at most 64 KiB, and a leading UTF-8 byte order mark is skipped.
 */
export type ElementSource =
  | readonly ElementInput[]
  | Buffer
  | { file: string }
  | Iterable<ElementInput>
  | AsyncIterable<ElementInput>

/** One element as nft prints it. */
export interface ElementInfo {
  /** Key: `192.0.2.1`, `10.0.0.0/8`, `1-1023`, `192.0.2.1 . tcp . 443`. */
  key: string
  /** Map value: `accept`, `jump CHAIN`, `0x00000010`. */
  value?: string
  /** Element timeout in milliseconds, when it differs from the set's default. */
  timeout?: number
  /** Milliseconds left before the element expires. */
  expires?: number
  /** Element comment. */
  comment?: string
  /** Counter values, for sets with counters. */
  counter?: Counter
}

/** A set or map as the kernel reports it. */
export interface SetInfo {
  /** Table family. */
  family: Family
  /** Table name. */
  table: string
  /** Set name. */
  name: string
  /** Key type in nft's spelling, or `0x...` for a type nftset cannot decode. */
  type: string
  /** Map value type or `verdict`, for maps. */
  map?: string
  /** Flag names: `constant`, `interval`, `timeout`, `dynamic`. */
  flags: string[]
  /** Default element timeout in milliseconds. */
  timeout?: number
  /** Garbage-collection interval in milliseconds. */
  gcInterval?: number
  /** Maximum number of elements. */
  size?: number
  /** `memory` when set; absent for the default policy. */
  policy?: string
  /** True with nft's `auto-merge`. */
  autoMerge: boolean
  /** Set comment. */
  comment?: string
  /** True if elements have counters. */
  counter: boolean
  /** Kernel handle. */
  handle?: number
  /** Element count as the kernel backend reports it (Linux 6.16+ only). */
  count?: number
}

/** What a committed transaction sent. */
export interface CommitSummary {
  /** Netlink messages, the batch begin and end included. */
  messages: number
  /** Bytes. */
  bytes: number
  /** Element nests; a range in an interval set takes two. */
  wireElements: number
  /** Elements added by `syncElements`; 0 for the other verbs, which do not read the set first. */
  added: number
  /** Elements removed by `syncElements`; 0 for the other verbs. */
  removed: number
  /** Batches sent: 1, more when `ifTooLarge: 'split'` cut the transaction, 0 when it was empty. */
  batches: number
  /**
   * True when kernel replies overflowed the receive buffer and nftset read
   * the ruleset generation, and the elements added, back to learn that
   * the transaction was applied.
   */
  repliesLost: boolean
}

/** Options of a transaction. */
export interface CommitOptions {
  /** Reject prefixes with host bits set, such as `198.51.100.183/24`, instead of masking them as nft does. */
  strict?: boolean
  /** Fail with `ERR_GENERATION_CONFLICT` unless the ruleset is still at this generation (see `generation()`). */
  generation?: number
  /**
   * Ask the kernel to acknowledge every message of the batch, not only to
   * report errors. It then queues one reply per message, which a small
   * `receiveBuffer` cannot hold; nftset then reads the outcome back.
   */
  ackEveryMessage?: boolean
  /**
   * A transaction larger than the socket send buffer: `'fail'` (the
   * default) rejects it with `EMSGSIZE` before sending anything; `'split'`
   * sends it as several batches, each atomic on its own. When one of them
   * fails, the batches before it stay applied, and the error's
   * `batchIndex` and `batchCount` say which one failed.
   */
  ifTooLarge?: 'fail' | 'split'
}

/** Options of `Nftables.open()`. */
export interface OpenOptions {
  /**
   * Network namespace: a path (`/run/netns/blue`, `/proc/1234/ns/net`), a
   * name made by `ip netns add` (`blue`), or a process id as a number
   * (`1234`). A string of digits is a name, and is rejected unless
   * /run/netns has it. Default: the caller's namespace.
   */
  netns?: string | number
  /**
   * Commit element calls made while earlier calls wait for their turn as
   * one batch. A thousand concurrent one-element adds then cost one kernel
   * transaction. Each call still succeeds or fails on its own, and resolves
   * with the summary of the batch it was part of. Default: false.
   */
  coalesce?: boolean
  /**
   * Fixed send buffer in bytes (`SO_SNDBUF`), instead of growing it to fit
   * each batch. A batch larger than this minus 4 KiB fails with `EMSGSIZE`
   * or is split, as the commit option `ifTooLarge` says.
   */
  sendBuffer?: number
  /**
   * Fixed receive buffer in bytes (`SO_RCVBUF`), instead of growing it to
   * hold the replies of each batch. Replies beyond it are lost; see
   * `CommitSummary.repliesLost` and the `ENOBUFS` and `ERR_OUTCOME_UNKNOWN`
   * errors. Listings use sockets of their own, which this does not limit.
   */
  receiveBuffer?: number
}

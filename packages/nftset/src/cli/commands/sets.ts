import { NftsetError } from '../../errors.js'
import type { SetSpec } from '../../types.js'
import { expectAtMost, parseCount, takeSetRef, UsageError, type Values } from '../args.js'
import { withConnection, type Command } from '../command.js'
import { EXIT } from '../errors.js'

export const createSet: Command = {
  name: 'create-set',
  usage: 'FAMILY TABLE SET --type T [options]',
  summary: 'create a set or map, and its table if missing',
  description: `Create a set, or a map with --map, as \`nft add set\` and \`nft add map\` do.
The table is created too if it is missing. A set that exists already with
the same definition is left as it is.

Types are ipv4_addr, ipv6_addr, ether_addr, inet_proto, inet_service,
mark and ifname, or a concatenation of up to 5 of them such as
"ipv4_addr . inet_service". Durations are nft's text, such as 1h30m, 10s
or 250ms; a bare number is seconds.`,
  options: {
    type: {
      type: 'string',
      valueName: 'T',
      help: 'key type, such as ipv4_addr or "ipv4_addr . inet_service" (required)',
    },
    map: { type: 'string', valueName: 'T', help: 'make a map with values of this type, or verdict for a verdict map' },
    flags: {
      type: 'string',
      valueName: 'F,...',
      help: 'set flags, comma-separated: constant, interval, timeout, dynamic',
    },
    timeout: { type: 'string', valueName: 'D', help: 'default element timeout; implies flags timeout' },
    'gc-interval': { type: 'string', valueName: 'D', help: 'interval of garbage collection of expired elements' },
    size: { type: 'string', valueName: 'N', help: 'maximum number of elements' },
    policy: { type: 'string', valueName: 'P', help: 'lookup policy: performance (the default) or memory' },
    'auto-merge': { type: 'boolean', help: 'merge overlapping and adjacent ranges on add; needs flags interval' },
    comment: { type: 'string', valueName: 'C', help: 'set comment, at most 128 bytes' },
    counter: { type: 'boolean', help: 'give every element a packet and byte counter' },
  },
  examples: [
    'nftset create-set inet filter blocklist --type ipv4_addr --flags interval --auto-merge',
    'nftset create-set inet filter bans --type ipv4_addr --timeout 1h --comment "fail2ban"',
    'nftset create-set inet filter ports --type inet_service --map verdict',
  ],
  async run(context) {
    const { set, rest } = takeSetRef(context.positionals, 'create-set')
    expectAtMost(rest, 0, 'create-set')
    const spec = toSpec(set.family, set.table, set.set, context.values)
    try {
      await withConnection(context, (nft) =>
        nft.transaction((tx) => {
          tx.createTable({ family: set.family, name: set.table })
          tx.createSet(spec)
        }),
      )
    } catch (error) {
      throw renameOption(error)
    }
    return EXIT.ok
  },
}

/** Command-line names of the fields of a set definition. */
const OPTION_NAMES: Record<string, string> = {
  type: '--type',
  map: '--map',
  flags: '--flags',
  timeout: '--timeout',
  gcInterval: '--gc-interval',
  size: '--size',
  policy: '--policy',
  autoMerge: '--auto-merge',
  comment: '--comment',
  counter: '--counter',
  name: 'SET',
  table: 'TABLE',
}

/** Names the option, not the library's field, in an invalid-argument message: `invalid --timeout: ...`. */
function renameOption(error: unknown): unknown {
  if (!(error instanceof NftsetError) || error.code !== 'ERR_INVALID_ARGUMENT' || error.path === undefined) {
    return error
  }
  const field = /^(?:spec\.)?(\w+)/.exec(error.path)?.[1]
  const option = field === undefined ? undefined : OPTION_NAMES[field]
  if (option !== undefined) {
    error.message = error.message.replace(`invalid ${error.path}:`, `invalid ${option}:`)
  }
  return error
}

/** Builds the set definition from the options; the library validates each value. */
function toSpec(family: SetSpec['family'], table: string, name: string, values: Values): SetSpec {
  const type = values.type
  if (typeof type !== 'string') throw new UsageError('missing --type', 'create-set')
  const spec: SetSpec = { family, table, name, type }
  if (typeof values.map === 'string') spec.map = values.map
  if (typeof values.flags === 'string') {
    spec.flags = values.flags
      .split(',')
      .map((flag) => flag.trim())
      .filter((flag) => flag !== '') as SetSpec['flags']
  }
  if (typeof values.timeout === 'string') spec.timeout = durationText(values.timeout)
  if (typeof values['gc-interval'] === 'string') spec.gcInterval = durationText(values['gc-interval'])
  if (typeof values.size === 'string') spec.size = parseCount(values.size, '--size', 'create-set')
  if (typeof values.policy === 'string') spec.policy = values.policy as SetSpec['policy']
  if (values['auto-merge'] === true) spec.autoMerge = true
  if (typeof values.comment === 'string') spec.comment = values.comment
  if (values.counter === true) spec.counter = true
  return spec
}

/** nft reads a duration without a unit as seconds. */
function durationText(text: string): string {
  return /^\d+$/.test(text) ? `${text}s` : text
}

export const deleteSet: Command = {
  name: 'delete-set',
  usage: 'FAMILY TABLE SET [--if-exists]',
  summary: 'delete a set or map',
  description: `Delete a set or map, as \`nft delete set\` does. It fails with EBUSY while
a rule refers to it. With --if-exists a missing set is not an error, as
with \`nft destroy set\` (Linux 6.3+).`,
  options: {
    'if-exists': { type: 'boolean', help: 'succeed when the set does not exist (Linux 6.3+)' },
  },
  examples: ['nftset delete-set inet filter blocklist'],
  async run(context) {
    const { set, rest } = takeSetRef(context.positionals, 'delete-set')
    expectAtMost(rest, 0, 'delete-set')
    const ifExists = context.values['if-exists'] === true
    await withConnection(context, (nft) => nft.deleteSet(set, { ifExists }))
    return EXIT.ok
  },
}

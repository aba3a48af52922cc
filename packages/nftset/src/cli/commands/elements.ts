import { NftsetError } from '../../errors.js'
import type { Nftables } from '../../nftables.js'
import type { ElementInfo, SetRef } from '../../types.js'
import { expectAtMost, splitElements, takeSetRef, UsageError } from '../args.js'
import { withConnection, type Command } from '../command.js'
import { errorText, EXIT } from '../errors.js'
import { elementText } from '../text.js'

const ONE_BATCH = 'All elements go in one batch: either all are applied or none is.'

const ELEMENT_SYNTAX = `Each ELEMENT is one element in nft's syntax: 192.0.2.1, 10.0.0.0/8,
192.0.2.10-192.0.2.20, 443, "192.0.2.1 . tcp . 443", "192.0.2.1 : accept",
"192.0.2.1 timeout 1h comment \\"ssh\\"". Quote elements that contain spaces.
An argument in braces, "{ 192.0.2.1, 192.0.2.2 }", holds several elements
separated by commas, as in nft.`

/** Takes FAMILY TABLE SET ELEMENT... and returns the set and the elements. */
function takeElements(positionals: string[], command: string): { set: SetRef; elements: string[] } {
  const { set, rest } = takeSetRef(positionals, command)
  const elements = splitElements(rest)
  if (elements.length === 0) throw new UsageError('missing ELEMENT', command)
  return { set, elements }
}

type Verb = 'addElements' | 'createElements' | 'deleteElements' | 'destroyElements'

function elementCommand(name: string, verb: Verb, summary: string, description: string): Command {
  return {
    name,
    usage: 'FAMILY TABLE SET ELEMENT...',
    summary,
    description: `${description}\n\n${ELEMENT_SYNTAX}\n\n${ONE_BATCH}`,
    options: {},
    examples: [`nftset ${name} inet filter blocklist 192.0.2.1 198.51.100.0/24`],
    async run(context) {
      const { set, elements } = takeElements(context.positionals, name)
      await withConnection(context, (nft) => nft[verb](set, elements))
      return EXIT.ok
    },
  }
}

export const add = elementCommand(
  'add',
  'addElements',
  'add elements; existing ones are left as they are',
  `Add elements to a set or map, as \`nft add element\`. Elements that exist
already are left as they are.`,
)

export const create = elementCommand(
  'create',
  'createElements',
  'add elements; fail if one exists',
  `Add elements to a set or map, as \`nft create element\`. If one of them
exists already, the command fails with EEXIST and nothing is added.`,
)

export const remove = elementCommand(
  'delete',
  'deleteElements',
  'delete elements; fail if one is missing',
  `Delete elements from a set or map, as \`nft delete element\`. If one of
them is missing, the command fails with ENOENT and nothing is deleted.
In a map, give the keys only.`,
)

export const destroy = elementCommand(
  'destroy',
  'destroyElements',
  'delete the elements that exist (Linux 6.3+)',
  `Delete the elements that exist and ignore the others, as \`nft destroy
element\`. Needs Linux 6.3 or later. In a map, give the keys only.`,
)

export const get: Command = {
  name: 'get',
  usage: 'FAMILY TABLE SET ELEMENT...',
  summary: 'look elements up; exit 1 if one is missing',
  description: `Look elements up, as \`nft get element\` does, and print each one found in
nft's syntax, one a line, with its value, timeout, expiry, comment and
counter. In an interval set, the range that contains the key is printed.

Each missing element is reported on stderr, and the exit status is then 1.

${ELEMENT_SYNTAX}`,
  options: {},
  examples: ['nftset get inet filter blocklist 192.0.2.1'],
  async run(context) {
    const { set, elements } = takeElements(context.positionals, 'get')
    const { found, missing } = await withConnection(context, (nft) => lookUp(nft, set, elements))
    for (const element of found) context.stdout.write(`${elementText(element)}\n`)
    for (const error of missing) context.stderr.write(`nftset: ${errorText(error)}\n`)
    return missing.length > 0 ? EXIT.failed : EXIT.ok
  },
}

/**
 * Looks the keys up in one call. When one is missing, looks each up alone,
 * so that every missing key is reported and the others still printed.
 */
async function lookUp(
  nft: Nftables,
  set: SetRef,
  keys: string[],
): Promise<{ found: ElementInfo[]; missing: NftsetError[] }> {
  try {
    return { found: await nft.getElements(set, keys), missing: [] }
  } catch (error) {
    if (!isMissingElement(error)) throw error
  }
  const found: ElementInfo[] = []
  const missing: NftsetError[] = []
  for (const key of keys) {
    try {
      found.push(...(await nft.getElements(set, [key])))
    } catch (error) {
      if (!isMissingElement(error)) throw error
      missing.push(error)
    }
  }
  return { found, missing }
}

/** ENOENT naming an element; a missing set or table has no element index. */
function isMissingElement(error: unknown): error is NftsetError {
  return error instanceof NftsetError && error.code === 'ENOENT' && error.elementIndex !== undefined
}

export const flush: Command = {
  name: 'flush',
  usage: 'FAMILY TABLE SET',
  summary: 'delete every element of a set or map',
  description: 'Delete every element of a set or map, as `nft flush set`.',
  options: {},
  examples: ['nftset flush inet filter blocklist'],
  async run(context) {
    const { set, rest } = takeSetRef(context.positionals, 'flush')
    expectAtMost(rest, 0, 'flush')
    await withConnection(context, (nft) => nft.flushSet(set))
    return EXIT.ok
  },
}

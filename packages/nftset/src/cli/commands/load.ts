import { NftsetError } from '../../errors.js'
import type { Nftables } from '../../nftables.js'
import type { SetRef } from '../../types.js'
import { expectAtMost, takeSetRef, UsageError, type Options } from '../args.js'
import { withConnection, type Command, type Context } from '../command.js'
import { CliError, EXIT } from '../errors.js'
import { elementLineNumbers, readInput } from '../input.js'
import { formatCount, formatCountOf, formatSeconds, LARGE, Progress } from '../progress.js'
import { blankInvalidLines, locate, type InvalidLine } from '../validate.js'

const FILE_RULES = `FILE has one element a line in nft's syntax, as for \`nftset add\`; - reads
standard input. Blank lines are skipped, and a # at the start of a line or
after white space, outside double quotes, starts a comment.

Every line is checked before anything is sent. A bad line is reported with
its line number and the command exits with status 3 without changing the
set, unless --skip-invalid is given: then each bad line is reported and
skipped, and the other lines are applied.

Progress goes to stderr for large inputs: a bar with rate and ETA on a
terminal, plain lines otherwise. The kernel applies the batch as one step,
so the commit shows its elapsed time only.`

const fileOptions: Options = {
  'skip-invalid': { type: 'boolean', help: 'report and skip invalid lines instead of applying nothing' },
  quiet: { type: 'boolean', short: 'q', help: 'print no progress and no summary' },
}

export const load: Command = {
  name: 'load',
  usage: 'FAMILY TABLE SET FILE|-',
  summary: 'add every element of a file or stdin in one batch',
  description: `Add every element of FILE to a set or map in one batch, as \`nft add
element\` does: elements that exist already are left as they are.

${FILE_RULES}`,
  options: fileOptions,
  examples: [
    'nftset load inet filter blocklist blocklist.txt',
    'curl -fsS https://example.com/drop.txt | nftset load inet filter blocklist -',
  ],
  run: (context) => runFile(context, 'load'),
}

export const sync: Command = {
  name: 'sync',
  usage: 'FAMILY TABLE SET FILE|-',
  summary: "make a set hold exactly a file's elements",
  description: `Make a set or map hold exactly the elements of FILE, with the fewest
changes, in one batch: missing elements are added and the others deleted.
Elements in both keep their timeout, comment and counter. Other processes
see the old contents or the new ones, never a mix. A FILE with no elements
is refused, because a failed download or a broken pipe looks the same;
give --allow-empty to empty the set that way.

${FILE_RULES}`,
  options: {
    ...fileOptions,
    'allow-empty': { type: 'boolean', help: 'accept a FILE with no elements and empty the set' },
  },
  examples: ['nftset sync inet filter blocklist blocklist.txt'],
  run: (context) => runFile(context, 'sync'),
}

async function runFile(context: Context, mode: 'load' | 'sync'): Promise<number> {
  const { set, rest } = takeSetRef(context.positionals, mode)
  if (rest.length === 0) throw new UsageError('missing FILE (give - for standard input)', mode)
  expectAtMost(rest, 1, mode)
  const progress = new Progress({ stream: context.stderr, quiet: context.values.quiet === true })
  const skipInvalid = context.values['skip-invalid'] === true

  return withConnection(context, async (nft) => {
    // Reading the set first reports a missing set before a long read.
    const info = await nft.getSet(set)
    const started = progress.now()
    const input = await readInput(rest[0], progress)
    const lines = input.toString('utf8').split('\n')
    const count = elementLineNumbers(lines).length

    const report = (found: InvalidLine) => progress.warn(`nftset: line ${found.line}: ${found.message} (skipped)`)
    const name = `${info.family} ${info.table} ${info.name}`
    let invalid: InvalidLine[] = []
    if (skipInvalid) {
      invalid = await blankInvalidLines(nft, info, lines, progress, report)
    }
    const toCommit = count - invalid.length
    if (mode === 'sync' && toCommit === 0 && context.values['allow-empty'] !== true) {
      throw new CliError(
        `${rest[0] === '-' ? 'standard input' : rest[0]} has no valid elements, and syncing would ` +
          `empty set ${name}; give --allow-empty to do that`,
      )
    }
    const elements = formatCountOf(toCommit, 'element')
    const action =
      mode === 'load'
        ? `${skipInvalid ? 'committing' : 'validating and committing'} ${elements} in one batch`
        : `reading ${name} and committing the changes for ${elements} in one batch`
    const step = progress.step(action, toCommit >= LARGE.elements)
    let result: { added: number; removed: number }
    try {
      result = await commitLines(nft, set, mode, skipInvalid ? undefined : input, lines, invalid, report)
    } finally {
      step.end()
    }

    const took = formatSeconds(progress.now() - started)
    // The commit may have found more invalid lines than the dry runs.
    const loaded = count - invalid.length
    const skipped = invalid.length > 0 ? `; skipped ${formatCountOf(invalid.length, 'invalid line')}` : ''
    if (mode === 'load') {
      progress.line(`loaded ${formatCountOf(loaded, 'element')} into ${name} in ${took}${skipped}`)
    } else {
      const changes = `added ${formatCount(result.added)}, removed ${formatCount(result.removed)}`
      progress.line(`synced ${name} in ${took}: ${formatCountOf(loaded, 'element')} read, ${changes}${skipped}`)
    }
    return EXIT.ok
  })
}

/**
 * Commits the input. Without --skip-invalid the Buffer read is sent as it
 * is, and an invalid line fails the whole command. With it, a line that only
 * the whole input shows to be invalid, such as a range that overlaps one in
 * another chunk, is reported, blanked and the commit retried.
 */
async function commitLines(
  nft: Nftables,
  set: SetRef,
  mode: 'load' | 'sync',
  input: Buffer | undefined,
  lines: string[],
  invalid: InvalidLine[],
  report: (found: InvalidLine) => void,
): Promise<{ added: number; removed: number }> {
  for (;;) {
    const text = input ?? Buffer.from(lines.join('\n'))
    try {
      if (mode === 'sync') return await nft.syncElements(set, text)
      await nft.addElements(set, text)
      return { added: 0, removed: 0 }
    } catch (error) {
      if (!(error instanceof NftsetError && error.code === 'ERR_INVALID_ELEMENT')) throw error
      const found = locate(error, lines, 0)
      if (input !== undefined) {
        error.message = `line ${found.line}: ${found.message.replace(/\.$/, '')}. Nothing was applied.`
        throw error
      }
      invalid.push(found)
      report(found)
      lines[found.line - 1] = ''
    }
  }
}

import { NftsetError } from '../errors.js'
import type { Nftables } from '../nftables.js'
import { SET_FLAGS } from '../schemas.js'
import type { SetInfo, SetRef, SetSpec } from '../types.js'
import { elementLineNumbers } from './input.js'
import type { Progress } from './progress.js'

/** Element lines checked per dry run. */
const CHUNK = 8192

/** A line rejected by the library, with the message to report. */
export interface InvalidLine {
  /** 1-based line number in the whole input. */
  line: number
  error: NftsetError
  /** The error's message, with line numbers of the whole input. */
  message: string
}

/**
 * Checks every element line against the set's types without changing
 * anything, and blanks each invalid line in `lines`, so that the rest can
 * be committed. Calls `report` for each invalid line as it is found.
 *
 * Each chunk of lines is sent as a dry run: a transaction that creates a
 * scratch copy of the set and adds the chunk to it, committed with a
 * generation id that is already stale. The library parses and checks
 * every element before it sends anything, exactly as for the real commit.
 * The kernel then rejects the whole batch for its stale generation before
 * it looks at any message (ERR_GENERATION_CONFLICT), so nothing is applied.
 * Reading the chunk into a copy created in the same batch keeps the set
 * itself out of the check: its elements are not read, and overlaps with
 * them are found by the real commit.
 */
export async function blankInvalidLines(
  nft: Nftables,
  info: SetInfo,
  lines: string[],
  progress: Progress,
  report: (invalid: InvalidLine) => void,
): Promise<InvalidLine[]> {
  const scratch = scratchSpec(info)
  const scratchRef: SetRef = { family: scratch.family, table: scratch.table, set: scratch.name }
  const current = await nft.generation()
  // The generation only grows, so one below the current one never matches
  // again. 0 would turn the check off, so it wraps to the largest value.
  const stale = current > 1 ? current - 1 : 0xffffffff

  const numbers = elementLineNumbers(lines)
  const phase = progress.phase('validating', numbers.length, 'elements')
  const invalid: InvalidLine[] = []
  for (let start = 0; start < numbers.length; start += CHUNK) {
    const first = numbers[start]
    const last = numbers[Math.min(start + CHUNK, numbers.length) - 1]
    for (;;) {
      const chunk = Buffer.from(lines.slice(first - 1, last).join('\n'))
      const error = await dryRun(nft, scratch, scratchRef, chunk, stale)
      if (error === undefined) break
      const found = locate(error, lines.slice(first - 1, last), first - 1)
      found.message = found.message.split(scratch.name).join(info.name)
      invalid.push(found)
      report(found)
      lines[found.line - 1] = ''
    }
    phase.update(Math.min(start + CHUNK, numbers.length))
  }
  phase.finish()
  return invalid
}

/**
 * Commits the chunk as a dry run and returns the invalid-element error it
 * raised, or `undefined` when every line of the chunk is valid.
 */
async function dryRun(
  nft: Nftables,
  scratch: SetSpec,
  scratchRef: SetRef,
  chunk: Buffer,
  stale: number,
): Promise<NftsetError | undefined> {
  try {
    await nft.transaction(
      (tx) => {
        tx.createSet(scratch)
        tx.addElements(scratchRef, chunk)
      },
      { generation: stale },
    )
  } catch (error) {
    if (error instanceof NftsetError && error.code === 'ERR_GENERATION_CONFLICT') return undefined
    if (error instanceof NftsetError && error.code === 'ERR_INVALID_ELEMENT' && error.operationIndex === 1) {
      return error
    }
    throw error
  }
  // Only a kernel that ignores the generation id gets here.
  await nft.deleteSet(scratchRef, { ifExists: true }).catch(() => undefined)
  throw new NftsetError(
    `the kernel applied a dry run with a stale generation id; validate without --skip-invalid`,
    { code: 'ERR_NOT_SUPPORTED' },
  )
}

/**
 * Finds the input line of an invalid-element error raised for a chunk whose
 * first line is input line `offset + 1`, and rewrites its message with
 * line numbers of the whole input.
 */
export function locate(error: NftsetError, chunkLines: string[], offset: number): InvalidLine {
  const numbers = elementLineNumbers(chunkLines)
  const lineOf = (index: number | undefined) => (index === undefined ? undefined : numbers[index])
  const local = error.line ?? lineOf(error.elementIndex) ?? 1
  const line = offset + local
  let message = error.message.replace(` on line ${local}:`, ':')
  if (error.conflictElement !== undefined) {
    const conflictLocal = lineOf(error.conflictIndex)
    const where = conflictLocal === undefined ? '' : ` on line ${offset + conflictLocal}`
    const overlap = `"${error.element ?? ''}" overlaps "${error.conflictElement}"${where}`
    message = `${overlap}; merge them, or create the set with auto-merge`
  }
  return { line, error, message }
}

/**
 * Builds a copy of the set's definition, under another name, for dry runs. The
 * size, policy and comment do not change how elements are parsed and are
 * left out.
 */
function scratchSpec(info: SetInfo): SetSpec {
  if (info.type.includes('0x') || info.map?.includes('0x')) {
    throw new NftsetError(
      `set ${info.family} ${info.table} ${info.name} has a type nftset cannot encode, so its elements cannot be loaded`,
      { code: 'ERR_NOT_SUPPORTED', family: info.family, table: info.table, set: info.name },
    )
  }
  const flags = info.flags.filter((flag): flag is (typeof SET_FLAGS)[number] =>
    (SET_FLAGS as readonly string[]).includes(flag),
  )
  const spec: SetSpec = {
    family: info.family,
    table: info.table,
    name: `nftset-check-${process.pid}`,
    type: info.type,
    flags,
  }
  if (info.map !== undefined) spec.map = info.map
  if (info.timeout !== undefined) spec.timeout = info.timeout
  if (info.gcInterval !== undefined) spec.gcInterval = info.gcInterval
  if (info.autoMerge) spec.autoMerge = true
  if (info.counter) spec.counter = true
  return spec
}

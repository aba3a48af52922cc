import { createReadStream, statSync } from 'node:fs'
import type { Readable } from 'node:stream'

import { countNewlines, LineLengthCheck, LINE_MAX_BYTES } from '../elements.js'
import { systemMessage } from '../errors.js'
import { CliError, EXIT } from './errors.js'
import type { Progress } from './progress.js'

const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf])

/**
 * Reads a file, or standard input for `-`, with progress in bytes. The size
 * of a regular file gives the bar its total; standard input has none.
 *
 * FIFOs and devices are read too, as in `nftset load inet t s <(command)`.
 * A line longer than `LINE_MAX_BYTES` stops the reading, because input
 * without line breaks, such as /dev/zero, would otherwise fill the memory.
 * Endless input with short lines still does. A UTF-8 byte order mark at the
 * start is dropped.
 */
export async function readInput(source: string, progress: Progress): Promise<Buffer> {
  const fromStdin = source === '-'
  const name = fromStdin ? 'standard input' : source
  let total: number | undefined
  let stream: Readable
  if (fromStdin) {
    stream = process.stdin
  } else {
    try {
      const stat = statSync(source)
      if (stat.isDirectory()) throw new CliError(`cannot read ${source}: it is a directory`)
      total = stat.isFile() ? stat.size : undefined
    } catch (error) {
      if (error instanceof CliError) throw error
      throw new CliError(`cannot read ${source}: ${systemMessage(error)}`)
    }
    stream = createReadStream(source)
  }

  const phase = progress.phase(`reading ${name}`, total, 'bytes')
  const chunks: Buffer[] = []
  const lineCheck = new LineLengthCheck()
  let bytes = 0
  let longLine = -1
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      chunks.push(buffer)
      bytes += buffer.length
      phase.update(bytes)
      longLine = lineCheck.push(buffer)
      if (longLine >= 0) break
    }
  } catch (error) {
    throw new CliError(`cannot read ${name}: ${systemMessage(error)}`)
  }
  if (longLine >= 0) {
    const line = countNewlines(Buffer.concat(chunks, bytes).subarray(0, longLine)) + 1
    throw new CliError(`cannot read ${name}: line ${line} is longer than ${LINE_MAX_BYTES} bytes`, EXIT.invalidInput)
  }
  phase.finish()
  const input = Buffer.concat(chunks, bytes)
  return input.subarray(0, 3).equals(BYTE_ORDER_MARK) ? input.subarray(3) : input
}

/**
 * Returns the 1-based numbers of the lines of `lines` that contain an
 * element, by the rules the library applies to a Buffer of lines. A `#` at
 * the start of a line or after white space, outside double quotes, starts
 * a comment, and lines left blank are skipped.
 */
export function elementLineNumbers(lines: readonly string[]): number[] {
  const numbers: number[] = []
  for (let index = 0; index < lines.length; index++) {
    if (stripComment(lines[index]).trim() !== '') numbers.push(index + 1)
  }
  return numbers
}

function stripComment(line: string): string {
  if (!line.includes('#')) return line
  let quoted = false
  let afterSpace = true
  for (let at = 0; at < line.length; at++) {
    const c = line[at]
    if (c === '"') {
      quoted = !quoted
    } else if (c === '#' && !quoted && afterSpace) {
      return line.slice(0, at)
    }
    afterSpace = /\s/.test(c)
  }
  return line
}

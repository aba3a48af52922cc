import { createReadStream, statSync } from 'node:fs'
import type { Readable } from 'node:stream'

import { CliError } from './errors.js'
import type { Progress } from './progress.js'

/**
 * Reads a file, or standard input for `-`, with progress in bytes. The size
 * of a regular file gives the bar its total; standard input has none.
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
  let bytes = 0
  try {
    for await (const chunk of stream) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
      chunks.push(buffer)
      bytes += buffer.length
      phase.update(bytes)
    }
  } catch (error) {
    throw new CliError(`cannot read ${name}: ${systemMessage(error)}`)
  }
  phase.finish()
  return Buffer.concat(chunks, bytes)
}

function systemMessage(error: unknown): string {
  const code = (error as { code?: string }).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  return error instanceof Error ? error.message : String(error)
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

import { NftsetError } from '../errors.js'
import { UsageError } from './args.js'

/** Exit statuses of the command-line tool. */
export const EXIT = {
  ok: 0,
  /** The operation failed: a kernel error, a missing set or a missing element. */
  failed: 1,
  /** Bad command-line arguments. */
  usage: 2,
  /** An invalid element or input line. */
  invalidInput: 3,
} as const

/** A failure of the tool itself, such as an unreadable input file. */
export class CliError extends Error {
  readonly exitCode: number

  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** Returns the exit status for an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage
  if (error instanceof CliError) return error.exitCode
  if (error instanceof NftsetError) {
    if (error.code === 'ERR_INVALID_ELEMENT') return EXIT.invalidInput
    if (error.code === 'ERR_INVALID_ARGUMENT') return EXIT.usage
  }
  return EXIT.failed
}

/** Formats the text after `nftset: ` for an error: its message and, for library errors, its code. */
export function errorText(error: unknown): string {
  if (error instanceof NftsetError) return `${error.message} (${error.code})`
  if (error instanceof Error) return error.message
  return String(error)
}

import type { Nftables } from '../nftables.js'
import type { Options, Values } from './args.js'

/** Input of a command, once its arguments are parsed. */
export interface Context {
  values: Values
  positionals: string[]
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream
  /** Opens a connection in the namespace of `--netns`. */
  open(): Promise<Nftables>
}

/** A subcommand of `nftset`, with the text of its `--help`. */
export interface Command {
  name: string
  /** Arguments after `nftset NAME [options]`, such as `FAMILY TABLE SET ELEMENT...`. */
  usage: string
  /** One line for the command list of `nftset --help`. */
  summary: string
  /** Paragraphs of the help text, separated by blank lines. */
  description: string
  /** Options besides the global ones. */
  options: Options
  examples?: string[]
  /** Runs the command and returns the exit status. */
  run(context: Context): Promise<number>
}

/** Runs `body` with an open connection and closes it afterwards. */
export async function withConnection<T>(context: Context, body: (nft: Nftables) => Promise<T>): Promise<T> {
  const nft = await context.open()
  try {
    return await body(nft)
  } finally {
    nft.close()
  }
}

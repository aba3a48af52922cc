#!/usr/bin/env node
/**
 * The `nftset` command: manage the elements of nftables sets and maps from
 * the shell with the library, without spawning nft.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { NftsetError } from '../errors.js'
import { Nftables } from '../nftables.js'
import { findCommand, GLOBAL_OPTIONS, parseCommand, parseNetns, UsageError, type Options } from './args.js'
import type { Command } from './command.js'
import { add, create, destroy, flush, get, remove } from './commands/elements.js'
import { list, listSets } from './commands/list.js'
import { load, sync } from './commands/load.js'
import { monitor } from './commands/monitor.js'
import { createSet, deleteSet } from './commands/sets.js'
import { errorText, EXIT, exitCodeOf } from './errors.js'
import { commandHelp, mainHelp, usageLine } from './help.js'

const COMMANDS: Command[] = [
  list,
  listSets,
  get,
  add,
  create,
  remove,
  destroy,
  flush,
  createSet,
  deleteSet,
  load,
  sync,
  monitor,
]

const VERSION_OPTION: Options = { version: { type: 'boolean', short: 'V', help: 'print the version and exit' } }

/** Runs the tool with the arguments after `nftset` and returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let command: Command | undefined
  try {
    const commandOptions = COMMANDS.map((candidate) => candidate.options)
    const allOptions = Object.assign({}, ...commandOptions, GLOBAL_OPTIONS, VERSION_OPTION)
    const found = findCommand(args, allOptions)
    if (found.name === undefined) return noCommand(found.rest)
    if (found.name === 'help') return helpCommand(found.rest)

    command = COMMANDS.find((candidate) => candidate.name === found.name)
    if (command === undefined) throw new UsageError(`unknown command "${found.name}"`)
    const { values, positionals } = parseCommand(command.name, found.rest, command.options)
    if (values.help === true) {
      process.stdout.write(commandHelp(command))
      return EXIT.ok
    }
    const netns = parseNetns(values.netns)
    return await command.run({
      values,
      positionals,
      stdout: process.stdout,
      stderr: process.stderr,
      open: () => Nftables.open({ netns }),
    })
  } catch (error) {
    report(error, command)
    return exitCodeOf(error)
  }
}

/** `nftset`, `nftset --help` and `nftset --version`. */
function noCommand(args: string[]): number {
  const { values, positionals } = parseCommand('', args, VERSION_OPTION)
  if (positionals.length > 0) throw new UsageError(`unknown command "${positionals[0]}"`)
  if (values.version === true) {
    process.stdout.write(`nftset ${version()}\n`)
    return EXIT.ok
  }
  if (values.help === true) {
    process.stdout.write(mainHelp(COMMANDS))
    return EXIT.ok
  }
  throw new UsageError('missing COMMAND')
}

/** `nftset help [COMMAND]`. */
function helpCommand(args: string[]): number {
  const [name, ...rest] = args
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`)
  if (name === undefined) {
    process.stdout.write(mainHelp(COMMANDS))
    return EXIT.ok
  }
  const command = COMMANDS.find((candidate) => candidate.name === name)
  if (command === undefined) throw new UsageError(`unknown command "${name}"`)
  process.stdout.write(commandHelp(command))
  return EXIT.ok
}

/** Prints `nftset: MESSAGE` and, for bad arguments, the usage line. */
function report(error: unknown, command: Command | undefined): void {
  process.stderr.write(`nftset: ${errorText(error)}\n`)
  const invalidArgument = error instanceof NftsetError && error.code === 'ERR_INVALID_ARGUMENT'
  if (!(error instanceof UsageError) && !invalidArgument) return

  let usageOf = command
  if (error instanceof UsageError && error.command) {
    usageOf = COMMANDS.find((candidate) => candidate.name === error.command) ?? command
  }
  if (usageOf !== undefined) {
    process.stderr.write(`${usageLine(usageOf)}\nRun 'nftset ${usageOf.name} --help' for more information.\n`)
  } else {
    process.stderr.write('usage: nftset [--netns NS] COMMAND [options] ARGS...\n')
    process.stderr.write("Run 'nftset --help' for the list of commands.\n")
  }
}

function version(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
  return manifest.version
}

if (require.main === module) {
  // A reader that goes away, as `head` does, ends the output: exit quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? EXIT.ok)
  })
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status
    },
    (error: unknown) => {
      process.stderr.write(`nftset: ${errorText(error)}\n`)
      process.exitCode = EXIT.failed
    },
  )
}

import { parseArgs, type ParseArgsConfig } from 'node:util'

import { FAMILIES } from '../schemas.js'
import type { Family, SetRef } from '../types.js'

/** One option of a command, as `parseArgs` takes it, with its help text. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** Placeholder of the value in the help text, such as `NS`. */
  valueName?: string
  /** One line for the help text. */
  help: string
}

export type Options = Record<string, OptionSpec>

/** Parsed option values: strings for string options, true for boolean flags. */
export type Values = Record<string, string | boolean | undefined>

/** Bad command-line arguments: exit code 2, with the command's usage line. */
export class UsageError extends Error {
  /** Command whose usage line to print, if known. */
  command?: string

  constructor(message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Options = {
  netns: {
    type: 'string',
    valueName: 'NS',
    help: 'network namespace: a path, an `ip netns` name or a process id',
  },
  help: { type: 'boolean', short: 'h', help: 'print this help and exit' },
}

/**
 * Finds the command name: the first argument that is not an option or an
 * option's value. Options of every command are declared, so that the value
 * of `--netns NS` before the command is not taken for it.
 */
export function findCommand(args: string[], allOptions: Options): { name?: string; rest: string[] } {
  const { tokens } = parseArgs({
    args,
    options: toConfig(allOptions),
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const first = tokens.find((token) => token.kind === 'positional')
  if (first === undefined) {
    return { rest: args }
  }
  const rest = [...args.slice(0, first.index), ...args.slice(first.index + 1)]
  return { name: first.value, rest }
}

/** Parses the arguments of one command strictly; unknown options are usage errors. */
export function parseCommand(
  command: string,
  args: string[],
  options: Options,
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: toConfig({ ...GLOBAL_OPTIONS, ...options }),
      strict: true,
      allowPositionals: true,
    })
    return { values: values as Values, positionals }
  } catch (error) {
    throw new UsageError(parseErrorMessage(error), command)
  }
}

function toConfig(options: Options): NonNullable<ParseArgsConfig['options']> {
  const config: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, spec] of Object.entries(options)) {
    config[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short }
  }
  return config
}

/** Shortens the messages of `parseArgs`, which suggest `--` for every unknown option. */
function parseErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: string }).code
  // parseArgs quotes the option as '--type <value>' or '-q, --quiet': keep the long name.
  const quoted = /'([^']+)'/.exec(error.message)?.[1]?.split(', ').pop()?.split(' ')[0]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    return `unknown option ${quoted}`
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    return error.message.includes('argument missing')
      ? `option ${quoted} needs a value`
      : `option ${quoted} takes no value`
  }
  return error.message
}

/** Returns the family, or throws a usage error naming the valid ones. */
export function parseFamily(text: string, command: string): Family {
  if (!(FAMILIES as readonly string[]).includes(text)) {
    throw new UsageError(`invalid family "${text}": expected one of ${FAMILIES.join(', ')}`, command)
  }
  return text as Family
}

/**
 * Takes FAMILY TABLE SET from the front of the positionals and returns the
 * set with the positionals that follow.
 */
export function takeSetRef(positionals: string[], command: string): { set: SetRef; rest: string[] } {
  if (positionals.length < 3) {
    const missing = ['FAMILY', 'TABLE', 'SET'].slice(positionals.length).join(' ')
    throw new UsageError(`missing ${missing}`, command)
  }
  const [family, table, set, ...rest] = positionals
  return { set: { family: parseFamily(family, command), table, set }, rest }
}

/** Throws a usage error when more positionals than `max` are given. */
export function expectAtMost(positionals: string[], max: number, command: string): void {
  if (positionals.length > max) {
    throw new UsageError(`unexpected argument "${positionals[max]}"`, command)
  }
}

/** Turns `--netns` into what `Nftables.open()` takes: a process id for digits, else a name or a path. */
export function parseNetns(value: string | boolean | undefined): string | number | undefined {
  if (typeof value !== 'string') return undefined
  if (value === '') throw new UsageError('--netns needs a namespace name, path or process id')
  return /^\d+$/.test(value) ? Number(value) : value
}

/** Parses a positive whole number option such as `--size`. */
export function parseCount(value: string, option: string, command: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`invalid ${option} "${value}": expected a whole number of at least 1`, command)
  }
  return Number(value)
}

/**
 * Splits element arguments. Each argument is one element in nft's syntax;
 * an argument in braces, such as `{ 192.0.2.1, 192.0.2.2 }`, contains several
 * separated by commas, as in nft. Commas inside double quotes are kept.
 */
export function splitElements(args: string[]): string[] {
  const out: string[] = []
  for (const arg of args) {
    const text = arg.trim()
    if (!(text.startsWith('{') && text.endsWith('}'))) {
      out.push(text)
      continue
    }
    let quoted = false
    let start = 1
    const inner = text.length - 1
    for (let at = 1; at <= inner; at++) {
      const c = text[at]
      if (c === '"') quoted = !quoted
      if ((c === ',' && !quoted) || at === inner) {
        const element = text.slice(start, at).trim()
        if (element !== '') out.push(element)
        start = at + 1
      }
    }
  }
  return out
}

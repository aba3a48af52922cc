import { GLOBAL_OPTIONS, type Options } from './args.js'
import type { Command } from './command.js'

/** `usage: nftset add [--netns NS] FAMILY TABLE SET ELEMENT...`. */
export function usageLine(command: Command): string {
  return `usage: nftset ${command.name} [--netns NS] ${command.usage}`
}

/** Formats the text of `nftset COMMAND --help`. */
export function commandHelp(command: Command): string {
  const options = optionLines({ ...command.options, ...GLOBAL_OPTIONS })
  const parts = [usageLine(command), '', command.description, '', 'options:', options]
  if (command.examples !== undefined && command.examples.length > 0) {
    parts.push('', 'examples:', ...command.examples.map((example) => `  ${example}`))
  }
  return `${parts.join('\n')}\n`
}

/** Formats the text of `nftset --help`. */
export function mainHelp(commands: Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length))
  const lines = [
    'usage: nftset [--netns NS] COMMAND [options] ARGS...',
    '',
    'Manage the elements of nftables sets and maps over netlink, without nft.',
    'Sets are named as in nft: FAMILY TABLE SET, such as inet filter blocklist.',
    '',
    'commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'options:',
    optionLines({ ...GLOBAL_OPTIONS, version: { type: 'boolean', short: 'V', help: 'print the version and exit' } }),
    '',
    "Run 'nftset COMMAND --help' for the arguments and options of a command.",
    '',
    'exit status: 0 success; 1 the operation failed (kernel error, missing set',
    'or element); 2 bad arguments; 3 an invalid element or input line.',
  ]
  return `${lines.join('\n')}\n`
}

function optionLines(options: Options): string {
  const entries = Object.entries(options).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `
    const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''
    return { left: `  ${short}--${name}${value}`, help: spec.help }
  })
  const width = Math.max(...entries.map((entry) => entry.left.length))
  return entries.map((entry) => `${entry.left.padEnd(width)}  ${entry.help}`).join('\n')
}

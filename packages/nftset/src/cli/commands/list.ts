import type { ElementInfo, SetInfo } from '../../types.js'
import { expectAtMost, parseFamily, takeSetRef, UsageError } from '../args.js'
import { withConnection, type Command } from '../command.js'
import { documentJson, setJson } from '../nft-json.js'
import { formatDuration, formatTable, setKind, setProperties, typeText, type Column } from '../text.js'

const jsonOption = {
  type: 'boolean',
  help: "print nft's JSON schema, as `nft -j list` does, instead of a table",
} as const

export const list: Command = {
  name: 'list',
  usage: '[--json] FAMILY TABLE SET',
  summary: 'print the elements of a set or map',
  description: `Print the elements of a set or map, as \`nft list set\` does: a header line
with the set's type and properties, then a table with one element a row.
The value, timeout, expires, comment and counter columns appear only when
some element has them. Ranges of interval sets are listed in ascending
order; other elements in the order the kernel returns them.

With --json, print one line of JSON in the schema of \`nft -j list set\`.`,
  options: { json: jsonOption },
  examples: ['nftset list inet filter blocklist', 'nftset list --json inet filter blocklist | jq .'],
  async run(context) {
    const { set, rest } = takeSetRef(context.positionals, 'list')
    expectAtMost(rest, 0, 'list')
    await withConnection(context, async (nft) => {
      const info = await nft.getSet(set)
      const elements = await nft.listElements(set)
      if (context.values.json) {
        context.stdout.write(`${JSON.stringify(documentJson([setJson(info, elements)]))}\n`)
      } else {
        context.stdout.write(formatElements(info, elements))
      }
    })
    return 0
  },
}

export const listSets: Command = {
  name: 'list-sets',
  usage: '[--json] [FAMILY [TABLE]]',
  summary: 'print the sets and maps of every table, one family or one table',
  description: `Print the sets and maps without their elements, as \`nft list sets\` and
\`nft list maps\` do: one row each with the family, table, name, type and
properties. The elements column needs Linux 6.16 or later and is left out
on older kernels.

With --json, print one line of JSON in the schema of \`nft -j list sets\`,
sets and maps together, without the "elem" arrays that nft 1.0.6 adds.`,
  options: { json: jsonOption },
  examples: ['nftset list-sets', 'nftset list-sets inet filter'],
  async run(context) {
    const [familyText, table, ...rest] = context.positionals
    expectAtMost(rest, 0, 'list-sets')
    const family = familyText === undefined ? undefined : parseFamily(familyText, 'list-sets')
    if (table === '') throw new UsageError('the table name is empty', 'list-sets')
    await withConnection(context, async (nft) => {
      const sets = await nft.listSets({ family, table })
      if (context.values.json) {
        context.stdout.write(`${JSON.stringify(documentJson(sets.map((info) => setJson(info))))}\n`)
      } else if (sets.length > 0) {
        context.stdout.write(formatSets(sets))
      }
    })
    return 0
  },
}

/** `set inet filter blocklist: type ipv4_addr; flags interval; 3 elements`. */
export function setHeader(info: SetInfo, count: number): string {
  const parts = [`type ${typeText(info)}`, ...setProperties(info), `${count} ${count === 1 ? 'element' : 'elements'}`]
  return `${setKind(info)} ${info.family} ${info.table} ${info.name}: ${parts.join('; ')}`
}

/** Formats the header line and the element table of `list`. */
export function formatElements(info: SetInfo, elements: ElementInfo[]): string {
  const header = `${setHeader(info, elements.length)}\n`
  if (elements.length === 0) return header
  const has = (field: keyof ElementInfo) => elements.some((element) => element[field] !== undefined)
  const columns: Array<Column & { cell: (element: ElementInfo) => string }> = [
    { title: 'KEY', cell: (element) => element.key },
  ]
  if (has('value')) columns.push({ title: 'VALUE', cell: (element) => element.value ?? '' })
  if (has('timeout')) columns.push({ title: 'TIMEOUT', cell: (element) => duration(element.timeout) })
  if (has('expires')) columns.push({ title: 'EXPIRES', cell: (element) => duration(element.expires) })
  if (has('comment')) columns.push({ title: 'COMMENT', cell: (element) => element.comment ?? '' })
  if (has('counter')) {
    columns.push({ title: 'PACKETS', right: true, cell: (element) => String(element.counter?.packets ?? '') })
    columns.push({ title: 'BYTES', right: true, cell: (element) => String(element.counter?.bytes ?? '') })
  }
  const rows = elements.map((element) => columns.map((column) => column.cell(element)))
  return header + formatTable(columns, rows)
}

function duration(ms: number | undefined): string {
  return ms === undefined ? '' : formatDuration(ms)
}

/** Formats the table of `list-sets`. */
export function formatSets(sets: SetInfo[]): string {
  const withCount = sets.some((info) => info.count !== undefined)
  const columns: Column[] = [
    { title: 'FAMILY' },
    { title: 'TABLE' },
    { title: 'NAME' },
    { title: 'TYPE' },
    { title: 'PROPERTIES' },
  ]
  if (withCount) columns.push({ title: 'ELEMENTS', right: true })
  const rows = sets.map((info) => {
    const row = [info.family, info.table, info.name, typeText(info), setProperties(info).join('; ')]
    if (withCount) row.push(info.count === undefined ? '' : String(info.count))
    return row
  })
  return formatTable(columns, rows)
}

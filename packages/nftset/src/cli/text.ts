import type { ElementInfo, SetInfo } from '../types.js'

/**
 * Spells milliseconds as nft 1.0.6 prints durations: days, hours, minutes,
 * seconds and milliseconds, zero parts left out (`1h`, `59m59s996ms`).
 */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s'
  const parts: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ]
  let left = Math.floor(ms)
  let text = ''
  for (const [size, unit] of parts) {
    const count = Math.floor(left / size)
    if (count > 0) {
      text += `${count}${unit}`
      left -= count * size
    }
  }
  return text
}

/**
 * Spells an element in nft's syntax, in the order nft lists it: key,
 * counter, timeout, expires, comment, then ` : value` for maps. The line
 * can be loaded again, unless its comment contains a double quote, which
 * nft's syntax cannot express.
 */
export function elementText(element: ElementInfo): string {
  let text = element.key
  if (element.counter !== undefined) {
    text += ` counter packets ${element.counter.packets} bytes ${element.counter.bytes}`
  }
  if (element.timeout !== undefined) text += ` timeout ${formatDuration(element.timeout)}`
  if (element.expires !== undefined) text += ` expires ${formatDuration(element.expires)}`
  if (element.comment !== undefined) text += ` comment ${JSON.stringify(element.comment)}`
  if (element.value !== undefined) text += ` : ${element.value}`
  return text
}

/** Returns `set` or `map`, as nft names the object. */
export function setKind(info: Pick<SetInfo, 'map'>): 'set' | 'map' {
  return info.map === undefined ? 'set' : 'map'
}

/** Returns the type as nft declares it: `ipv4_addr`, or `ipv4_addr : verdict` for a map. */
export function typeText(info: Pick<SetInfo, 'type' | 'map'>): string {
  return info.map === undefined ? info.type : `${info.type} : ${info.map}`
}

/**
 * Lists the properties of a set after its type, as nft declares them:
 * `flags interval`, `timeout 1h`, `size 65536`, `policy memory`,
 * `auto-merge`, `counter`, `comment "..."`.
 */
export function setProperties(info: SetInfo): string[] {
  const out: string[] = []
  if (info.flags.length > 0) out.push(`flags ${info.flags.join(',')}`)
  if (info.timeout !== undefined) out.push(`timeout ${formatDuration(info.timeout)}`)
  if (info.gcInterval !== undefined) out.push(`gc-interval ${formatDuration(info.gcInterval)}`)
  if (info.size !== undefined) out.push(`size ${info.size}`)
  if (info.policy !== undefined) out.push(`policy ${info.policy}`)
  if (info.autoMerge) out.push('auto-merge')
  if (info.counter) out.push('counter')
  if (info.comment !== undefined) out.push(`comment ${JSON.stringify(info.comment)}`)
  return out
}

/** A column of a text table. */
export interface Column {
  title: string
  /** Right-aligned, for numbers. */
  right?: boolean
}

/**
 * Lays out rows as an aligned table with a title row, columns two spaces
 * apart and no trailing spaces.
 */
export function formatTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, index) =>
    rows.reduce((width, row) => Math.max(width, (row[index] ?? '').length), column.title.length),
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, index) => {
        const last = index === cells.length - 1
        if (columns[index].right) return cell.padStart(widths[index])
        return last ? cell : cell.padEnd(widths[index])
      })
      .join('  ')
      .trimEnd()
  const lines = [line(columns.map((column) => column.title)), ...rows.map(line)]
  return lines.join('\n') + '\n'
}

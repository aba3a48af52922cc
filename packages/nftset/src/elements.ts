import type { NativeConnection, NativeElement } from '../native/index.js'
import { describe, fromZod, NftsetError } from './errors.js'
import { elementObjectSchema, elementSchema } from './schemas.js'
import type { ElementInput, ElementObject, ElementSource, Scalar } from './types.js'

/** Elements in the form the native binding takes; one field is set. */
export interface NativeElements {
  /** All elements in nft's syntax, one per line. */
  lines?: string
  /** Id of a staging area holding the lines, for large lists. */
  staged?: number
  /** Content of an element file. */
  text?: Buffer
  /** Path of an element file, read by the connection's thread. */
  file?: string
  /** Elements one by one. */
  elements?: NativeElement[]
}

/** Elements per piece when a large list is handed over. */
export const CHUNK = 10000

/**
 * Checks the shape of an element source at once, so that a wrong type is
 * reported by the call that received it. The elements themselves are
 * checked when the transaction is committed.
 */
export function checkSource(source: unknown, argument = 'elements'): ElementSource {
  if (Array.isArray(source) || Buffer.isBuffer(source)) {
    return source as ElementSource
  }
  if (typeof source === 'object' && source !== null) {
    if (typeof (source as { file?: unknown }).file === 'string' && Object.keys(source).length === 1) {
      return source as ElementSource
    }
    if (Symbol.asyncIterator in source || Symbol.iterator in source) {
      return source as ElementSource
    }
  }
  throw new NftsetError(
    `invalid ${argument}: expected an array of elements, a Buffer of lines, { file }, or an iterable`,
    { code: 'ERR_INVALID_ARGUMENT', path: argument, value: source },
  )
}

/**
 * Converts an element source for the native binding.
 *
 * Lists travel as nft-syntax lines whenever every element can be written
 * that way: the Rust side parses them off the event loop, and a large list
 * is handed over in pieces of `CHUNK` elements with a pause for the event
 * loop after each, so that loading a million elements never blocks it for
 * long. Objects are validated with zod first.
 */
export async function toNative(
  native: NativeConnection,
  source: ElementSource,
  argument = 'elements',
): Promise<NativeElements> {
  if (Buffer.isBuffer(source)) {
    return { text: source }
  }
  if (!Array.isArray(source) && typeof (source as { file?: unknown }).file === 'string') {
    return { file: (source as { file: string }).file }
  }
  const items = Array.isArray(source) ? source : await collect(source as Iterable<unknown> | AsyncIterable<unknown>)
  const lines = await toLines(items, argument)
  if (lines === undefined) {
    return { elements: await toObjects(items, argument) }
  }
  if (lines.length <= 1) {
    return { lines: lines[0] ?? '' }
  }
  const staged = native.stageOpen()
  try {
    for (const piece of lines) {
      native.stageAppend(staged, piece)
      await pause()
    }
  } catch (error) {
    native.stageDiscard(staged)
    throw error
  }
  return { staged }
}

/** Converts a list for a call that takes few elements, such as a lookup. */
export function toNativeNow(source: unknown, argument: string): NativeElements {
  if (!Array.isArray(source)) {
    throw new NftsetError(`invalid ${argument}: expected an array`, {
      code: 'ERR_INVALID_ARGUMENT',
      path: argument,
      value: source,
    })
  }
  if (source.every((item) => typeof item === 'string' && item !== '' && !item.includes('\n'))) {
    return { lines: source.join('\n') }
  }
  return { elements: source.map((item, index) => convert(validate(item, argument, index))) }
}

async function collect(source: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = []
  for await (const item of source) {
    items.push(item)
  }
  return items
}

/**
 * Writes every element as one nft-syntax line and joins them in pieces
 * of `CHUNK`. Returns `undefined` when some element cannot be written as a
 * line, such as a comment with a double quote.
 */
async function toLines(items: readonly unknown[], argument: string): Promise<string[] | undefined> {
  if (allPlainStrings(items)) {
    return joinPieces(items as readonly string[])
  }
  const pieces: string[] = []
  for (let start = 0; start < items.length; start += CHUNK) {
    const slice = items.slice(start, start + CHUNK)
    const lines: string[] = []
    for (let offset = 0; offset < slice.length; offset++) {
      const line = toLine(slice[offset], argument, start + offset)
      if (line === undefined) return undefined
      lines.push(line)
    }
    pieces.push(lines.join('\n'))
    if (items.length > CHUNK) await pause()
  }
  return pieces
}

/** Returns true when every item is a non-empty string without a line break. */
function allPlainStrings(items: readonly unknown[]): boolean {
  for (let index = 0; index < items.length; index++) {
    const item = items[index]
    if (typeof item !== 'string' || item === '' || item.includes('\n')) return false
  }
  return true
}

/** Joins strings in pieces of `CHUNK`, pausing for the event loop between pieces of a long list. */
async function joinPieces(items: readonly string[]): Promise<string[]> {
  if (items.length <= CHUNK) return [items.join('\n')]
  const pieces: string[] = []
  for (let start = 0; start < items.length; start += CHUNK) {
    pieces.push(items.slice(start, start + CHUNK).join('\n'))
    await pause()
  }
  return pieces
}

function toLine(item: unknown, argument: string, index: number): string | undefined {
  if (typeof item === 'string') {
    // An empty string would vanish from the joined text, so it goes the
    // per-element way and is rejected there.
    return item !== '' && !item.includes('\n') ? item : undefined
  }
  const element = validate(item, argument, index)
  if (typeof element === 'number') return String(element)
  if (Array.isArray(element)) return fieldsLine(element)
  if (typeof element === 'object') return objectLine(element)
  return undefined
}

/** Spells an element object in nft's syntax, or `undefined` if it cannot be. */
function objectLine(element: ElementObject): string | undefined {
  const key = fieldsLine(Array.isArray(element.key) ? element.key : [element.key])
  if (key === undefined) return undefined
  let line = key
  if (element.counter) line += ` counter packets ${element.counter.packets} bytes ${element.counter.bytes}`
  if (element.timeout !== undefined) line += ` timeout ${durationText(element.timeout)}`
  if (element.expires !== undefined) line += ` expires ${durationText(element.expires)}`
  if (element.comment !== undefined) {
    if (/["\n\0]/.test(element.comment)) return undefined
    line += ` comment "${element.comment}"`
  }
  if (element.value !== undefined) {
    const value = Array.isArray(element.value) ? fieldsLine(element.value) : valueText(element.value)
    if (value === undefined) return undefined
    line += ` : ${value}`
  }
  return line
}

/** A map value: a verdict such as `jump CHAIN` may contain one space. */
function valueText(value: Scalar): string | undefined {
  if (typeof value === 'number') return String(value)
  return /^(jump|goto) [^\s"#]+$/.test(value) ? value : fieldsLine([value])
}

function fieldsLine(fields: readonly Scalar[]): string | undefined {
  const parts: string[] = []
  for (const field of fields) {
    if (typeof field === 'number') {
      parts.push(String(field))
    } else if (/^[^\s"#:]+$|^[^\s"#]*:[^\s"#]*:[^\s"#]*$/.test(field)) {
      // Plain tokens, and IPv6 and MAC addresses, which hold several colons.
      parts.push(field)
    } else {
      return undefined
    }
  }
  return parts.join(' . ')
}

function durationText(duration: number | string): string {
  return typeof duration === 'number' ? `${duration}ms` : duration
}

async function toObjects(items: readonly unknown[], argument: string): Promise<NativeElement[]> {
  const out: NativeElement[] = []
  for (let index = 0; index < items.length; index++) {
    out.push(convert(validate(items[index], argument, index)))
    if (index % CHUNK === CHUNK - 1) await pause()
  }
  return out
}

/** Validates one element with zod; objects get the object schema, so an error names their field. */
function validate(item: unknown, argument: string, index: number): ElementInput {
  const isObject = typeof item === 'object' && item !== null && !Array.isArray(item)
  const parsed = (isObject ? elementObjectSchema : elementSchema).safeParse(item)
  if (!parsed.success) {
    const error = fromZod(parsed.error, item, `${argument}[${index}]`)
    error.element = shownElement(item)
    throw error
  }
  return parsed.data as ElementInput
}

/**
 * Spells an element that failed validation, for `NftsetError.element`:
 * its key fields joined with " . ", and " : " with the value for a map.
 */
function shownElement(item: unknown): string {
  if (typeof item === 'object' && item !== null && !Array.isArray(item) && 'key' in item) {
    const { key, value } = item as { key: unknown; value?: unknown }
    const text = shownElement(key)
    return value === undefined ? text : `${text} : ${shownElement(value)}`
  }
  if (Array.isArray(item)) {
    return item.map(shownElement).join(' . ')
  }
  return typeof item === 'string' ? item : describe(item)
}

function convert(element: ElementInput): NativeElement {
  if (typeof element === 'string') {
    return { text: element }
  }
  if (typeof element === 'number' || Array.isArray(element)) {
    return { key: fields(element) }
  }
  return {
    key: fields(element.key),
    value: element.value === undefined ? undefined : fields(element.value),
    timeout: element.timeout,
    expires: element.expires,
    comment: element.comment,
    counter: element.counter,
  }
}

function fields(value: Scalar | Scalar[]): Scalar[] {
  return Array.isArray(value) ? value : [value]
}

/** Lets the event loop run between pieces of a long conversion. */
function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

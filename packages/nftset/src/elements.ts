import { constants, type Stats } from 'node:fs'
import { open, stat, type FileHandle } from 'node:fs/promises'

import type { NativeConnection, NativeElement } from '../native/index.js'
import { describe, fromZod, NftsetError, systemMessage } from './errors.js'
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
 * Maximum length of one line of a Buffer of lines or an element file, in
 * bytes. It equals the Rust core's `ELEMENT_MAX_BYTES`. A valid element is
 * far shorter, and the limit stops a file without line breaks from being
 * read whole.
 */
export const LINE_MAX_BYTES = 64 * 1024

/** Bytes read at a time when an element file is checked. */
const FILE_BLOCK_BYTES = 1024 * 1024

const NEWLINE = 0x0a

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
 * long.
 *
 * Arrays and iterables are read one element at a time. Each element is
 * validated with zod and converted as it arrives, so an invalid one stops
 * the reading of an iterable at once. Only the converted lines are kept.
 * Strings pass zod as they are, because the Rust core checks them against
 * the set's types at commit. A bad string such as "192.0.2.300" is
 * therefore found only after the iterable has ended.
 *
 * A Buffer or a file must have no line over `LINE_MAX_BYTES`, and a file
 * must be a regular file. The Rust core reads and parses them.
 */
export async function toNative(
  native: NativeConnection,
  source: ElementSource,
  argument = 'elements',
): Promise<NativeElements> {
  if (Buffer.isBuffer(source)) {
    checkLineLengths(source, argument)
    return { text: source }
  }
  if (!Array.isArray(source) && typeof (source as { file?: unknown }).file === 'string') {
    const { file } = source as { file: string }
    await checkElementFile(file, argument)
    return { file }
  }

  if (Array.isArray(source) && allPlainStrings(source)) {
    return handOver(native, await joinPieces(source))
  }
  const collector = new ElementCollector(argument)
  if (!Array.isArray(source) && Symbol.asyncIterator in source) {
    for await (const item of source as AsyncIterable<unknown>) {
      if (collector.add(item)) await pause()
    }
  } else {
    for (const item of source as Iterable<unknown>) {
      if (collector.add(item)) await pause()
    }
  }
  const converted = collector.finish()
  if (converted.elements !== undefined) {
    return { elements: converted.elements }
  }
  return handOver(native, converted.pieces)
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

/** Hands lines over in pieces, through a staging area when there are several. */
async function handOver(native: NativeConnection, pieces: readonly string[]): Promise<NativeElements> {
  if (pieces.length <= 1) {
    return { lines: pieces[0] ?? '' }
  }
  const staged = native.stageOpen()
  try {
    for (const piece of pieces) {
      native.stageAppend(staged, piece)
      await pause()
    }
  } catch (error) {
    native.stageDiscard(staged)
    throw error
  }
  return { staged }
}

/**
 * Rejects a Buffer of lines that has a line longer than `LINE_MAX_BYTES`,
 * naming its line number.
 */
function checkLineLengths(text: Buffer, argument: string): void {
  const start = new LineLengthCheck().push(text)
  if (start >= 0) {
    const line = countNewlines(text.subarray(0, start)) + 1
    throw new NftsetError(`invalid ${argument}: line ${line} of the Buffer is longer than ${LINE_MAX_BYTES} bytes`, {
      code: 'ERR_INVALID_ARGUMENT',
      path: argument,
      line,
    })
  }
}

/**
 * Checks an element file before the connection's thread reads it whole.
 * It must be a regular file, because a device such as /dev/zero never ends
 * and a FIFO blocks the thread until a writer comes. No line may be longer
 * than `LINE_MAX_BYTES`, which is checked in blocks of `FILE_BLOCK_BYTES`.
 *
 * NOTE: the file is read again by the Rust core afterwards, so a file
 * replaced or grown in between escapes these checks. The core still
 * rejects each line over the limit as an invalid element.
 */
async function checkElementFile(path: string, argument: string): Promise<void> {
  const where = `${argument}.file`
  const fail = (error: unknown) =>
    error instanceof NftsetError
      ? error
      : new NftsetError(`cannot read element file ${path}: ${systemMessage(error)}`, {
          code: 'ERR_INVALID_ARGUMENT',
          path: where,
          value: path,
        })

  let handle: FileHandle
  try {
    checkRegularFile(await stat(path), path, where)
    // O_NONBLOCK keeps open() from waiting for a writer if the path has
    // become a FIFO since stat().
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw fail(error)
  }
  try {
    checkRegularFile(await handle.stat(), path, where)
    const start = await findLongLine(handle)
    if (start >= 0) {
      const line = (await countFileNewlines(handle, start)) + 1
      throw new NftsetError(`invalid ${where}: line ${line} of ${path} is longer than ${LINE_MAX_BYTES} bytes`, {
        code: 'ERR_INVALID_ARGUMENT',
        path: where,
        value: path,
        line,
      })
    }
  } catch (error) {
    throw fail(error)
  } finally {
    await handle.close()
  }
}

function checkRegularFile(stats: Stats, path: string, where: string): void {
  if (stats.isFile()) return
  throw new NftsetError(
    `invalid ${where}: ${path} is ${fileKind(stats)}, not a regular file. ` +
      'Read other sources yourself and pass a Buffer or an iterable',
    { code: 'ERR_INVALID_ARGUMENT', path: where, value: path },
  )
}

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory'
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  if (stats.isSocket()) return 'a socket'
  return 'a special file'
}

/** Returns the offset where the first line longer than `LINE_MAX_BYTES` starts, or -1. */
async function findLongLine(handle: FileHandle): Promise<number> {
  const block = Buffer.allocUnsafe(FILE_BLOCK_BYTES)
  const check = new LineLengthCheck()
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(block, 0, block.length, position)
    if (bytesRead === 0) return -1
    const start = check.push(block.subarray(0, bytesRead))
    if (start >= 0) return start
    position += bytesRead
  }
}

/** Counts the line breaks of the file before offset `end`. */
async function countFileNewlines(handle: FileHandle, end: number): Promise<number> {
  const block = Buffer.allocUnsafe(FILE_BLOCK_BYTES)
  let count = 0
  for (let position = 0; position < end; ) {
    const { bytesRead } = await handle.read(block, 0, Math.min(block.length, end - position), position)
    if (bytesRead === 0) break
    count += countNewlines(block.subarray(0, bytesRead))
    position += bytesRead
  }
  return count
}

/** Counts the line breaks in `data`. */
export function countNewlines(data: Buffer): number {
  let count = 0
  for (let at = data.indexOf(NEWLINE); at >= 0; at = data.indexOf(NEWLINE, at + 1)) count++
  return count
}

/**
 * Finds the first line longer than `LINE_MAX_BYTES` in data that arrives
 * block by block, for element files and standard input. It jumps to the
 * last line break within reach with `lastIndexOf`, so JavaScript does work
 * per `LINE_MAX_BYTES` of data rather than per line.
 */
export class LineLengthCheck {
  /** Bytes in the blocks before the current one. */
  #offset = 0
  /** Offset of the first line not yet known to be short enough. */
  #lineStart = 0

  /** Checks the next block. Returns the offset where a line too long starts, or -1. */
  push(block: Buffer): number {
    // Where the unchecked line starts, relative to the block. It is
    // negative when the line started in an earlier block.
    let start = this.#lineStart - this.#offset
    while (start + LINE_MAX_BYTES < block.length) {
      // The line break that ends the line must come by start + LINE_MAX_BYTES.
      const reach = start + LINE_MAX_BYTES
      const newline = reach < 0 ? -1 : block.lastIndexOf(NEWLINE, reach)
      if (newline < Math.max(start, 0)) return this.#lineStart
      start = newline + 1
      this.#lineStart = this.#offset + start
    }
    // The rest of the block is within reach: skip to its last line break.
    const last = block.lastIndexOf(NEWLINE)
    if (last >= Math.max(start, 0)) this.#lineStart = this.#offset + last + 1
    this.#offset += block.length
    return -1
  }
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

/**
 * Validates and converts elements one at a time and keeps only their
 * converted form: nft-syntax lines joined in pieces of `CHUNK`, or element
 * objects from the first element that has no line form on.
 */
class ElementCollector {
  readonly #argument: string
  #count = 0
  #pieces: string[] = []
  #lines: string[] = []
  #objects: NativeElement[] | undefined

  constructor(argument: string) {
    this.#argument = argument
  }

  /**
   * Adds the next element, or throws `NftsetError` if it is invalid.
   * Returns true after every `CHUNK` elements, when the caller should let
   * the event loop run.
   */
  add(item: unknown): boolean {
    const index = this.#count++
    if (this.#objects === undefined) {
      const line = toLine(item, this.#argument, index)
      if (line !== undefined) {
        this.#lines.push(line)
        if (this.#lines.length < CHUNK) return false
        this.#pieces.push(this.#lines.join('\n'))
        this.#lines = []
        return true
      }
      this.#objects = this.#linesAsObjects()
    }
    this.#objects.push(convert(validate(item, this.#argument, index)))
    return this.#count % CHUNK === 0
  }

  /** Returns the elements: lines in pieces, or objects. */
  finish(): { pieces: string[]; elements?: undefined } | { elements: NativeElement[] } {
    if (this.#objects !== undefined) return { elements: this.#objects }
    if (this.#lines.length > 0) this.#pieces.push(this.#lines.join('\n'))
    return { pieces: this.#pieces }
  }

  /** Turns the lines collected so far into objects. No line contains a line break, so splitting the pieces is exact. */
  #linesAsObjects(): NativeElement[] {
    const objects: NativeElement[] = []
    for (const piece of this.#pieces) {
      for (const text of piece.split('\n')) objects.push({ text })
    }
    for (const text of this.#lines) objects.push({ text })
    this.#pieces = []
    this.#lines = []
    return objects
  }
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

/** Validates one element with zod; objects get the object schema, so an error names their field. */
function validate(item: unknown, argument: string, index: number): ElementInput {
  const isObject = typeof item === 'object' && item !== null && !Array.isArray(item)
  const parsed = (isObject ? elementObjectSchema : elementSchema).safeParse(item)
  if (parsed.success) {
    return parsed.data as ElementInput
  }

  const place = `${argument}[${index}]`
  const nonFinite = findNonFinite(item)
  if (nonFinite !== undefined) {
    const path = place + nonFinite.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('')
    const value = nonFinite.reduce<unknown>((inner, part) => (inner as Record<PropertyKey, unknown>)[part], item)
    throw new NftsetError(`invalid ${path}: expected a finite number, or a string in nft's syntax (got ${describe(value)})`, {
      code: 'ERR_INVALID_ELEMENT',
      path,
      value,
      elementIndex: index,
      element: shownElement(item),
    })
  }
  const error = fromZod(parsed.error, item, place)
  error.element = shownElement(item)
  throw error
}

/**
 * Returns the path inside an element of a NaN or infinite number where a key
 * or value field belongs. zod rejects such numbers with a message that does
 * not say why, since they are numbers.
 */
function findNonFinite(item: unknown): Array<string | number> | undefined {
  const inField = (value: unknown): Array<string | number> | undefined => {
    if (isNonFinite(value)) return []
    if (!Array.isArray(value)) return undefined
    const index = value.findIndex(isNonFinite)
    return index < 0 ? undefined : [index]
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return inField(item)
  }
  for (const name of ['key', 'value']) {
    const found = inField((item as Record<string, unknown>)[name])
    if (found !== undefined) return [name, ...found]
  }
  return undefined
}

function isNonFinite(value: unknown): boolean {
  return typeof value === 'number' && !Number.isFinite(value)
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
    // A concatenation has at most 5 fields. One more shows that there are
    // too many, and the rest of a huge array is left out.
    const fieldTexts = item.slice(0, 6).map(shownElement)
    return fieldTexts.join(' . ') + (item.length > 6 ? ' . …' : '')
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

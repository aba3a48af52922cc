import type { ZodError } from 'zod'

/**
 * Stable error codes. Kernel errors keep their errno name; errors raised
 * before anything is sent start with `ERR_`.
 */
export type ErrorCode =
  | 'EEXIST'
  | 'ENOENT'
  | 'EPERM'
  | 'EINVAL'
  | 'ERANGE'
  | 'ENFILE'
  | 'EBUSY'
  | 'EOPNOTSUPP'
  | 'EMSGSIZE'
  | 'ENOBUFS'
  | 'ERR_INVALID_ELEMENT'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NOT_SUPPORTED'
  | 'ERR_NETNS'
  | 'ERR_CLOSED'
  | 'ERR_DECODE'
  | 'ERR_OUTCOME_UNKNOWN'
  | 'ERR_INTERRUPTED'
  | 'ERR_GENERATION_CONFLICT'
  | 'ERR_INTERNAL'
  | (string & {})

/** Fields an error may carry besides its message. */
export interface NftsetErrorFields {
  /** Stable code to branch on, such as `EEXIST` or `ERR_INVALID_ELEMENT`. */
  code: ErrorCode
  /** Kernel errno, for kernel and system errors. */
  errno?: number
  /** Failing operation in nft's words, such as `add element`. */
  operation?: string
  /** Index of the failing operation inside a transaction. */
  operationIndex?: number
  /** Table family. */
  family?: string
  /** Table name. */
  table?: string
  /** Set or map name. */
  set?: string
  /** Index of the failing element in the list the caller passed. */
  elementIndex?: number
  /** The failing element as the caller wrote it. */
  element?: string
  /** 1-based line of the failing element, for elements read from a file or a Buffer of lines. */
  line?: number
  /** For two conflicting elements, the index of the other one. */
  conflictIndex?: number
  /** For two conflicting elements, the other one as the caller wrote it. */
  conflictElement?: string
  /** Path of the invalid argument, such as `elements[3].timeout`. */
  path?: string
  /** The offending value: the argument as given, or for an element the element as nftset read it. */
  value?: unknown
  /** Text the kernel attached to its error, if any. */
  kernelMessage?: string
  /** For a transaction split into several batches, the index of the one that failed; those before it were applied. */
  batchIndex?: number
  /** For a transaction split into several batches, how many there were. */
  batchCount?: number
}

/**
 * The one error class of nftset. Branch on `code`; the other fields say
 * where the failure is.
 */
export class NftsetError extends Error implements NftsetErrorFields {
  code: ErrorCode
  errno?: number
  operation?: string
  operationIndex?: number
  family?: string
  table?: string
  set?: string
  elementIndex?: number
  element?: string
  line?: number
  conflictIndex?: number
  conflictElement?: string
  path?: string
  value?: unknown
  kernelMessage?: string
  batchIndex?: number
  batchCount?: number

  constructor(message: string, fields: NftsetErrorFields) {
    super(message)
    this.name = 'NftsetError'
    this.code = fields.code
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) {
        ;(this as Record<string, unknown>)[key] = value
      }
    }
  }
}

const FIELDS = [
  'errno',
  'operation',
  'operationIndex',
  'family',
  'table',
  'set',
  'elementIndex',
  'element',
  'line',
  'conflictIndex',
  'conflictElement',
  'path',
  'kernelMessage',
  'batchIndex',
  'batchCount',
] as const

/**
 * Converts an error thrown by the native binding into an `NftsetError`,
 * keeping its fields. Other errors pass through unchanged.
 */
export function fromNative(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof NftsetError) {
    return error
  }
  const source = error as Error & Record<string, unknown>
  if (typeof source.code !== 'string') {
    return error
  }
  const fields: NftsetErrorFields = { code: source.code }
  for (const key of FIELDS) {
    if (source[key] !== undefined) {
      ;(fields as unknown as Record<string, unknown>)[key] = source[key]
    }
  }
  // The core quotes an element whole, which for a line of megabytes would
  // fill the message. The message gets it cut, and the fields keep it whole.
  let message = source.message
  for (const text of [fields.element, fields.conflictElement]) {
    if (text === undefined) continue
    const cut = shortened(text)
    if (cut !== text) message = message.split(text).join(cut)
  }
  if (fields.code === 'ERR_INVALID_ELEMENT' && fields.value === undefined && fields.element !== undefined) {
    // The core quotes the element as it read it; that is the offending value.
    fields.value = fields.element
  }
  return new NftsetError(message, fields)
}

/** Builds the error for an argument that failed zod validation. */
export function fromZod(error: ZodError, input: unknown, argument: string): NftsetError {
  const issue = error.issues[0]
  const path = [argument, ...issue.path.map(String)]
  const pathText = path.reduce((text, part, index) => {
    if (index === 0) return part
    return /^\d+$/.test(part) ? `${text}[${part}]` : `${text}.${part}`
  }, '')
  const value = issue.path.reduce<unknown>((current, key) => {
    if (current !== null && typeof current === 'object') {
      return (current as Record<PropertyKey, unknown>)[key as PropertyKey]
    }
    return undefined
  }, input)
  const elementMatch = /^(?:elements|keys)\[(\d+)\]/.exec(pathText)
  const code = elementMatch ? 'ERR_INVALID_ELEMENT' : 'ERR_INVALID_ARGUMENT'
  const shown = describe(value)
  const message = `invalid ${pathText}: ${issue.message} (got ${shown})`
  return new NftsetError(message, {
    code,
    path: pathText,
    value,
    elementIndex: elementMatch ? Number(elementMatch[1]) : undefined,
  })
}

/**
 * Maximum number of characters of a value that an error message shows.
 * Longer values are cut and end in "…", as in the Rust core.
 */
export const SHOWN_MAX_CHARS = 64

/** Cuts `text` after `SHOWN_MAX_CHARS` characters (code points) and appends "…". */
export function shortened(text: string): string {
  if (text.length <= SHOWN_MAX_CHARS) return text
  let count = 0
  let end = 0
  for (const char of text) {
    if (count === SHOWN_MAX_CHARS) return `${text.slice(0, end)}…`
    count++
    end += char.length
  }
  return text
}

/**
 * Spells a value for an error message as the caller wrote it: strings
 * quoted, numbers as JavaScript prints them (`-1`, `NaN`, `Infinity`),
 * other values as JSON. Long values are cut after `SHOWN_MAX_CHARS`.
 */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(shortened(value))
  return shortened(spell(value, new Set()))
}

/**
 * Spells a value like JSON, but with numbers, `undefined`, functions and
 * symbols as JavaScript prints them. Stops listing entries once the text
 * passes `SHOWN_MAX_CHARS`, so that a huge array costs little.
 */
function spell(value: unknown, seen: Set<object>): string {
  if (typeof value === 'string') return JSON.stringify(shortened(value))
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value !== 'object' || value === null) return String(value)
  if (seen.has(value)) return '[Circular]'
  if (Buffer.isBuffer(value)) return `<Buffer of ${value.length} bytes>`
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return spell(toJSON.call(value), seen)

  seen.add(value)
  const isArray = Array.isArray(value)
  const entries: unknown[] = isArray ? value : Object.entries(value)
  let text = isArray ? '[' : '{'
  for (let index = 0; index < entries.length && text.length <= SHOWN_MAX_CHARS; index++) {
    if (index > 0) text += ','
    if (isArray) {
      text += spell(entries[index], seen)
    } else {
      const [key, item] = entries[index] as [string, unknown]
      text += `${JSON.stringify(key)}:${spell(item, seen)}`
    }
  }
  seen.delete(value)
  return text + (isArray ? ']' : '}')
}

/** Describes a failed file system call in plain words, such as "no such file". */
export function systemMessage(error: unknown): string {
  const code = (error as { code?: string }).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  return error instanceof Error ? error.message : String(error)
}

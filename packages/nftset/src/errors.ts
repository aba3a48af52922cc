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
  if (fields.code === 'ERR_INVALID_ELEMENT' && fields.value === undefined && fields.element !== undefined) {
    // The core quotes the element as it read it; that is the offending value.
    fields.value = fields.element
  }
  return new NftsetError(source.message, fields)
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

/** Spells a value for an error message: strings quoted, long values cut. */
export function describe(value: unknown): string {
  let text: string
  if (typeof value === 'string') {
    text = JSON.stringify(value)
  } else if (typeof value === 'bigint') {
    text = `${value}n`
  } else if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    text = String(value)
  } else {
    try {
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = String(value)
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

import type { NativeElement } from '../native/index.js'
import { fromZod } from './errors.js'
import { elementsSchema } from './schemas.js'
import type { ElementInput, ElementObject, Scalar } from './types.js'

/** Elements in the form the native binding takes. */
export interface NativeElements {
  /** All elements in nft's syntax, one per line: the fast path for strings. */
  lines?: string
  /** Elements one by one. */
  elements?: NativeElement[]
}

/**
 * Validates a list of elements and converts it for the native binding.
 *
 * A list of strings travels as one newline-joined string, so that a large
 * blocklist crosses into Rust in one copy; the Rust side parses and checks
 * every element. Other lists are validated with zod element by element.
 */
export function toNative(input: unknown, argument = 'elements'): NativeElements {
  if (Array.isArray(input) && everyString(input)) {
    return { lines: input.join('\n') }
  }
  const parsed = elementsSchema.safeParse(input)
  if (!parsed.success) {
    throw fromZod(parsed.error, input, argument)
  }
  return { elements: parsed.data.map(convert) }
}

/**
 * Returns true when every item is a string without a line break, so that
 * joining with `\n` keeps one element per line.
 */
function everyString(items: unknown[]): items is string[] {
  for (const item of items) {
    if (typeof item !== 'string' || item.includes('\n')) {
      return false
    }
  }
  return true
}

function convert(element: ElementInput): NativeElement {
  if (typeof element === 'string') {
    return { text: element }
  }
  if (typeof element === 'number' || Array.isArray(element)) {
    return { key: fields(element) }
  }
  return convertObject(element)
}

function convertObject(element: ElementObject): NativeElement {
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

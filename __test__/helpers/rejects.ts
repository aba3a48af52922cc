import type { ExecutionContext } from 'ava'
import { NftsetError, type NftsetErrorFields } from 'nftset'

/** Fields the error must have, and words its message must contain. */
export interface ExpectedError extends Partial<NftsetErrorFields> {
  /** Substrings of the message, each checked on its own. */
  words?: string[]
}

/**
 * Asserts that `promise` rejects with an `NftsetError` whose fields equal
 * `expected` and whose message contains each of `expected.words`. Every
 * field gets its own assert, so a failure names the field. Returns the
 * error, or undefined when the promise did not reject as expected.
 */
export async function assertRejects(
  t: ExecutionContext,
  promise: Promise<unknown>,
  expected: ExpectedError,
): Promise<NftsetError | undefined> {
  const error = await t.throwsAsync(promise, { instanceOf: NftsetError })
  if (error === undefined) {
    return undefined
  }
  const { words = [], ...fields } = expected
  for (const [name, value] of Object.entries(fields)) {
    const actual = (error as unknown as Record<string, unknown>)[name]
    t.deepEqual(actual, value, `error.${name} of "${error.message}"`)
  }
  for (const word of words) {
    t.true(error.message.includes(word), `message should contain "${word}": ${error.message}`)
  }
  return error
}

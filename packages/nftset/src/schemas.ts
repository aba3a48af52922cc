import { z } from 'zod'

/** Table families nft knows. */
export const FAMILIES = ['inet', 'ip', 'ip6', 'arp', 'bridge', 'netdev'] as const

/** Datatypes a key or map value field can have. */
export const DATATYPES = [
  'ipv4_addr',
  'ipv6_addr',
  'ether_addr',
  'inet_proto',
  'inet_service',
  'mark',
  'ifname',
] as const

/** Set flags as nft names them. */
export const SET_FLAGS = ['constant', 'interval', 'timeout', 'dynamic'] as const

/** Longest table, set or chain name the kernel accepts, in bytes. */
export const NAME_MAX_BYTES = 255
/** Longest comment nft accepts, in bytes. */
export const COMMENT_MAX_BYTES = 128
/** Longest duration the kernel takes, in milliseconds. */
export const DURATION_MAX_MS = 18446744073709

const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8')

const name = (what: string) =>
  z
    .string({ error: `expected the ${what} name as a string` })
    .min(1, `the ${what} name is empty`)
    .refine((text) => utf8Length(text) <= NAME_MAX_BYTES, {
      message: `the ${what} name is longer than ${NAME_MAX_BYTES} bytes`,
    })
    .refine((text) => !text.includes('\0'), { message: `the ${what} name contains a NUL byte` })

export const familySchema = z.enum(FAMILIES, {
  error: `expected one of ${FAMILIES.join(', ')}`,
})

const datatypeList = DATATYPES.join(', ')

/** A key or value type: `ipv4_addr`, or a concatenation such as `ipv4_addr . inet_service`. */
export const typeSchema = z
  .string({ error: 'expected a type such as "ipv4_addr" or "ipv4_addr . inet_service"' })
  .refine(
    (text) => {
      const fields = text.split('.').map((part) => part.trim())
      return fields.length <= 5 && fields.every((field) => (DATATYPES as readonly string[]).includes(field))
    },
    { message: `expected one of ${datatypeList}, or up to 5 of them joined with " . "` },
  )

/** A duration: milliseconds, or nft's text such as `1h30m` or `10s`. */
export const durationSchema = z.union(
  [
    z
      .number()
      .int('expected whole milliseconds')
      .min(0, 'a duration cannot be negative')
      .max(DURATION_MAX_MS, `a duration is at most ${DURATION_MAX_MS} ms`),
    z.string().regex(/^(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/, 'expected nft duration text such as 1h30m, 10s or 250ms').min(2),
  ],
  { error: 'expected milliseconds or nft duration text such as "1h30m"' },
)

const comment = z
  .string()
  .refine((text) => utf8Length(text) <= COMMENT_MAX_BYTES, {
    message: `a comment is at most ${COMMENT_MAX_BYTES} bytes, as nft allows`,
  })
  .refine((text) => !text.includes('\0'), { message: 'a comment cannot contain a NUL byte' })
  .refine((text) => !text.includes('"'), {
    message: "a comment cannot contain a double quote, which nft cannot print or read back; use ' instead",
  })

export const tableRefSchema = z.strictObject({
  family: familySchema,
  name: name('table'),
})

export const setRefSchema = z.strictObject({
  family: familySchema,
  table: name('table'),
  set: name('set'),
})

export const chainRefSchema = z.strictObject({
  family: familySchema,
  table: name('table'),
  name: name('chain'),
})

export const setSpecSchema = z.strictObject({
  family: familySchema,
  table: name('table'),
  name: name('set'),
  type: typeSchema,
  map: z.union([z.literal('verdict'), typeSchema]).optional(),
  flags: z.array(z.enum(SET_FLAGS, { error: `expected one of ${SET_FLAGS.join(', ')}` })).optional(),
  timeout: durationSchema.optional(),
  gcInterval: durationSchema.optional(),
  size: z.number().int().min(1).max(0xffffffff).optional(),
  policy: z.enum(['performance', 'memory']).optional(),
  autoMerge: z.boolean().optional(),
  comment: comment.optional(),
  counter: z.boolean().optional(),
}).superRefine((spec, context) => {
  // The same checks as the Rust core's, here so that the error names the field.
  const flags: readonly string[] = spec.flags ?? []
  if (spec.autoMerge && !flags.includes('interval')) {
    context.addIssue({ code: 'custom', path: ['autoMerge'], message: 'auto-merge needs "flags interval"' })
  } else if (spec.autoMerge && spec.type.includes('.')) {
    context.addIssue({ code: 'custom', path: ['autoMerge'], message: 'auto-merge works on single-field sets, not on concatenations' })
  }
  const timeouts = spec.timeout !== undefined || spec.gcInterval !== undefined || flags.includes('timeout')
  if (flags.includes('constant') && timeouts) {
    context.addIssue({ code: 'custom', path: ['flags'], message: 'a constant set cannot have timeouts: drop "constant" or the timeout' })
  }
})

const scalar = z.union([z.string(), z.number()], { error: 'expected a string or a number' })
const fields = z.union([scalar, z.array(scalar).min(1, 'a concatenation needs at least one field').max(5)], {
  error: 'expected a string, a number, or an array of 1 to 5 of them for a concatenation',
})

const counterValue = z
  .number()
  .int('expected a whole number')
  .min(0, 'a counter cannot be negative')
  .max(Number.MAX_SAFE_INTEGER, 'a counter is at most 2^53-1')

export const elementObjectSchema = z.strictObject({
  key: fields,
  value: fields.optional(),
  timeout: durationSchema.optional(),
  expires: durationSchema.optional(),
  comment: comment.optional(),
  counter: z.strictObject({ packets: counterValue, bytes: counterValue }).optional(),
})

/** One element: nft's syntax as a string, a number, an array of concatenated fields, or an object. */
export const elementSchema = z.union(
  [z.string(), z.number(), z.array(scalar).min(1).max(5), elementObjectSchema],
  { error: 'expected a string, a number, an array of fields or an element object' },
)

export const elementsSchema = z.array(elementSchema, { error: 'expected an array of elements' })

/** Largest socket buffer size the kernel takes, in bytes. */
export const BUFFER_MAX_BYTES = 0x7fffffff

const bufferSize = z
  .number()
  .int('expected whole bytes')
  .min(1, 'a buffer size is at least 1 byte')
  .max(BUFFER_MAX_BYTES, `a buffer size is at most ${BUFFER_MAX_BYTES} bytes`)

export const openOptionsSchema = z
  .strictObject({
    netns: z
      .union([
        z.string().min(1, 'the namespace is empty'),
        z.number().int().min(1, 'expected a process id'),
      ])
      .optional(),
    coalesce: z.boolean().optional(),
    sendBuffer: bufferSize.optional(),
    receiveBuffer: bufferSize.optional(),
  })
  .optional()

export const commitOptionsSchema = z
  .strictObject({
    strict: z.boolean().optional(),
    generation: z.number().int().min(0).max(0xffffffff).optional(),
    ackEveryMessage: z.boolean().optional(),
    ifTooLarge: z.enum(['fail', 'split'], { error: 'expected "fail" or "split"' }).optional(),
  })
  .optional()

export const deleteOptionsSchema = z.strictObject({ ifExists: z.boolean().optional() }).optional()

export const createOptionsSchema = z.strictObject({ exclusive: z.boolean().optional() }).optional()

export const chunkOptionsSchema = z
  .strictObject({ chunkSize: z.number().int().min(1).max(1 << 20).optional() })
  .optional()

export const monitorOptionsSchema = z
  .strictObject({
    netns: z
      .union([z.string().min(1, 'the namespace is empty'), z.number().int().min(1, 'expected a process id')])
      .optional(),
    family: familySchema.optional(),
    table: name('table').optional(),
    set: name('set').optional(),
  })
  .optional()

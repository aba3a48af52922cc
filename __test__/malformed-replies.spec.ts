/**
 * Malformed and truncated kernel replies must become errors, never a crash
 * of the process. `handle()` parses any Buffer a caller passes, on the
 * JavaScript thread, so it gets the inputs the reply fuzz target keeps and
 * random mutations of real replies.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import test from 'ava'

import { handle } from 'nftset'

const corpus = join(__dirname, '..', '..', 'crates', 'nftset-core', 'fuzz', 'corpus', 'reply')
const replies = readdirSync(corpus).map((name) => ({ name, data: readFileSync(join(corpus, name)) }))

const EBADMSG = 74

/** mulberry32, seeded, so that a failure can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32
  }
}

test('corpus replies give a result code', (t) => {
  t.true(replies.length >= 20, `${replies.length} replies`)
  for (const { name, data } of replies) {
    const result = handle(data, 0, 0)
    t.true(Number.isInteger(result) && result <= 1, `${name}: ${result}`)
  }
})

test('error echoing a short header is EBADMSG', (t) => {
  // The reply fuzz target found this: the echoed request claims 0 bytes.
  const reply = Buffer.alloc(40)
  reply.writeUInt32LE(40, 0)
  reply.writeUInt16LE(2, 4)
  reply.writeInt32LE(-17, 16)
  reply.writeUInt32LE(0, 20)
  t.is(handle(reply, 0, 0), -EBADMSG)
})

test('truncated replies give EBADMSG', (t) => {
  for (const { name, data } of replies) {
    for (let length = 1; length < data.length; length += 3) {
      const result = handle(data.subarray(0, length), 0, 0)
      t.true(Number.isInteger(result) && result <= 1, `${name} cut to ${length}: ${result}`)
    }
  }
})

test('20,000 mutated replies give a result code', (t) => {
  const seed = Number(process.env.REPLY_SEED ?? Math.floor(Math.random() * 2 ** 31))
  const random = generator(seed)
  for (let round = 0; round < 20000; round++) {
    const { name, data } = replies[Math.floor(random() * replies.length)]
    const mutated = Buffer.from(data)
    const flips = 1 + Math.floor(random() * 8)
    for (let flip = 0; flip < flips; flip++) {
      mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256)
    }
    let result: number
    try {
      result = handle(mutated, 0, 0)
    } catch (error) {
      t.fail(`seed ${seed}, round ${round}, ${name}: ${String(error)}`)
      return
    }
    if (!(Number.isInteger(result) && result <= 1)) {
      t.fail(`seed ${seed}, round ${round}, ${name}: ${result}`)
      return
    }
  }
  t.pass()
})

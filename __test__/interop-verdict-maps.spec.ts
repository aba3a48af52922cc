// Interop of verdict maps with every basic key type, plain and interval, in
// both directions. The values cycle through accept, drop, jump, goto,
// continue and return. jump and goto target the regular chain c.
import { matrixCase, type InteropCase } from './helpers/interop-cases.js'
import { DATATYPES, SAMPLES, VERDICTS } from './helpers/interop-samples.js'
import { testInterop } from './helpers/interop.js'

const matrix = DATATYPES.flatMap((type) => [
  matrixCase(`${type} verdict map`, { type, map: 'verdict' }),
  matrixCase(`${type} interval verdict map`, { type, map: 'verdict', flags: ['interval'] }),
])

// The widest range of a type mapped to a jump: an open range whose start
// element carries the verdict.
const wholeRanges: InteropCase[] = DATATYPES.flatMap((type) => {
  const whole = SAMPLES[type].whole
  const jump = VERDICTS.find((verdict) => verdict.input.startsWith('jump'))!
  if (!whole) return []
  return [
    {
      title: `${type} verdict map of the whole range`,
      type,
      map: 'verdict',
      flags: ['interval'],
      elements: [{ key: [whole], value: [jump] }],
    },
  ]
})

testInterop([...matrix, ...wholeRanges])

// Interop of plain and interval sets of every basic type, in both directions.
import { matrixCase, type InteropCase } from './helpers/interop-cases.js'
import { DATATYPES, SAMPLES } from './helpers/interop-samples.js'
import { testInterop } from './helpers/interop.js'

const matrix = DATATYPES.flatMap((type) => [
  matrixCase(`${type} set`, { type }),
  matrixCase(`${type} interval set`, { type, flags: ['interval'] }),
])

// The widest range of each type alone, such as 0.0.0.0/0: a range from the
// minimum to the maximum key, with no end element in the kernel.
const wholeRanges: InteropCase[] = DATATYPES.flatMap((type) => {
  const whole = SAMPLES[type].whole
  if (!whole) return []
  return [{ title: `${type} interval set of the whole range`, type, flags: ['interval'], elements: [{ key: [whole] }] }]
})

testInterop([...matrix, ...wholeRanges])

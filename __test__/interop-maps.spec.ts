// Interop of typed maps: every basic key type with every basic value type,
// as plain and interval maps, in both directions. The value types include
// mark, which the kernel stores in host byte order, and ifname.
import { matrixCase } from './helpers/interop-cases.js'
import { DATATYPES } from './helpers/interop-samples.js'
import { testInterop } from './helpers/interop.js'

const cases = DATATYPES.flatMap((type) =>
  DATATYPES.flatMap((map) => [
    matrixCase(`${type} map to ${map}`, { type, map }),
    matrixCase(`${type} interval map to ${map}`, { type, map, flags: ['interval'] }),
  ]),
)

testInterop(cases)

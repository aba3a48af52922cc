// The C floor: bench/floor/, a minimal loader and lister over libnftnl and
// libmnl. Its times are the lower bound for userspace overhead.
import { buildFloor } from '../lib/build.mjs';
import { FLOOR_BIN } from '../lib/paths.mjs';

export default {
  name: 'floor',
  label: 'C floor (libnftnl)',
  roundTripLabel: 'one socket, ACK per batch',

  setup() {
    buildFloor();
  },

  load(workload, inputs) {
    return { argv: [FLOOR_BIN, 'load', workload.family, workload.setType, inputs.elements] };
  },

  list(workload) {
    return { argv: [FLOOR_BIN, 'list', workload.family] };
  },

  roundTrips(count, inputs, workload) {
    return { argv: [FLOOR_BIN, 'roundtrip', workload.family, inputs.elements, String(count)] };
  },
};

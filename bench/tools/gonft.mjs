// google/nftables v0.3.0, driven by the Go program in bench/gonft/.
import { buildGonft } from '../lib/build.mjs';
import { GONFT_BIN } from '../lib/paths.mjs';

export default {
  name: 'gonft',
  label: 'google/nftables (Go)',
  roundTripLabel: 'one socket, SetAddElements + Flush each',

  setup() {
    buildGonft();
  },

  load(workload, inputs) {
    return { argv: [GONFT_BIN, 'load', workload.family, workload.setType, inputs.elements] };
  },

  list(workload) {
    return { argv: [GONFT_BIN, 'list', workload.family] };
  },

  roundTrips(count, inputs, workload) {
    return { argv: [GONFT_BIN, 'roundtrip', workload.family, inputs.elements, String(count)] };
  },
};

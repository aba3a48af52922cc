// nftset's bulk form: the element file goes to the Rust core by path, which
// reads and parses it on the connection's own thread, with no per-element
// JavaScript work.
import { Nftables } from 'nftset';

import { measureEventLoopLag } from '../lib/lag.mjs';
import { loadSet } from './nftset.mjs';

export default {
  name: 'nftset-file',
  label: 'nftset (Node.js, file)',

  setup() {},

  load(workload, inputs) {
    return {
      run: async () => {
        const nft = await Nftables.open();
        try {
          await loadSet(nft, workload, { file: inputs.elements });
        } finally {
          nft.close();
        }
      },
    };
  },

  eventLoopLag(workload, inputs) {
    return {
      run: async () => {
        const nft = await Nftables.open();
        try {
          return await measureEventLoopLag(() => loadSet(nft, workload, { file: inputs.elements }));
        } finally {
          nft.close();
        }
      },
    };
  },
};

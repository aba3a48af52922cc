// nftset, this project's package, measured in the measuring Node.js process:
// the elements are read from the input file into a JavaScript array of
// strings, as an application holding a blocklist in memory would have them.
import { readFile } from 'node:fs/promises';

import { Nftables } from 'nftset';

import { measureEventLoopLag } from '../lib/lag.mjs';

const SET = { family: 'inet', table: 't', set: 's' };

/** Creates table inet t and set s and adds `elements`, in one transaction. */
export async function loadSet(nft, workload, elements) {
  await nft.transaction((tx) => {
    tx.createTable({ family: 'inet', name: 't' });
    tx.createSet({
      family: 'inet',
      table: 't',
      name: 's',
      type: workload.family === 'ipv6' ? 'ipv6_addr' : 'ipv4_addr',
      flags: workload.setType === 'interval' ? ['interval'] : [],
    });
    tx.addElements(SET, elements);
  });
}

async function readLines(path) {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Runs `body` with a connection in the current namespace. */
async function withConnection(body) {
  const nft = await Nftables.open();
  try {
    return await body(nft);
  } finally {
    nft.close();
  }
}

export default {
  name: 'nftset',
  label: 'nftset (Node.js, array)',
  roundTripLabel: 'one connection, awaited addElements',

  setup() {},

  load(workload, inputs) {
    return {
      run: () => withConnection(async (nft) => loadSet(nft, workload, await readLines(inputs.elements))),
    };
  },

  list() {
    return {
      run: () =>
        withConnection(async (nft) => {
          const elements = await nft.listElements(SET);
          return { count: elements.length };
        }),
    };
  },

  roundTrips(count, inputs, workload) {
    return {
      run: () =>
        withConnection(async (nft) => {
          const lines = await readLines(inputs.elements);
          await loadSet(nft, workload, []);
          const latenciesNs = [];
          for (let index = 0; index < count; index++) {
            const start = process.hrtime.bigint();
            await nft.addElements(SET, [lines[index % lines.length]]);
            latenciesNs.push(Number(process.hrtime.bigint() - start));
          }
          return { latenciesNs };
        }),
    };
  },

  eventLoopLag(workload, inputs) {
    return {
      run: () =>
        withConnection(async (nft) => {
          const lines = await readLines(inputs.elements);
          return measureEventLoopLag(() => loadSet(nft, workload, lines));
        }),
    };
  },
};

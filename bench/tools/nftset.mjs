// nftset, this project's package, measured in the measuring Node.js process:
// the elements are read from the input file into a JavaScript array of
// strings, as an application holding a blocklist in memory would have them.
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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

/** Returns a function that runs a full garbage collection. */
function garbageCollector() {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

/** Returns a field of /proc/self/status in KiB, such as VmRSS or VmHWM. */
function statusKiB(field) {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)[1]);
}

/**
 * Lists the set and splits the memory it took, timing the listing alone
 * because the collections around it are slow. `resultKiB` is the heap the
 * returned array keeps alive, and `aboveResultKiB` is the rise of the peak
 * RSS over the RSS before the call, minus the result. Writing 5 to
 * /proc/self/clear_refs resets the peak (VmHWM) to the current RSS.
 */
async function listWithMemory(nft) {
  const gc = garbageCollector();
  gc();
  writeFileSync('/proc/self/clear_refs', '5');
  const rssBeforeKiB = statusKiB('VmRSS');
  const heapBefore = process.memoryUsage().heapUsed;

  const start = process.hrtime.bigint();
  const elements = await nft.listElements(SET);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;

  const peakKiB = statusKiB('VmHWM');
  gc();
  const resultKiB = Math.max(0, Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024));
  return {
    count: elements.length,
    wallMs,
    memory: { rssBeforeKiB, peakAboveKiB: peakKiB - rssBeforeKiB, resultKiB, aboveResultKiB: peakKiB - rssBeforeKiB - resultKiB },
  };
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
      // The array is built before the clock starts: an application that
      // loads from an array already holds one, so reading and splitting the
      // element file is not part of the load.
      run: async () => {
        const lines = await readLines(inputs.elements);
        const start = process.hrtime.bigint();
        await withConnection((nft) => loadSet(nft, workload, lines));
        return { wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
      },
    };
  },

  list() {
    return {
      run: () =>
        withConnection(listWithMemory),
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

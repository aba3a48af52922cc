// Runs one measurement inside a fresh network namespace. run.mjs starts it as
// `unshare -n node ns-run.mjs JOB` (`unshare -rn` when not root) and reads the
// line that starts with RESULT_MARKER from its stdout.
//
// Order: check the namespace is new and empty, prepare the set (untimed),
// execute the tool's step (timed), count the elements with nftfloor (untimed)
// and fail unless the count matches the workload.
import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { promisify } from 'node:util';

import { FLOOR_BIN, NFT_BIN } from './paths.mjs';
import { executeStep, parseLatencies, RESULT_MARKER } from './steps.mjs';
import { summariseLatencies } from './stats.mjs';

const execFileAsync = promisify(execFile);
const MAX_OUTPUT = 64 * 1024 * 1024;

async function run(file, args) {
  try {
    const { stdout } = await execFileAsync(file, args, { maxBuffer: MAX_OUTPUT });
    return stdout;
  } catch (error) {
    throw new Error(`${file} ${args.join(' ')} failed: ${error.stderr?.trim() || error.message}`);
  }
}

/** Refuses to touch nftables unless this is a new, empty network namespace. */
async function assertFreshNamespace(parentNetns) {
  const own = readlinkSync('/proc/self/ns/net');
  if (own === parentNetns) {
    throw new Error(`ns-run.mjs is in the harness's network namespace ${own}; start it with unshare -n`);
  }
  const ruleset = await run(NFT_BIN, ['list', 'ruleset']);
  if (ruleset.trim() !== '') {
    throw new Error(`network namespace ${own} already has an nftables ruleset`);
  }
}

/** Counts the elements of set inet t s with nftfloor's dump. */
async function countElements(family) {
  const output = await run(FLOOR_BIN, ['list', family]);
  const elements = Number(/^elements (\d+)$/m.exec(output)?.[1]);
  const intervalEnds = Number(/^interval_ends (\d+)$/m.exec(output)?.[1]);
  if (!Number.isInteger(elements) || !Number.isInteger(intervalEnds)) {
    throw new Error(`unexpected nftfloor list output: ${output}`);
  }
  return { elements, intervalEnds };
}

/**
 * Throws unless the set contains `expected` elements. An interval set also
 * contains one end element per range, plus the 0.0.0.0 end element that nft
 * adds when it loads ranges into an empty set.
 */
function assertCount(counted, expected, setType, context) {
  const endsOk =
    setType === 'interval'
      ? counted.intervalEnds === expected || counted.intervalEnds === expected + 1
      : counted.intervalEnds === 0;
  if (counted.elements !== expected || !endsOk) {
    throw new Error(
      `${context}: set s contains ${counted.elements} elements and ${counted.intervalEnds} ` +
        `interval ends, expected ${expected} elements (${setType} set)`,
    );
  }
}

function createStep(tool, job) {
  const { workload, inputs } = job;
  switch (workload.kind) {
    case 'load':
      return tool.load(workload, inputs);
    case 'list':
      return tool.list(workload);
    case 'roundTrips':
      return tool.roundTrips(job.roundTripCount, inputs, workload);
    case 'eventLoopLag':
      return tool.eventLoopLag(workload, inputs);
  }
  throw new Error(`unknown workload kind ${workload.kind}`);
}

async function main() {
  const job = JSON.parse(process.argv[2]);
  const { workload, inputs } = job;
  const label = `${job.tool} ${workload.id}`;

  await assertFreshNamespace(job.parentNetns);
  const tool = (await import(new URL(`../tools/${job.tool}.mjs`, import.meta.url))).default;

  // Listing does not change the set, so the preload is counted before the
  // listing instead of after it.
  let counted;
  if (workload.kind === 'list') {
    await run(NFT_BIN, ['-f', inputs.nftScript]);
    counted = await countElements(workload.family);
    assertCount(counted, workload.count, workload.setType, `${label} preload`);
  } else if (workload.kind === 'roundTrips') {
    await run(NFT_BIN, ['-f', inputs.setupScript]);
  }

  const step = await createStep(tool, job);
  const result = await executeStep(step, { scratchDir: job.scratchDir });

  if (workload.kind !== 'list') {
    counted = await countElements(workload.family);
    const expected = workload.kind === 'roundTrips' ? job.roundTripCount : workload.count;
    assertCount(counted, expected, workload.setType, label);
  }

  // Tools that print "elements N" while listing must report the whole set.
  const listed = /^elements (\d+)$/m.exec(result.stdout ?? '');
  if (workload.kind === 'list' && listed && Number(listed[1]) !== workload.count) {
    throw new Error(`${label}: the tool listed ${listed[1]} elements, expected ${workload.count}`);
  }

  const record = {
    wallMs: result.wallMs,
    peakRssKiB: result.peakRssKiB,
    verified: counted,
  };
  if (workload.kind === 'roundTrips') {
    const latenciesNs = result.latenciesNs ?? parseLatencies(result.stdout ?? '');
    if (latenciesNs.length !== job.roundTripCount) {
      throw new Error(`${label}: got ${latenciesNs.length} latencies, expected ${job.roundTripCount}`);
    }
    record.latency = summariseLatencies(latenciesNs);
  }
  if (result.memory) {
    record.memory = result.memory;
  }
  if (result.lag) {
    record.lag = result.lag;
  }
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(record)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});

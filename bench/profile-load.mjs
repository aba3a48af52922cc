#!/usr/bin/env node
// Loads one benchmark workload with nftset or the C floor, once, for a
// profiler to record. It must run in a new network namespace, for example:
//
//   unshare -n perf record -g -o floor.data node bench/profile-load.mjs floor ipv4-interval-100k
//   unshare -n perf record -g -o file.data node bench/profile-load.mjs nftset-file ipv4-interval-100k
//   perf report -i file.data --no-children --sort comm,dso,sym
//
// Build the addon with symbols first to see Rust function names:
// CARGO_PROFILE_RELEASE_STRIP=none CARGO_PROFILE_RELEASE_DEBUG=1 node scripts/build.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Nftables } from 'nftset';

import { writeInputs } from './lib/inputs.mjs';
import { FLOOR_BIN, NFT_BIN } from './lib/paths.mjs';
import { WORKLOADS } from './lib/workloads.mjs';
import { loadSet } from './tools/nftset.mjs';

const TOOLS = ['floor', 'nftset', 'nftset-file'];

async function main() {
  const [tool, id] = process.argv.slice(2);
  const workload = WORKLOADS.find((candidate) => candidate.id === id && candidate.kind === 'load');
  if (!TOOLS.includes(tool) || workload === undefined) {
    const loads = WORKLOADS.filter((candidate) => candidate.kind === 'load').map((candidate) => candidate.id);
    throw new Error(`usage: profile-load.mjs ${TOOLS.join('|')} WORKLOAD, where WORKLOAD is one of ${loads.join(', ')}`);
  }
  if (execFileSync(NFT_BIN, ['list', 'ruleset'], { encoding: 'utf8' }).trim() !== '') {
    throw new Error('this network namespace has a ruleset; run the script under unshare -n');
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'nftset-profile-'));
  try {
    const inputs = writeInputs(workload, { seed: 1, dir, nftChunk: 1000 });
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    if (tool === 'floor') {
      execFileSync(FLOOR_BIN, ['load', workload.family, workload.setType, inputs.elements]);
    } else {
      const nft = await Nftables.open();
      try {
        const elements =
          tool === 'nftset-file' ? { file: inputs.elements } : readFileSync(inputs.elements, 'utf8').trimEnd().split('\n');
        await loadSet(nft, workload, elements);
      } finally {
        nft.close();
      }
    }
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    // The floor runs as a child process, so its CPU time is not in this one.
    const cpuText = tool === 'floor' ? '' : `, this process ${(cpu.user / 1000).toFixed(0)} ms user, ${(cpu.system / 1000).toFixed(0)} ms system`;
    process.stdout.write(`${tool} ${id}: ${wallMs.toFixed(0)} ms wall${cpuText}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

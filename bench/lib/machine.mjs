// Describes the machine and tool versions that a benchmark ran on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { BENCH_DIR, NFT_BIN } from './paths.mjs';

/** Returns the first line a command prints, or null when it cannot run. */
function firstLine(file, args) {
  try {
    const output = execFileSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return output.split('\n')[0].trim();
  } catch {
    return null;
  }
}

function cpuModel() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? os.cpus()[0]?.model ?? 'unknown';
}

/** Returns the google/nftables version that bench/gonft/go.mod requires. */
function googleNftablesVersion() {
  const goMod = readFileSync(path.join(BENCH_DIR, 'gonft', 'go.mod'), 'utf8');
  return /github\.com\/google\/nftables (v\S+)/.exec(goMod)?.[1] ?? null;
}

export function describeMachine() {
  return {
    cpuModel: cpuModel(),
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    nft: firstLine(NFT_BIN, ['--version']),
    go: firstLine('go', ['version']),
    node: process.version,
    cc: firstLine('cc', ['--version']),
    libnftnl: firstLine('pkg-config', ['--modversion', 'libnftnl']),
    libmnl: firstLine('pkg-config', ['--modversion', 'libmnl']),
    googleNftables: googleNftablesVersion(),
    root: process.getuid() === 0,
    // Other work on the machine skews the figures; the 1-minute load average
    // when the run started shows whether the machine was idle.
    loadAverageAtStart: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

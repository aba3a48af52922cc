// Builds the native helpers into bench/bin/. Each build is incremental: make
// and go build skip work when nothing changed.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { BENCH_DIR, BENCHTIME_BIN, BIN_DIR, GONFT_BIN } from './paths.mjs';

/** Runs a build command and throws with its output when it fails. */
export function runBuild(file, args, cwd) {
  try {
    execFileSync(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    throw new Error(`build step failed: ${file} ${args.join(' ')} (in ${cwd})\n${output}`);
  }
}

/** Builds bench/bin/nftfloor; needs cc, make, libnftnl-dev and libmnl-dev. */
export function buildFloor() {
  runBuild('make', ['--silent'], path.join(BENCH_DIR, 'floor'));
}

/** Builds bench/bin/benchtime, the wall-time and peak-RSS wrapper. */
export function buildBenchtime() {
  mkdirSync(BIN_DIR, { recursive: true });
  const source = path.join(BENCH_DIR, 'lib', 'benchtime.c');
  runBuild('cc', ['-O2', '-Wall', '-o', BENCHTIME_BIN, source], BENCH_DIR);
}

/** Builds bench/bin/gonft; go fetches google/nftables from the module proxy once. */
export function buildGonft() {
  runBuild('go', ['build', '-o', GONFT_BIN, '.'], path.join(BENCH_DIR, 'gonft'));
}

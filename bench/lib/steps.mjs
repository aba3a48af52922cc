// Executes the steps that tools return and measures them.
//
// A step is one of:
//   { argv, stdout }   one process. Wall time and peak RSS come from
//                      bench/bin/benchtime (fork to wait4, ru_maxrss).
//                      stdout: 'capture' (default) or 'discard' (/dev/null).
//   { argvEach }       a list of processes run one after another; each one's
//                      wall time is one latency sample (round trips only).
//   { run }            an async function run inside this process. Wall time
//                      is measured around the call; peak RSS is this process's
//                      VmHWM, so it includes the Node.js runtime.
// For round trips, a process step prints one latency in nanoseconds a line,
// and a `run` step resolves to { latenciesNs }. Event-loop lag steps resolve
// to { lag: { p50Ms, p99Ms, maxMs } }.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { BENCHTIME_BIN } from './paths.mjs';

/** Prefix of the line that carries ns-run.mjs's result on its stdout. */
export const RESULT_MARKER = 'BENCH_RESULT ';

let timeFileCounter = 0;

/** Runs argv under benchtime; resolves to { wallNs, peakRssKiB, stdout }. */
export function runTimed(argv, { scratchDir, stdout = 'capture' }) {
  const timeFile = path.join(scratchDir, `benchtime-${process.pid}-${timeFileCounter++}.txt`);
  const stdio = ['ignore', stdout === 'discard' ? 'ignore' : 'pipe', 'pipe'];
  const child = spawn(BENCHTIME_BIN, [timeFile, ...argv], { stdio });

  const out = [];
  const err = [];
  child.stdout?.on('data', (chunk) => out.push(chunk));
  child.stderr.on('data', (chunk) => err.push(chunk));

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString().trim();
      if (code !== 0) {
        reject(new Error(`${argv.join(' ').slice(0, 200)} exited with status ${code}\n${stderr}`));
        return;
      }
      const [wallNs, peakRssKiB] = readFileSync(timeFile, 'utf8').trim().split(' ').map(Number);
      resolve({ wallNs, peakRssKiB, stdout: Buffer.concat(out).toString() });
    });
  });
}

/** Returns this process's peak resident set size (VmHWM) in KiB. */
export function ownPeakRssKiB() {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)[1]);
}

/** Parses the output of a round-trip process: one latency in ns a line. */
export function parseLatencies(stdout) {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

/**
 * Executes one step. Resolves to { wallMs, peakRssKiB, stdout?, latenciesNs?, lag? }.
 */
export async function executeStep(step, { scratchDir }) {
  if (typeof step.run === 'function') {
    const start = process.hrtime.bigint();
    const result = (await step.run()) ?? {};
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    // A step that prepares or cleans up inside run() reports its own wallMs.
    return { wallMs, ...result, peakRssKiB: ownPeakRssKiB() };
  }

  if (Array.isArray(step.argvEach)) {
    const latenciesNs = [];
    let peakRssKiB = 0;
    for (const argv of step.argvEach) {
      const measured = await runTimed(argv, { scratchDir, stdout: 'discard' });
      latenciesNs.push(measured.wallNs);
      peakRssKiB = Math.max(peakRssKiB, measured.peakRssKiB);
    }
    const wallMs = latenciesNs.reduce((sum, ns) => sum + ns, 0) / 1e6;
    return { wallMs, peakRssKiB, latenciesNs };
  }

  if (Array.isArray(step.argv)) {
    const measured = await runTimed(step.argv, { scratchDir, stdout: step.stdout });
    return {
      wallMs: measured.wallNs / 1e6,
      peakRssKiB: measured.peakRssKiB,
      stdout: measured.stdout,
    };
  }

  throw new Error('a step needs argv, argvEach or run');
}

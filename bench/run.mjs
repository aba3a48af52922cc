#!/usr/bin/env node
// Benchmark harness: measures nft -f, google/nftables, the C floor and nftset
// on the same inputs, each run in a new network namespace.
// Usage: node bench/run.mjs --help
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { buildBenchtime, buildFloor } from './lib/build.mjs';
import { writeInputs } from './lib/inputs.mjs';
import { describeMachine } from './lib/machine.mjs';
import { BENCH_DIR, RESULTS_DIR, TOOLS_DIR } from './lib/paths.mjs';
import { RESULT_MARKER } from './lib/steps.mjs';
import { formatMiB, formatMs, formatUs, summarise } from './lib/summary.mjs';
import { selectWorkloads } from './lib/workloads.mjs';

const DEFAULT_TOOLS = ['nft', 'gonft', 'floor', 'nftset', 'nftset-file'];
// Safety limit for one measurement. On the 2-core machine of the first full run,
// google/nftables took about 2 minutes to list 1M elements.
const MEASUREMENT_TIMEOUT_MS = 30 * 60 * 1000;

const HELP = `Usage: node bench/run.mjs [options]

  --runs N          runs per tool and workload; the report uses medians (default 5, smoke 1)
  --smoke           tiny sizes and one run, for CI (under a minute)
  --tools LIST      comma-separated tools from bench/tools/ (default ${DEFAULT_TOOLS.join(',')};
                    a tool that is not ready is skipped unless named here)
  --workloads LIST  comma-separated workload ids (default: all)
  --seed N          seed for the generated elements (default 1)
  --nft-chunk N     elements per \`add element\` statement in nft scripts (default 1000)
  --out FILE        results file (default bench/results/latest.json, smoke: smoke.json)
  --help            print this text
`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      tools: { type: 'string' },
      workloads: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'nft-chunk': { type: 'string', default: '1000' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const positiveInteger = (name, text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`--${name} must be a positive integer, got ${text}`);
    }
    return value;
  };
  const list = (text) => text?.split(',').map((item) => item.trim()).filter(Boolean);
  const defaultOut = values.smoke ? 'smoke.json' : 'latest.json';
  return {
    help: values.help,
    smoke: values.smoke,
    runs: positiveInteger('runs', values.runs ?? (values.smoke ? '1' : '5')),
    tools: list(values.tools),
    workloads: list(values.workloads),
    seed: positiveInteger('seed', values.seed),
    nftChunk: positiveInteger('nft-chunk', values['nft-chunk']),
    out: path.resolve(values.out ?? path.join(RESULTS_DIR, defaultOut)),
  };
}

/** Imports and sets up each tool; skips unready default tools with a warning. */
async function loadTools(requested) {
  const tools = [];
  const available = readdirSync(TOOLS_DIR)
    .filter((file) => file.endsWith('.mjs'))
    .map((file) => file.slice(0, -'.mjs'.length));
  for (const name of requested ?? DEFAULT_TOOLS) {
    if (!available.includes(name)) {
      throw new Error(`unknown tool ${name}; tools in bench/tools/: ${available.join(', ')}`);
    }
    const tool = (await import(new URL(`./tools/${name}.mjs`, import.meta.url))).default;
    try {
      await tool.setup();
    } catch (error) {
      if (error.code === 'TOOL_NOT_READY' && !requested) {
        log(`skipping ${name}: ${error.message}`);
        continue;
      }
      throw new Error(`setup of tool ${name} failed: ${error.message}`);
    }
    tools.push(tool);
  }
  return tools;
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

/** Root keeps CAP_NET_ADMIN in the new namespace, which SO_SNDBUFFORCE needs. */
function unshareArgs() {
  return process.getuid() === 0 ? ['-n'] : ['-rn'];
}

/** Runs lib/ns-run.mjs for one job in a new network namespace. */
function measureInNamespace(job) {
  const args = [...unshareArgs(), process.execPath, path.join(BENCH_DIR, 'lib', 'ns-run.mjs')];
  const child = spawn('unshare', [...args, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: MEASUREMENT_TIMEOUT_MS,
  });
  const out = [];
  const err = [];
  child.stdout.on('data', (chunk) => out.push(chunk));
  child.stderr.on('data', (chunk) => err.push(chunk));

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString();
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) {
        const stderr = Buffer.concat(err).toString().trim();
        const status = signal ? `signal ${signal}` : `status ${code}`;
        reject(new Error(`${job.tool} ${job.workload.id} failed (${status}):\n${stderr}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)));
    });
  });
}

function describeRecord(record) {
  const parts = [formatMs(record.wallMs), formatMiB(record.peakRssKiB)];
  if (record.latency) {
    parts.push(`p50 ${formatUs(record.latency.p50Us)}`, `p99 ${formatUs(record.latency.p99Us)}`);
  }
  return parts.join(', ');
}

function roundTripCount(tool, workload) {
  return Math.min(workload.count, tool.roundTripLimit ?? Infinity);
}

function printSummary(data) {
  for (const row of summarise(data)) {
    const latency = row.p50Us === undefined ? '' : `  p50 ${formatUs(row.p50Us)}  p99 ${formatUs(row.p99Us)}`;
    const figures = `${formatMs(row.wallMs).padStart(9)}  ${formatMiB(row.peakRssKiB).padStart(10)}`;
    process.stdout.write(`${row.workload.padEnd(20)} ${row.tool.padEnd(8)} ${figures}${latency}\n`);
  }
}

async function main() {
  const options = parseOptions();
  if (options.help) {
    process.stdout.write(HELP);
    return;
  }

  const workloads = selectWorkloads({ smoke: options.smoke, ids: options.workloads });
  buildBenchtime();
  buildFloor(); // nftfloor counts the elements after every measurement
  const tools = await loadTools(options.tools);
  const parentNetns = readlinkSync('/proc/self/ns/net');
  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'nftset-bench-'));

  const data = {
    schema: 1,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    mode: options.smoke ? 'smoke' : 'full',
    runs: options.runs,
    seed: options.seed,
    nftChunk: options.nftChunk,
    namespace: `unshare ${unshareArgs().join(' ')}, one new namespace per run`,
    machine: describeMachine(),
    tools: tools.map((tool) => ({
      name: tool.name,
      label: tool.label,
      roundTripLabel: tool.roundTripLabel,
    })),
    workloads,
    results: [],
  };

  try {
    for (const workload of workloads) {
      const active = tools.filter((tool) => typeof tool[workload.kind] === 'function');
      if (active.length === 0) {
        log(`${workload.id}: no selected tool implements ${workload.kind}, skipped`);
        continue;
      }
      log(`${workload.id}: generating ${workload.count} elements`);
      const inputs = writeInputs(workload, { seed: options.seed, dir: scratchDir, nftChunk: options.nftChunk });

      for (let run = 1; run <= options.runs; run++) {
        for (const tool of active) {
          const job = { tool: tool.name, workload, inputs, scratchDir, parentNetns };
          if (workload.kind === 'roundTrips') {
            job.roundTripCount = roundTripCount(tool, workload);
          }
          const record = await measureInNamespace(job);
          data.results.push({ tool: tool.name, workload: workload.id, run, ...record });
          log(`  run ${run}/${options.runs} ${tool.name.padEnd(7)} ${describeRecord(record)}`);
        }
      }
    }
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }

  data.finishedAt = new Date().toISOString();
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(data, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), options.out)}`);
  printSummary(data);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exit(1);
});

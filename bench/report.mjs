#!/usr/bin/env node
// Writes docs/benchmarks.md and bench/results/chart.svg from a results file.
// Usage: node bench/report.mjs [--in bench/results/latest.json] [--out docs/benchmarks.md]
// The text between the targets markers in an existing docs/benchmarks.md is
// kept, so the Targets section can be edited by hand.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { renderLoadChart } from './lib/chart.mjs';
import { REPO_DIR, RESULTS_DIR } from './lib/paths.mjs';
import { findRow, formatMiB, formatMs, formatUs, summarise } from './lib/summary.mjs';

const TARGETS_BEGIN = '<!-- targets:begin -->';
const TARGETS_END = '<!-- targets:end -->';
const TARGETS_PLACEHOLDER =
  'TODO: the lead writes the targets for nftset here (for example, load time as a ratio to ' +
  'the C floor and to `nft -f`). `node bench/report.mjs` keeps this text between the markers.';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      in: { type: 'string', default: path.join(RESULTS_DIR, 'latest.json') },
      out: { type: 'string', default: path.join(REPO_DIR, 'docs', 'benchmarks.md') },
      chart: { type: 'string', default: path.join(RESULTS_DIR, 'chart.svg') },
    },
  });
  return { input: path.resolve(values.in), output: path.resolve(values.out), chart: path.resolve(values.chart) };
}

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

function upperFirst(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ratio(value, base) {
  return base === undefined ? 'n/a' : `${(value / base).toFixed(2)}×`;
}

function methodSection(data) {
  const { machine } = data;
  const roundTrips = data.workloads.find((w) => w.kind === 'roundTrips');
  const runs = data.runs === 1 ? '1 run' : `${data.runs} runs`;
  const lines = [
    '## Method',
    '',
    `\`node bench/run.mjs\` measures every tool on the same generated inputs (seed ${data.seed}). ` +
      `Every measurement runs in a new network namespace (${data.namespace}) that starts with ` +
      'an empty ruleset. Every workload uses table `inet t` and set `s`.',
    '',
    '- **Load**: the tool creates the table and the set and adds all elements in one transaction. ' +
      `\`nft -f\` reads a script with one \`add element\` statement per ${data.nftChunk} elements. ` +
      `google/nftables ${machine.googleNftables} (bench/gonft/) calls \`SetAddElements\` once per ` +
      '64 KiB of encoded elements and `Flush` once, because v0.3.0 does not split element lists ' +
      'itself. The program also raises the socket buffers, which v0.3.0 leaves at the system default. ' +
      'The C floor (bench/floor/) builds the batch with libnftnl, splits element messages under ' +
      '64 KiB and sends the batch with one `sendmsg()`.',
    '- **List**: `nft -f` loads the set first (untimed), then the tool dumps it. The nft row is ' +
      '`nft list set` writing text to /dev/null. google/nftables calls `GetSetElements`, and the C ' +
      'floor decodes every key of the `NFT_MSG_GETSETELEM` dump. Dumping a hash set costs the kernel ' +
      'more than linear time, because every dump message restarts the hash-table walk and skips ' +
      'the elements already sent (`nft_rhash_walk`). Larger messages therefore mean a faster dump. ' +
      'The kernel sizes them from the largest receive buffer the reader has used, up to 32 KiB. ' +
      'The C floor reads with 68 KiB buffers, while google/nftables reads through ' +
      'mdlayher/netlink, which peeks with a page-sized (4 KiB) buffer.',
    `- **Round trips**: an empty set is created first (untimed), then ${roundTrips?.count ?? 'N'} ` +
      'sequential one-element transactions, each waiting for the kernel\'s reply. nft runs fewer ' +
      'adds, one process each (see the table). Percentiles are nearest-rank per run, and the table ' +
      'shows their median over runs.',
    '- **Wall time** is measured by bench/bin/benchtime from `fork()` to `wait4()`, so it includes ' +
      'process start-up and reading the element file. Tools that run inside the Node.js process of ' +
      'the measurement are timed around the call instead: opening the connection, the load and ' +
      'closing it. The array form of nftset reads the element file into an array of strings before ' +
      'the clock starts, as an application that holds its list in memory has it; the file form ' +
      'reads the file inside the call.',
    '- **Peak RSS** is `ru_maxrss` of the tool\'s process from `wait4()` (what GNU time prints as ' +
      '%M). For in-process tools it is the process\'s VmHWM, Node.js included.',
    '- **Verification**: after every run the C floor dumps the set, and the harness fails unless ' +
      'the set contains exactly the expected number of elements.',
    `- Each figure is the median of ${runs} (${data.mode} mode). Kernel work is part of every ` +
      'figure: loading 1M elements or dumping them is mostly kernel time.',
  ];
  return lines.join('\n');
}

function machineSection(data) {
  const m = data.machine;
  const rows = [
    ['CPU', `${m.cpuModel}, ${m.cpus} cores`],
    ['memory', `${m.memoryGiB} GiB`],
    ['kernel', m.kernel],
    ['nft', m.nft],
    ['libnftnl / libmnl', `${m.libnftnl} / ${m.libmnl}`],
    ['Go', `${m.go}; google/nftables ${m.googleNftables}`],
    ['Node.js', m.node],
    ['C compiler', m.cc],
    ['run as root', m.root ? 'yes' : 'no'],
    ['load average at start', m.loadAverageAtStart ?? 'not recorded'],
    ['run', `${data.startedAt} to ${data.finishedAt}`],
  ];
  return `## Machine\n\n${table(['item', 'value'], rows)}`;
}

function timeSection(data, rows) {
  const body = [];
  for (const workload of data.workloads.filter((w) => w.kind === 'load' || w.kind === 'list')) {
    const floor = findRow(rows, workload.id, 'floor');
    const nft = findRow(rows, workload.id, 'nft');
    for (const tool of data.tools) {
      const row = findRow(rows, workload.id, tool.name);
      if (!row) continue;
      body.push([
        workload.title,
        tool.label,
        formatMs(row.wallMs),
        ratio(row.wallMs, floor?.wallMs),
        ratio(row.wallMs, nft?.wallMs),
      ]);
    }
  }
  const header = ['workload', 'tool', 'median time', 'tool / C floor', 'tool / nft'];
  return `### Wall time\n\n${table(header, body)}`;
}

function roundTripSection(data, rows) {
  const workload = data.workloads.find((w) => w.kind === 'roundTrips');
  const body = data.tools
    .map((tool) => [tool, findRow(rows, workload?.id, tool.name)])
    .filter(([, row]) => row)
    .map(([tool, row]) => [
      tool.label,
      tool.roundTripLabel ?? '',
      String(row.roundTripCount),
      formatUs(row.p50Us),
      formatUs(row.p99Us),
    ]);
  const header = ['tool', 'method', 'adds', 'p50', 'p99'];
  return `### One-element add round trips\n\n${table(header, body)}`;
}

function memorySection(data, rows) {
  const body = data.workloads
    .filter((w) => w.kind !== 'eventLoopLag')
    .map((w) => [
      w.title,
      ...data.tools.map((t) => {
        const row = findRow(rows, w.id, t.name);
        return row ? formatMiB(row.peakRssKiB) : 'n/a';
      }),
    ]);
  const sections = [`### Peak memory (median of peak RSS)\n\n${table(['workload', ...data.tools.map((t) => t.label)], body)}`];
  const list = data.workloads.find((w) => w.kind === 'list');
  const memory = list && findRow(rows, list.id, 'nftset')?.memory;
  if (memory) {
    sections.push(
      `While listing (${list.title}), nftset's RSS rose ${formatMiB(memory.peakAboveKiB)} above ` +
        `${formatMiB(memory.rssBeforeKiB)} at its peak. The returned array keeps ${formatMiB(memory.resultKiB)} ` +
        `of heap alive, so the listing itself took ${formatMiB(memory.aboveResultKiB)} beyond its result. ` +
        'The tool resets the peak through /proc/self/clear_refs before the call and measures the heap ' +
        'after full garbage collections.',
    );
  }
  return sections.join('\n\n');
}

function lagSection(data, rows) {
  const workload = data.workloads.find((w) => w.kind === 'eventLoopLag');
  const body = data.tools
    .map((tool) => [tool, findRow(rows, workload?.id, tool.name)])
    .filter(([, row]) => row?.lag)
    .map(([tool, row]) => [tool.label, `${row.lag.p50Ms.toFixed(1)} ms`, `${row.lag.p99Ms.toFixed(1)} ms`, `${row.lag.maxMs.toFixed(1)} ms`]);
  const text =
    body.length > 0
      ? table(['tool', 'p50 delay', 'p99 delay', 'max delay'], body)
      : 'Not measured in these results. Only in-process JavaScript tools can report it, and the nftset tool was not part of the run.';
  return `### ${workload ? upperFirst(workload.title) : 'Event-loop lag'}\n\n${text}`;
}

function writeChart(data, rows, chartPath) {
  const loads = data.workloads.filter((w) => w.kind === 'load' && w.family === 'ipv4' && w.setType === 'hash');
  const series = data.tools
    .map((tool) => ({
      tool: tool.name,
      label: tool.label,
      points: loads
        .map((w) => ({ count: w.count, row: findRow(rows, w.id, tool.name) }))
        .filter((p) => p.row)
        .map((p) => ({ count: p.count, ms: p.row.wallMs })),
    }))
    .filter((s) => s.points.length > 0);
  mkdirSync(path.dirname(chartPath), { recursive: true });
  writeFileSync(chartPath, renderLoadChart(series, 'Load time, IPv4 addresses into a hash set'));
}

/** Formats a ratio and whether it meets `limit`. */
function ratioCheck(value, base, limit) {
  if (value === undefined || base === undefined) return ['n/a', `≤ ${limit.toFixed(2)}×`, 'not measured'];
  const measured = value / base;
  return [`${measured.toFixed(2)}×`, `≤ ${limit.toFixed(2)}×`, measured <= limit ? 'met' : 'missed'];
}

/** Formats an absolute figure and whether it meets `limit`. */
function valueCheck(value, limit, format) {
  if (value === undefined) return ['n/a', `≤ ${format(limit)}`, 'not measured'];
  return [format(value), `≤ ${format(limit)}`, value <= limit ? 'met' : 'missed'];
}

/**
 * Checks the targets of nftset against the same run: ratios to the C floor
 * and to nft, round-trip latency, event-loop lag, listing memory, and
 * google/nftables on every workload.
 */
function targetsTable(data, rows) {
  const wall = (workload, tool) => findRow(rows, workload, tool)?.wallMs;
  const title = (id) => upperFirst(data.workloads.find((w) => w.id === id)?.title ?? id);
  const body = [];
  for (const tool of ['nftset', 'nftset-file']) {
    const label = tool === 'nftset' ? 'array' : 'file';
    body.push([`${title('ipv4-hash-1m')} (${label}) / C floor`, ...ratioCheck(wall('ipv4-hash-1m', tool), wall('ipv4-hash-1m', 'floor'), 1.15)]);
    body.push([`${title('ipv4-hash-1m')} (${label}) / nft -f`, ...ratioCheck(wall('ipv4-hash-1m', tool), wall('ipv4-hash-1m', 'nft'), 0.35)]);
    body.push([
      `${title('ipv4-interval-100k')} (${label}) / C floor`,
      ...ratioCheck(wall('ipv4-interval-100k', tool), wall('ipv4-interval-100k', 'floor'), 1.2),
    ]);
  }

  body.push([`${title('ipv4-list-1m')} / C floor`, ...ratioCheck(wall('ipv4-list-1m', 'nftset'), wall('ipv4-list-1m', 'floor'), 1.05)]);
  const listMemory = findRow(rows, 'ipv4-list-1m', 'nftset')?.memory;
  body.push([
    `${title('ipv4-list-1m')}: peak RSS above the returned array`,
    ...valueCheck(listMemory && listMemory.aboveResultKiB / 1024, 64, (mib) => `${mib.toFixed(1)} MiB`),
  ]);
  body.push([
    `${title('ipv4-roundtrip')}, p50`,
    ...valueCheck(findRow(rows, 'ipv4-roundtrip', 'nftset')?.p50Us, 30, (us) => `${us.toFixed(1)} µs`),
  ]);

  for (const tool of ['nftset', 'nftset-file']) {
    body.push([
      `${title('ipv4-lag-1m')} (${tool === 'nftset' ? 'array' : 'file'}), max`,
      ...valueCheck(findRow(rows, 'ipv4-lag-1m', tool)?.lag?.maxMs, 10, (ms) => `${ms.toFixed(1)} ms`),
    ]);
  }

  for (const workload of data.workloads.filter((w) => w.kind === 'load' || w.kind === 'list')) {
    body.push([`${upperFirst(workload.title)}: nftset / google/nftables`, ...ratioCheck(wall(workload.id, 'nftset'), wall(workload.id, 'gonft'), 1)]);
  }
  body.push([
    `${title('ipv4-roundtrip')}, p50: nftset / google/nftables`,
    ...ratioCheck(findRow(rows, 'ipv4-roundtrip', 'nftset')?.p50Us, findRow(rows, 'ipv4-roundtrip', 'gonft')?.p50Us, 1),
  ]);
  return table(['target', 'measured', 'limit', 'result'], body);
}

/** Returns the hand-written Targets text of an existing report, or the placeholder. */
function existingTargets(outputPath) {
  if (!existsSync(outputPath)) return TARGETS_PLACEHOLDER;
  const text = readFileSync(outputPath, 'utf8');
  const begin = text.indexOf(TARGETS_BEGIN);
  const end = text.indexOf(TARGETS_END);
  if (begin < 0 || end < begin) return TARGETS_PLACEHOLDER;
  return text.slice(begin + TARGETS_BEGIN.length, end).trim();
}

function main() {
  const options = parseOptions();
  const data = JSON.parse(readFileSync(options.input, 'utf8'));
  data.sourceFile = options.input;
  const rows = summarise(data);

  writeChart(data, rows, options.chart);
  const chartLink = path.relative(path.dirname(options.output), options.chart);

  const document = [
    '# Benchmarks',
    `Generated by \`node bench/report.mjs\` from bench/results/${path.basename(options.input)}. ` +
      'Edit only the Targets section by hand, because the rest is rewritten on every run.',
    methodSection(data),
    machineSection(data),
    '## Results',
    timeSection(data, rows),
    `![Median load time against element count](${chartLink})`,
    roundTripSection(data, rows),
    memorySection(data, rows),
    lagSection(data, rows),
    `## Targets\n\n${targetsTable(data, rows)}\n\n${TARGETS_BEGIN}\n${existingTargets(options.output)}\n${TARGETS_END}`,
  ].join('\n\n');

  mkdirSync(path.dirname(options.output), { recursive: true });
  writeFileSync(options.output, `${document}\n`);
  process.stderr.write(`wrote ${path.relative(process.cwd(), options.output)} and ${path.relative(process.cwd(), options.chart)}\n`);
}

main();

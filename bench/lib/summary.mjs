// Reduces the raw runs in results/*.json to one row per tool and workload.
import { median } from './stats.mjs';

/**
 * Returns rows { workload, tool, runs, wallMs, peakRssKiB, p50Us, p99Us,
 * roundTripCount, memory, lag } with the median over runs of each figure.
 */
export function summarise(data) {
  const rows = [];
  for (const workload of data.workloads) {
    for (const tool of data.tools) {
      const runs = data.results.filter((r) => r.workload === workload.id && r.tool === tool.name);
      if (runs.length === 0) {
        continue;
      }
      const row = {
        workload: workload.id,
        tool: tool.name,
        runs: runs.length,
        wallMs: median(runs.map((r) => r.wallMs)),
        peakRssKiB: median(runs.map((r) => r.peakRssKiB)),
      };
      if (runs[0].latency) {
        row.roundTripCount = runs[0].latency.count;
        row.p50Us = median(runs.map((r) => r.latency.p50Us));
        row.p99Us = median(runs.map((r) => r.latency.p99Us));
      }
      if (runs[0].memory) {
        row.memory = {};
        for (const key of Object.keys(runs[0].memory)) {
          row.memory[key] = median(runs.map((r) => r.memory[key]));
        }
      }
      if (runs[0].lag) {
        row.lag = {
          p50Ms: median(runs.map((r) => r.lag.p50Ms)),
          p99Ms: median(runs.map((r) => r.lag.p99Ms)),
          maxMs: median(runs.map((r) => r.lag.maxMs)),
        };
      }
      rows.push(row);
    }
  }
  return rows;
}

/** Returns the row of `tool` for `workload`, or undefined. */
export function findRow(rows, workload, tool) {
  return rows.find((row) => row.workload === workload && row.tool === tool);
}

export function formatMs(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

export function formatUs(us) {
  if (us >= 1000) return `${(us / 1000).toFixed(1)} ms`;
  return `${us.toFixed(1)} µs`;
}

export function formatMiB(kib) {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

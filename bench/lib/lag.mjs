// Event-loop lag sampling for in-process JavaScript tools.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Runs `work` while sampling the event-loop delay every millisecond, and
 * resolves to { lag: { p50Ms, p99Ms, maxMs, samples } }. A tool that keeps
 * the event loop free shows delays near the 1 ms sampling resolution.
 */
export async function measureEventLoopLag(work) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return {
    lag: {
      p50Ms: histogram.percentile(50) / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      maxMs: histogram.max / 1e6,
      samples: histogram.count,
    },
  };
}

// Order statistics used for run medians and round-trip percentiles.

/** Returns the median of a non-empty list (mean of the middle two for even lengths). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Returns the nearest-rank percentile `p` (0..100) of an ascending list. */
export function percentile(sorted, p) {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Summarises latencies given in nanoseconds as microseconds. */
export function summariseLatencies(latenciesNs) {
  const sorted = [...latenciesNs].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50Us: percentile(sorted, 50) / 1000,
    p99Us: percentile(sorted, 99) / 1000,
    meanUs: total / sorted.length / 1000,
    maxUs: sorted[sorted.length - 1] / 1000,
  };
}

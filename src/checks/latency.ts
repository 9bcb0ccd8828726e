/** Latency statistics of one HTTP load, computed from raw samples (pure). */
export interface LatencySummary {
  /** Requests sent (measured ones only, warm-up excluded). */
  requests: number;
  /** Requests that failed: a network error, a timeout, or a status of 400 or more. */
  errors: number;
  /** errors ÷ requests (0 when nothing was sent). */
  error_rate: number;
  /** Requests that got no response (counted in `errors`, and in the percentiles at the time they took to fail). */
  unanswered: number;
  /** Percentiles of every request's latency, in milliseconds; undefined when none was sent. */
  p50_ms: number | undefined;
  p95_ms: number | undefined;
  p99_ms: number | undefined;
}

/**
 * The `p`-th percentile (0 < p ≤ 100) of ascending samples by the nearest-rank method, so the
 * reported value is always a latency that was actually observed; undefined for no samples.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], received ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Summarises a load: latencies of its requests (answered or not), and how many failed. */
export function summarizeLatencies(
  latenciesMs: readonly number[],
  requests: number,
  errors: number,
  unanswered = 0,
): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    requests,
    errors,
    error_rate: requests === 0 ? 0 : errors / requests,
    unanswered,
    p50_ms: percentile(sorted, 50),
    p95_ms: percentile(sorted, 95),
    p99_ms: percentile(sorted, 99),
  };
}

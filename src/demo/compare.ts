import type { BatonState } from '../log/fold.js';

/** The implementation speedup measured side by side: the same features run in parallel and with `-j 1`. */
export interface RunComparison {
  parallel_ms: number;
  sequential_ms: number;
  /** sequential ÷ parallel. */
  speedup: number;
  features: number;
}

/** Compares the latest run of two logs (pure); undefined when either run has not ended. */
export function compareRuns(parallel: BatonState, sequential: BatonState): RunComparison | undefined {
  const p = parallel.run_duration_ms;
  const s = sequential.run_duration_ms;
  if (p === undefined || s === undefined || p <= 0) return undefined;
  return { parallel_ms: p, sequential_ms: s, speedup: s / p, features: parallel.run_feature_ids.length };
}

/** The end of an attempt that did no work of its run's, in one place for every writer of it. */
import type { AttemptEnded } from '../log/events.js';

/** An `attempt.ended` without what every event carries and its feature. */
export type AttemptEndedFields = Omit<AttemptEnded, 'type' | 'v' | 'ts' | 'feature_id'>;

/** The end of attempt `n`, as `status` for `reason`, with no work: no files, no checks, no time (pure). */
export function unrunAttempt<S extends AttemptEnded['status']>(
  n: number,
  status: S,
  reason: string,
): AttemptEndedFields & { status: S } {
  return {
    attempt: n,
    status,
    reason,
    files: [],
    checks: { passed: 0, failed: 0, unverifiable: 0, total: 0 },
    measured: {},
    lines_changed: 0,
    outside_owns: 0,
    duration_ms: 0,
  };
}

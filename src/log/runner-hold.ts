/**
 * Who decides how a feature ends (pure). Any process may append a hook's or a plain line's status to
 * the log, but a feature Baton's runner works on ends with the runner's `feature.ended`, after its
 * checks: a hook's "complete" must not show a feature complete while its checks still run, nor after
 * the runner ended it failed. A log written by hooks alone (no runner events for the feature) is
 * taken at its word, as before.
 */
import type { FeatureStatus } from './events.js';
import type { FeatureState } from './state.js';
import { TERMINAL_STATUSES } from './statuses.js';

/** The runner took the feature (its `feature.started`, or a best-of-N attempt's start): it decides the end. */
export function holdByRunner(f: FeatureState): void {
  f.runner = {};
}

/** The runner ended the feature (`feature.ended`, or a status it re-decided): its word until a new run. */
export function endByRunner(f: FeatureState, status: FeatureStatus): void {
  f.runner = { ended: status };
}

/** A status Baton itself re-decided after the run (`baton verify`, `baton pick`) becomes the runner's word. */
export function redecidedByBaton(f: FeatureState): void {
  if (f.runner?.ended !== undefined) f.runner = { ended: f.status };
}

/**
 * Whether a status a hook or a plain log line reported is taken. While the runner holds the feature
 * an end status waits for its `feature.ended` (running, needs-input still show: an interactive agent
 * reports them). Once the runner ended it, its word stands until a new run: the agent is gone, so a
 * later "needs-input", "running" or "failed" is stale or forged, and would move a finished feature
 * out of what `integrate` takes. A feature no run has taken is taken at the hook's word.
 */
export function reportedStatusTaken(f: FeatureState, status: FeatureStatus): boolean {
  const runner = f.runner;
  if (runner === undefined) return true;
  return runner.ended === undefined && !TERMINAL_STATUSES.has(status);
}

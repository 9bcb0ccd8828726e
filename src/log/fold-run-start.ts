/**
 * What a `run.started` does to the fold: the run's own fields, its open runs, and each feature it lists
 * started over (a fresh run) or kept (a resume, an agent re-attached to). The one place that says what
 * "starting over" clears, which `fold-from-end.ts` relies on (`featuresStartedOver`).
 */
import { parseAttemptUnitId } from '../contracts/feature-id.js';
import { stampOf } from '../metrics/run-cuts.js';
import { chosenConcurrency, isConcurrency } from './concurrency.js';
import type { LogEvent, RunStarted } from './events.js';
import { declaredQueue, setOwn } from './fold-fields.js';
import type { BatonState, FeatureState } from './state.js';

/** Applies a `run.started` to `state`; `feature` finds (or makes) a listed feature's state. */
export function applyRunStarted(
  state: BatonState,
  ev: RunStarted,
  feature: (id: string) => FeatureState,
): void {
  state.run_id = ev.run_id;
  // The place of this start: the fold counted this line already.
  const at = state.events;
  state.run_starts ??= {};
  setOwn(state.run_starts, ev.run_id, at);
  state.run_started_at = ev.ts;
  state.run_ended_at = undefined;
  // An end inferred for the run before (its orchestrator died) is not this one's.
  state.run_end_inferred = undefined;
  state.run_outcome = undefined;
  state.run_duration_ms = undefined;
  state.run_feature_ids = [...ev.feature_ids];
  state.concurrency = isConcurrency(ev.concurrency) ? ev.concurrency : undefined;
  state.concurrency_chosen = chosenConcurrency(ev) === undefined ? undefined : true;
  state.base = ev.base;
  state.base_commit = ev.base_commit;
  state.mode = ev.mode;
  state.orchestrator_pid = ev.pid;
  state.run_queue = ev.queue ? declaredQueue(ev.queue) : undefined;
  state.run_interactive = ev.interactive;
  // What an earlier run's agents changed outside their worktrees belongs to that run's report.
  if (!ev.resume) state.escaped_unknown = undefined;
  state.open_runs = [
    ...(state.open_runs ?? []).filter((r) => r.run_id !== ev.run_id),
    {
      run_id: ev.run_id,
      pid: ev.pid,
      started_at: ev.ts,
      ...(ev.queue ? { queue: declaredQueue(ev.queue) } : {}),
    },
  ];
  for (const id of ev.feature_ids) {
    const f = feature(id);
    // A resumed run keeps what earlier runs finished, and the state of agents it re-attached to;
    // a fresh run starts every listed feature over.
    if (ev.adopted_windows?.some((a) => a.feature_id === id)) continue;
    if (!ev.resume || f.status !== 'complete') f.status = 'pending';
    // A fresh run starts the feature over (best-of-N too); a resumed one keeps the attempts that finished.
    if (!ev.resume) startOver(f, at);
    const planned = ev.attempts && Object.hasOwn(ev.attempts, id) ? ev.attempts[id] : undefined;
    if (planned !== undefined) f.planned_attempts = planned;
    const select = ev.select && Object.hasOwn(ev.select, id) ? ev.select[id] : undefined;
    if (select !== undefined) f.planned_select = select;
  }
  if (!ev.resume) startUnitsOver(state, ev.feature_ids, ev.adopted_windows, at);
}

/**
 * What a fresh run clears of a feature it lists: what is left from an earlier run's outcome. Its work
 * too (commit, files, agent log, worktree, usage): a best-of-N feature gets no `feature.started` of its
 * own to clear them, and until its winner is chosen it has none of this run's. Its times, agent and
 * last event too: a feature waiting for a slot shows no elapsed time or end of the run before.
 */
function startOver(f: FeatureState, at: number): void {
  f.started_over_at = at;
  f.agent = undefined;
  f.interactive = undefined;
  f.started_at = undefined;
  f.ended_at = undefined;
  f.duration_ms = undefined;
  f.last_event = undefined;
  f.end_inferred = undefined;
  f.agent_interrupted = undefined;
  f.commit = undefined;
  f.files = [];
  f.log_file = undefined;
  f.worktree = undefined;
  f.usage = undefined;
  f.launched_at = undefined;
  f.exits_ms = undefined;
  f.attempts = undefined;
  f.planned_attempts = undefined;
  f.planned_select = undefined;
  f.winner = undefined;
  f.attempts_superseded = undefined;
  f.checks = {};
  f.reason = undefined;
  f.exit_code = undefined;
  f.signal = undefined;
  f.checked_dirty = undefined;
  f.escaped = [];
  // Only a new run lifts what the runner decided last time (a hook's "complete" after a failure).
  f.runner = undefined;
}

/**
 * A fresh run starts its listed features' best-of-N attempt units (`<id>.a<n>`) over as it does the
 * features: an earlier run's unit left running, asking for input or with escapes is not this run's.
 */
function startUnitsOver(
  state: BatonState,
  ids: readonly string[],
  adopted: ReadonlyArray<{ feature_id: string }> | undefined,
  at: number,
): void {
  if (state.attempt_units === undefined) return;
  const listed = new Set(ids);
  for (const a of adopted ?? []) listed.delete(a.feature_id);
  for (const [id, unit] of Object.entries(state.attempt_units)) {
    const parent = parseAttemptUnitId(id)?.featureId;
    if (parent === undefined || !listed.has(parent)) continue;
    unit.status = 'pending';
    startOver(unit, at);
  }
}

/**
 * The features an event starts over: the listed ones (but those it re-attaches to) for a fresh
 * `run.started`. From such an event on, a feature's status, checks, reason and exit code depend on
 * later events only, so folding the log from there gives them as folding it whole does: what lets a
 * command read the log from its end (`fold-from-end.ts`). Not `feature.started`: a request for input
 * its agent's hook wrote before it still stands after it.
 */
export function featuresStartedOver(e: LogEvent): readonly string[] {
  if (e.type !== 'run.started' || e.resume) return [];
  const adopted = new Set(e.adopted_windows?.map((a) => a.feature_id));
  return e.feature_ids.filter((id) => !adopted.has(id));
}

/**
 * Whether a line about feature `f` is an earlier run's, landed after a later run started the feature
 * over (that run's agent still writing, its queue's late lines): stamped with a run id (`stampOf`, the
 * report's rule for which lines their stamp gives to their run, `RunClaims`) whose latest start came
 * before that start-over, or that no start since names. The report gives such a line to its own run;
 * folded in place it stood for the later run's state of the feature. A line with no stamp (a hook
 * written by hand) goes by its place, as in the report. From the feature's start-over on, the answer
 * depends on later lines only, so a fold from the log's end gives it as the whole fold does.
 */
export function earlierRunsLine(state: BatonState, f: FeatureState, e: LogEvent): boolean {
  if (f.started_over_at === undefined) return false;
  const stamp = stampOf(e);
  if (stamp === undefined) return false;
  const starts = state.run_starts;
  const started = starts !== undefined && Object.hasOwn(starts, stamp) ? starts[stamp] : undefined;
  return started === undefined || started < f.started_over_at;
}

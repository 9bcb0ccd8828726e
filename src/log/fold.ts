/**
 * The pure fold of the log into Baton's state. Long because `applyEvent` is one table, a case per
 * event type, so a new type cannot be forgotten; what can live apart already does (best-of-N
 * attempts in fold-attempts.ts, integration in fold-integration.ts, a run's start and what it starts
 * over in fold-run-start.ts, snapshots in fold-cache.ts, counting checks in check-reason.ts), and
 * the next event family to grow should move out the same way rather than lengthen this file.
 */

import { parseAttemptUnitId } from '../contracts/feature-id.js';
import { unreachable } from '../errors.js';
import { failedChecksReason } from './check-reason.js';
import type { BatonEvent, FeatureStatus, LogEvent, PlainEvent } from './events.js';
import { applyAttemptEvent, attemptBase, supersedeAttempts, timedByAttempts } from './fold-attempts.js';
import { addUsage, declaredMeasurement, declaredUsage, setOwn } from './fold-fields.js';
import { aboutIntegration, applyIntegrationEvent } from './fold-integration.js';
import { applyRunStarted, earlierRunsLine } from './fold-run-start.js';
import { describeRetry } from './retry-words.js';
import { endByRunner, holdByRunner, redecidedByBaton, reportedStatusTaken } from './runner-hold.js';
import type { BatonState, CheckResult, FeatureState } from './state.js';
import { DECIDED_BY_CHECKS, normaliseStatus, TERMINAL_STATUSES } from './statuses.js';

export type {
  BatonState,
  CheckResult,
  FeatureState,
  MergeRecord,
  OpenCollision,
  PhaseRecord,
} from './state.js';

/** The state of a feature the log has not mentioned yet. */
export function pendingFeature(id: string): FeatureState {
  return {
    feature_id: id,
    status: 'pending',
    files: [],
    escaped: [],
    collisions: {},
    checks: {},
    integration_checks: {},
    hooks: 0,
  };
}

/** An empty state. */
export function initialState(): BatonState {
  return {
    run_feature_ids: [],
    features: {},
    phases: [],
    integration: { order: [], merges: [], tests: [] },
    events: 0,
  };
}

/**
 * An index over each `features` record: a log line's id is a fresh string, which a Map hashes
 * faster than an object property lookup internalises it (the fold's hot spot on a large log).
 */
const featureIndex = new WeakMap<Record<string, FeatureState>, Map<string, FeatureState>>();

/** A feature's folded state, if the log named it (never a name every object holds, such as `constructor`). */
export function featureAt(state: BatonState, id: string): FeatureState | undefined {
  return Object.hasOwn(state.features, id) ? state.features[id] : undefined;
}

/** Whether the fold files an id's events apart, as a best-of-N attempt's (`<feature_id>.a<n>`); a feature id holds no '.'. */
function isAttemptUnit(id: string): boolean {
  return id.includes('.') && parseAttemptUnitId(id) !== undefined;
}

/** The folded state of the feature or attempt unit `id` names, where the fold files it, if the log named it. */
export function unitAt(state: BatonState, id: string): FeatureState | undefined {
  const record = isAttemptUnit(id) ? state.attempt_units : state.features;
  return record !== undefined && Object.hasOwn(record, id) ? record[id] : undefined;
}

function attemptUnits(state: BatonState): Record<string, FeatureState> {
  if (state.attempt_units === undefined) state.attempt_units = {};
  return state.attempt_units;
}

/** The feature found last, and where: a log names the same feature on many lines in a row. */
let last: { record: Record<string, FeatureState>; id: string; feature: FeatureState } | undefined;

function feature(state: BatonState, id: string): FeatureState {
  // Comparing the id with the last one's is cheaper than hashing a fresh string for the index.
  if (last !== undefined && last.record === state.features && last.id === id) return last.feature;
  const record = isAttemptUnit(id) ? attemptUnits(state) : state.features;
  const f = indexed(record, id);
  last = { record, id, feature: f };
  return f;
}

function indexed(record: Record<string, FeatureState>, id: string): FeatureState {
  let index = featureIndex.get(record);
  if (index === undefined) {
    index = new Map(Object.entries(record));
    featureIndex.set(record, index);
  }
  let f = index.get(id);
  if (f === undefined) {
    // A miss checks the record too, in case a caller added a feature to it directly.
    f = Object.hasOwn(record, id) ? record[id] : undefined;
    if (f === undefined) {
      f = pendingFeature(id);
      setOwn(record, id, f);
    }
    index.set(id, f);
  }
  return f;
}

function durationBetween(start: string | undefined, end: string | undefined): number | undefined {
  if (!start || !end) return undefined;
  const d = Date.parse(end) - Date.parse(start);
  return Number.isFinite(d) ? d : undefined;
}

/**
 * A status a hook or a plain line reported (any process may append one): not taken where the
 * runner decides (`reportedStatusTaken`), and "complete" over failed checks stays `failed-checks` —
 * a hook's word never outweighs the checks. Returns whether the status was taken.
 */
function setReportedStatus(f: FeatureState, status: FeatureStatus): boolean {
  if (!reportedStatusTaken(f, status)) return false;
  const failed = status === 'complete' ? failedChecksReason(f.checks) : undefined;
  f.status = failed === undefined ? status : 'failed-checks';
  if (failed !== undefined) f.reason = failed;
  return true;
}

function applyPlain(state: BatonState, e: PlainEvent): void {
  const f = feature(state, String(e.feature_id));
  const status = normaliseStatus(String(e.status));
  const ts = typeof e.ts === 'string' ? e.ts : typeof e.timestamp === 'string' ? e.timestamp : undefined;
  const taken = status !== undefined && setReportedStatus(f, status);
  if (taken) {
    if (status === 'running' && ts) f.started_at = ts;
    if (status !== 'running' && status !== 'needs-input' && ts) {
      f.ended_at = ts;
      f.duration_ms = durationBetween(f.started_at, ts) ?? f.duration_ms;
    }
  }
  // A line whose status was not taken is still shown as the last event, marked, so the row's status
  // and a "failed" beside it do not contradict each other.
  const detail = taken ? String(e.status) : `${String(e.status)}, ignored`;
  f.last_event = { type: 'status', detail, ...(ts ? { ts } : {}) };
}

/** A feature whose agent asked for input is working again (it went on, was answered, or was restarted). */
function carriesOn(f: FeatureState): void {
  if (f.status === 'needs-input') f.status = 'running';
}

/**
 * A worktree check on `commit` makes the results of other commits no results: a criterion that only
 * passed on the commit before (a `baton verify` of a new commit stopped before it reached it) says
 * nothing of this one, so the feature is `complete (unverified)` and integrate leaves it out until every
 * criterion ran on it. A result of a log older than the `commit` field stays (it cannot be told apart).
 */
function dropOtherCommits(checks: Record<string, CheckResult>, commit: string): void {
  for (const [id, r] of Object.entries(checks)) {
    if (r.commit !== undefined && r.commit !== commit) delete checks[id];
  }
}

/**
 * A verification runs every criterion its feature's contract has at a place (`criteria`, as its check
 * events name them): a result there of any other is of a criterion removed, renamed or moved to the
 * other place since, and says nothing of the feature (its failure would keep it `failed-checks` for
 * good, blamed on a criterion that is gone). A worker's word removes nothing recorded here.
 */
function keepCriteriaRun(checks: Record<string, CheckResult>, criteria: readonly string[]): void {
  for (const id of Object.keys(checks)) {
    if (!criteria.includes(id)) delete checks[id];
  }
}

/**
 * A worktree check recorded: the commit it checked becomes the feature's, and a feature the run had
 * finished (`complete`, `failed-checks`) takes its status from its checks as they now stand, so a
 * `baton verify` after the run can fail a feature or pass it again. A running or verifying feature
 * waits for its `feature.ended`; other end statuses (failed, empty, …) are not about checks.
 */
function recheckedFeature(f: FeatureState, commit: string | undefined, dirty: true | undefined): void {
  if (commit !== undefined) {
    f.commit = commit;
    f.checked_dirty = dirty;
  }
  if (!DECIDED_BY_CHECKS.has(f.status)) return;
  const reason = failedChecksReason(f.checks);
  f.status = reason === undefined ? 'complete' : 'failed-checks';
  f.reason = reason;
  redecidedByBaton(f);
}

/**
 * Applies one event to a state in place. Only `foldEvents` and incremental folds call this, with
 * events the log reader accepted (`parseLogEvent`) or that Baton made; the switch is exhaustive.
 * Long because it is one table: a case per event type, so a new type cannot be forgotten (the
 * attempt and integration cases are handed on to fold-attempts.ts and fold-integration.ts).
 */
export function applyEvent(state: BatonState, e: LogEvent): void {
  state.events++;
  if (e.type === undefined) {
    applyPlain(state, e);
    return;
  }
  const ev = e as BatonEvent;
  // One lookup per event: a million-event log spends its fold time here.
  const featureId = (ev as { feature_id?: unknown }).feature_id;
  const feat = typeof featureId === 'string' ? feature(state, featureId) : undefined;
  // An earlier run's line about a feature a later run started over is that run's (as the report cuts
  // it), not the feature's now; what the integration and its checks record is no run's work.
  if (feat !== undefined && !aboutIntegration(ev) && earlierRunsLine(state, feat, ev)) return;
  // A request for input keeps its message as the last event through the events that do not answer
  // it: a `feature.started` after it, and a resumed run's re-adoption of its window (`worktree.created`).
  const asked =
    feat?.status === 'needs-input' && (ev.type === 'feature.started' || ev.type === 'worktree.created');
  if (feat !== undefined && ev.type !== 'hook' && ev.type !== 'feature.ended' && !asked) {
    feat.last_event = { type: ev.type, ts: ev.ts };
  }
  switch (ev.type) {
    case 'run.started':
      applyRunStarted(state, ev, (id) => feature(state, id));
      return;
    case 'run.ended':
      state.open_runs = state.open_runs?.filter((r) => r.run_id !== ev.run_id);
      // An earlier run's end (landing after the next run started) closes that run only. The first end
      // of the current run stands: a second one (another process's line) changes nothing; but an end
      // inferred at read time (the orchestrator looked gone as it finished) gives way to its own.
      if (ev.run_id !== state.run_id) return;
      if (state.run_ended_at !== undefined && !state.run_end_inferred) return;
      state.run_end_inferred = ev.inferred ? true : undefined;
      state.run_ended_at = ev.ts;
      state.run_outcome = ev.outcome;
      state.run_duration_ms = ev.duration_ms;
      return;
    case 'phase.started':
      state.phases.push({ name: ev.phase, started_at: ev.ts });
      return;
    case 'phase.ended': {
      const open = [...state.phases].reverse().find((p) => p.name === ev.phase && p.ended_at === undefined);
      if (open) open.ended_at = ev.ts;
      else state.phases.push({ name: ev.phase, ended_at: ev.ts });
      return;
    }
    case 'worktree.created': {
      const f = feat ?? feature(state, ev.feature_id);
      f.worktree = ev.path;
      f.branch = ev.branch;
      // Taken up for a new agent session, not to check a finished agent's commit again.
      f.agent_superseded = ev.agent_finished === undefined ? true : undefined;
      return;
    }
    case 'setup.started': {
      // `baton status` says setup is running (and which command) until the agent starts.
      const f = feat ?? feature(state, ev.feature_id);
      f.last_event = { type: ev.type, ts: ev.ts, detail: ev.command };
      return;
    }
    case 'setup.ended':
      return;
    case 'feature.started': {
      const f = feat ?? feature(state, ev.feature_id);
      // An agent quick to ask (its hook ran while the runner still opened its window) still waits:
      // a fresh `run.started` made it pending, and a retry or another queue attempt running.
      f.status = f.status === 'needs-input' ? 'needs-input' : 'running';
      holdByRunner(f);
      f.run_id = ev.run_id;
      f.agent = ev.agent;
      f.branch = ev.branch;
      f.base_commit = ev.base_commit;
      attemptBase(state, ev.feature_id, ev.base_commit);
      supersedeAttempts(f);
      f.worktree = ev.worktree;
      f.log_file = ev.log_file;
      f.port = ev.port;
      f.pid = ev.pid;
      f.pgid = ev.pgid;
      f.attempt = ev.attempt;
      f.interactive = ev.interactive;
      f.started_at = ev.ts;
      // Agent time and usage add up over the launches of a run (a retry, a `run --resume`), as the
      // report sums its exits: what a fresh run clears (`startOver`), not a launch.
      f.launched_at ??= ev.ts;
      f.ended_at = undefined;
      f.duration_ms = undefined;
      f.exit_code = undefined;
      f.signal = undefined;
      f.agent_interrupted = undefined;
      f.agent_superseded = undefined;
      f.reason = undefined;
      f.checks = {};
      f.checked_dirty = undefined;
      return;
    }
    case 'agent.exited': {
      const f = feat ?? feature(state, ev.feature_id);
      f.exit_code = ev.exit_code;
      f.signal = ev.signal;
      f.agent_interrupted = ev.interrupted;
      f.agent_superseded = undefined;
      f.exits_ms = (f.exits_ms ?? 0) + ev.duration_ms;
      f.duration_ms = f.exits_ms;
      if (ev.commit) f.commit = ev.commit;
      f.files = [...ev.files];
      if (ev.usage) f.usage = addUsage(f.usage, declaredUsage(ev.usage));
      if (ev.reason) f.reason = ev.reason;
      if (f.status === 'running' || f.status === 'needs-input') f.status = 'verifying';
      return;
    }
    case 'hook': {
      const f = feat ?? feature(state, ev.feature_id);
      f.hooks++;
      const type = `hook ${ev.event}`;
      const detail = ev.detail ?? (ev.payload_dropped && `payload dropped: ${ev.payload_dropped}`);
      f.last_event = detail ? { type, ts: ev.ts, detail } : { type, ts: ev.ts };
      // An interactive agent that reports anything after asking for input has carried on.
      if (!ev.status) carriesOn(f);
      if (ev.status && setReportedStatus(f, ev.status)) {
        // A hook that reports a final status (a hand-made completion hook) ends the feature there.
        if (TERMINAL_STATUSES.has(ev.status)) {
          f.ended_at = ev.ts;
          f.duration_ms ??= durationBetween(f.started_at, ev.ts);
        }
      }
      return;
    }
    case 'feature.ended': {
      const f = feat ?? feature(state, ev.feature_id);
      // A real end says why, or that nothing is wrong: no reason of an earlier end stays (one inferred
      // at read time, "its orchestrator is gone", or a dead run's "stopped by Ctrl-C while its checks
      // ran" that a `run --resume` of its finished agent, which writes no `feature.started`, completed).
      if (ev.reason || !ev.inferred) f.reason = ev.reason;
      f.end_inferred = ev.inferred ? true : undefined;
      f.status = ev.status;
      endByRunner(f, ev.status);
      // A dead run's end is inferred at read time, stamped with its last known time, not its end:
      // when the agent stopped is unknown, so no end time or duration is made up from that stamp.
      if (ev.inferred) {
        f.last_event = { type: ev.type, detail: ev.status };
        return;
      }
      f.ended_at = ev.ts;
      if (!timedByAttempts(f)) f.duration_ms ??= durationBetween(f.started_at, ev.ts);
      f.last_event = { type: ev.type, ts: ev.ts, detail: ev.status };
      return;
    }
    case 'agent.retrying': {
      // What the agent waits for shows in `baton status` until it is started again; the attempt that
      // asked for input has exited.
      const f = feat ?? feature(state, ev.feature_id);
      carriesOn(f);
      f.last_event = { type: ev.type, ts: ev.ts, detail: describeRetry(ev) };
      return;
    }
    case 'user.intervention': {
      const f = feat ?? feature(state, ev.feature_id);
      // The conductor answered: the agent is working again until its next hook says otherwise.
      carriesOn(f);
      if (ev.text !== undefined) f.last_event = { type: ev.type, ts: ev.ts, detail: ev.text };
      return;
    }
    case 'feature.escaped': {
      // Unattributed (several agents ran): kept apart, so no feature is named for what it may not have done.
      if (ev.attribution === 'unknown') {
        state.escaped_unknown = [...new Set([...(state.escaped_unknown ?? []), ...ev.files])];
        return;
      }
      const f = feat ?? feature(state, ev.feature_id);
      f.escaped = [...new Set([...f.escaped, ...ev.files])];
      return;
    }
    case 'check.passed':
    case 'check.failed':
    case 'check.unverifiable': {
      // Run again before `--into` moved a branch: that integration's gate, not the feature's status.
      if (ev.on === 'promotion') return;
      const f = feat ?? feature(state, ev.feature_id);
      const outcome =
        ev.type === 'check.passed' ? 'passed' : ev.type === 'check.failed' ? 'failed' : 'unverifiable';
      const result: CheckResult = {
        criterion_id: ev.criterion_id,
        text: ev.text,
        kind: ev.kind,
        on: ev.on,
        outcome,
        message: ev.message,
        ts: ev.ts,
      };
      // Set one by one, not spread in: a spread builds and copies an object per check line.
      if (ev.measured) result.measured = declaredMeasurement(ev.measured);
      if (ev.by === 'worker') result.by = 'worker';
      if (ev.digest !== undefined) result.digest = ev.digest;
      if (ev.criteria !== undefined && ev.by !== 'worker') {
        keepCriteriaRun(ev.on === 'integration' ? f.integration_checks : f.checks, ev.criteria);
      }
      if (ev.on === 'integration') {
        setOwn(f.integration_checks, ev.criterion_id, result);
        return;
      }
      if (ev.commit !== undefined) {
        result.commit = ev.commit;
        // Only a check on another commit than the feature's can find results of another (the hot path skips it).
        if (ev.commit !== f.commit) dropOtherCommits(f.checks, ev.commit);
      }
      setOwn(f.checks, ev.criterion_id, result);
      recheckedFeature(f, ev.commit, ev.dirty);
      return;
    }
    case 'integration.started':
    case 'merge.clean':
    case 'merge.conflict':
    case 'merge.skipped':
    case 'integration.tested':
    case 'integration.ended':
    case 'integration.discarded':
      applyIntegrationEvent(state, ev);
      return;
    case 'collision.detected':
      for (const id of ev.features) {
        const f = state.features[id];
        if (!f) continue;
        const other = ev.features.find((x) => x !== id) ?? id;
        f.collisions = {
          ...f.collisions,
          [ev.collision_id]: {
            with: other,
            kind: ev.kind,
            paths: ev.paths,
            since: f.collisions[ev.collision_id]?.since ?? ev.ts,
            second: ev.second === id,
          },
        };
      }
      return;
    case 'collision.resolved':
      for (const id of ev.features) {
        const f = state.features[id];
        if (!f?.collisions[ev.collision_id]) continue;
        const { [ev.collision_id]: _gone, ...rest } = f.collisions;
        f.collisions = rest;
      }
      return;
    case 'queue.job': {
      const f = feat ?? feature(state, ev.feature_id);
      // Another attempt of the job (a worker lost, the job retried): the one that asked for input is gone.
      if (ev.attempt !== undefined && ev.attempt !== f.queue?.attempt) carriesOn(f);
      f.queue = {
        job_id: ev.job_id,
        state: ev.state,
        ...(ev.host !== undefined ? { host: ev.host } : f.queue?.host ? { host: f.queue.host } : {}),
        ...(ev.worker ? { worker: ev.worker } : f.queue?.worker ? { worker: f.queue.worker } : {}),
        ...(ev.attempt !== undefined ? { attempt: ev.attempt } : {}),
        ...(ev.attempt_ref !== undefined ? { attempt_ref: ev.attempt_ref } : {}),
      };
      return;
    }
    case 'attempt.started':
    case 'attempt.ended':
    case 'attempt.selected':
    case 'attempt.picked':
      applyAttemptEvent(state, feat ?? feature(state, ev.feature_id), ev);
      return;
    default:
      unreachable(ev);
  }
}

/**
 * Folds events into a state (pure: the input is not touched, the result is new). The events are
 * ones the log reader accepted (`parseLogEvent`) or that Baton made, so every one fits its type.
 */
export function foldEvents(events: Iterable<LogEvent>, from: BatonState = initialState()): BatonState {
  const state = structuredClone(from);
  for (const e of events) applyEvent(state, e);
  return state;
}

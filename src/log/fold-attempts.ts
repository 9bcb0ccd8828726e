/**
 * The best-of-N part of the fold (pure): `attempt.*` events onto a feature's attempts and winner.
 * An attempt's own agent, check and hook events are folded like a feature's, under its unit id
 * (`<feature_id>.a<n>`, in `state.attempt_units`); the winner's are copied onto the feature.
 */
import { attemptUnitId, parseAttemptUnitId } from '../contracts/feature-id.js';
import type {
  AttemptEnded,
  AttemptPicked,
  AttemptSelected,
  AttemptStarted,
  FeatureStatus,
} from './events.js';
import { holdByRunner, redecidedByBaton } from './runner-hold.js';
import type { AttemptState, BatonState, CheckResult, FeatureState } from './state.js';

/** An `attempt.*` event. */
export type AttemptEvent = AttemptStarted | AttemptEnded | AttemptSelected | AttemptPicked;

/** The feature status an attempt's status stands for: a stopped attempt was interrupted. */
export function featureStatusOfAttempt(status: AttemptState['status']): FeatureStatus {
  return status === 'stopped' ? 'interrupted' : status;
}

/**
 * The status an attempt shows (pure): `needs-input` while it runs and its own agent asked for input
 * (its unit's hooks, folded under `<feature_id>.a<n>`), else its status as `attempt.*` recorded it.
 */
export function shownAttemptStatus(a: AttemptState, unit: FeatureState | undefined): AttemptState['status'] {
  return a.status === 'running' && unit?.status === 'needs-input' ? 'needs-input' : a.status;
}

/**
 * A feature's attempts as every view shows them (pure): each with the status `shownAttemptStatus` gives,
 * its unit looked up in `state` (`status --json`, the dashboard's cards and detail; the table's rows
 * call `shownAttemptStatus` themselves). Undefined for a plain feature.
 */
export function shownAttempts(
  f: FeatureState,
  state: Pick<BatonState, 'attempt_units'>,
): Record<string, AttemptState> | undefined {
  if (f.attempts === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(f.attempts).map(([key, a]) => [
      key,
      { ...a, status: shownAttemptStatus(a, state.attempt_units?.[attemptUnitId(f.feature_id, a.attempt)]) },
    ]),
  );
}

function attemptOf(f: FeatureState, n: number): AttemptState {
  f.attempts ??= {};
  const key = String(n);
  const existing = f.attempts[key];
  if (existing) return existing;
  const fresh: AttemptState = { attempt: n, status: 'pending', files: [], measured: {} };
  f.attempts[key] = fresh;
  return fresh;
}

/**
 * Whether a feature's work is its best-of-N attempts (no plain rerun took over): its agent time is then
 * its winner's (`takeWinner`), and none while no attempt is chosen — never the span from its first
 * attempt's start to its end, which holds every attempt's time side by side and their checks.
 */
export function timedByAttempts(f: FeatureState): boolean {
  return f.attempts !== undefined && f.attempts_superseded !== true;
}

/**
 * Puts the chosen attempt's work on the feature: its commit, files, checks, usage, worktree, and its
 * agent time as its unit folded it (what `baton status` and the dashboard show for the feature; the
 * report reads the same agent exits).
 */
function takeWinner(state: BatonState, f: FeatureState, n: number, commit: string | undefined): void {
  const a = f.attempts?.[String(n)];
  const unit = state.attempt_units?.[attemptUnitId(f.feature_id, n)];
  f.commit = commit ?? a?.commit ?? f.commit;
  f.files = [...(a?.files ?? unit?.files ?? [])];
  f.duration_ms = unit?.duration_ms;
  if (a?.agent) f.agent = a.agent;
  if (a?.worktree) f.worktree = a.worktree;
  if (unit) {
    f.checks = { ...unit.checks };
    f.usage = unit.usage;
    f.log_file = unit.log_file;
    f.exit_code = unit.exit_code;
  }
}

/**
 * What the attempt's own worktree checks say of `commit` (pure): its unit's latest result of each
 * criterion, as integrate reads a feature's (`checks` with the `commit` they ran on), when they ran on
 * that very commit with nothing uncommitted; undefined when none did. Set as `attempt.ended` is folded,
 * so it is what had been checked when the attempt ended, whatever its line claims.
 */
function checkedOn(unit: FeatureState | undefined, commit: string | undefined): AttemptState['checked'] {
  if (unit === undefined || commit === undefined || unit.commit !== commit || unit.checked_dirty)
    return undefined;
  const results = Object.values(unit.checks);
  if (results.length === 0) return undefined;
  const count = (outcome: CheckResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    unverifiable: count('unverifiable'),
    total: results.length,
  };
}

/** An attempt's `attempt.ended`: what its line says, and what its own checks said of its commit (`checkedOn`). */
function endAttempt(state: BatonState, f: FeatureState, ev: AttemptEnded): void {
  // A dead run's end inferred at read time: when the agent stopped, and what it left, are unknown.
  if (ev.inferred) {
    Object.assign(attemptOf(f, ev.attempt), { status: ev.status, reason: ev.reason });
    return;
  }
  Object.assign(attemptOf(f, ev.attempt), {
    status: ev.status,
    ended_at: ev.ts,
    duration_ms: ev.duration_ms,
    reason: ev.reason,
    commit: ev.commit,
    files: [...ev.files],
    checks: { ...ev.checks },
    checked: checkedOn(state.attempt_units?.[attemptUnitId(f.feature_id, ev.attempt)], ev.commit),
    measured: structuredClone(ev.measured),
    lines_changed: ev.lines_changed,
    outside_owns: ev.outside_owns,
    cost_usd: ev.cost_usd,
  });
}

/** Applies one `attempt.*` event to its feature. */
export function applyAttemptEvent(state: BatonState, f: FeatureState, ev: AttemptEvent): void {
  switch (ev.type) {
    case 'attempt.started': {
      // The first attempt of this run starts the feature's clock.
      if (f.status === 'pending' || f.status === 'interrupted') {
        f.started_at = ev.ts;
        f.ended_at = undefined;
        f.duration_ms = undefined;
        f.reason = undefined;
        f.checks = {};
      }
      f.status = 'running';
      f.attempts_superseded = undefined;
      // The feature's own `feature.ended` comes once the winner is chosen: the runner holds it till then.
      holdByRunner(f);
      f.run_id = ev.run_id;
      const a = attemptOf(f, ev.attempt);
      Object.assign(a, {
        status: 'running',
        run_id: ev.run_id,
        agent: ev.agent,
        branch: ev.branch,
        worktree: ev.worktree,
        port: ev.port,
        started_at: ev.ts,
        ended_at: undefined,
        duration_ms: undefined,
        reason: undefined,
      });
      return;
    }
    case 'attempt.ended':
      endAttempt(state, f, ev);
      return;
    case 'attempt.selected':
      f.winner = {
        attempt: ev.winner,
        select: ev.select,
        reasons: [...ev.reasons],
        ranking: [...ev.ranking],
      };
      f.attempts_superseded = undefined;
      f.branch = ev.branch;
      takeWinner(state, f, ev.winner, ev.commit);
      return;
    case 'attempt.picked': {
      f.winner = {
        attempt: ev.attempt,
        select: f.winner?.select ?? 'best',
        reasons: [
          `picked by hand${ev.previous !== undefined ? ` over attempt ${ev.previous}` : ''} (baton pick)`,
        ],
        ranking: f.winner?.ranking ?? [],
        picked: true,
      };
      f.attempts_superseded = undefined;
      takeWinner(state, f, ev.attempt, ev.commit);
      const a = f.attempts?.[String(ev.attempt)];
      if (a) {
        f.status = featureStatusOfAttempt(a.status);
        f.reason = a.reason;
        redecidedByBaton(f);
      }
      return;
    }
  }
}

/**
 * A plain run of a best-of-N feature (its own `feature.started`: `run --resume` reruns a feature whose
 * attempts all failed as one agent on `baton/<id>`, from the winner's work) takes over from the
 * attempts: none is the feature's work any more, so the winner goes (its star, its agent log, its
 * worktree for `verify`); the attempts stay as history, with nothing left to select.
 */
export function supersedeAttempts(f: FeatureState): void {
  if (f.attempts === undefined) return;
  f.winner = undefined;
  f.attempts_superseded = true;
}

/**
 * A best-of-N attempt is cut from its feature's base: the feature, merged at its winner, records the
 * fork point its attempt's `feature.started` gives (`unitId` is `<feature_id>.a<n>`; others are left).
 */
export function attemptBase(state: BatonState, unitId: string, base: string | undefined): void {
  if (base === undefined || !unitId.includes('.')) return;
  const unit = parseAttemptUnitId(unitId);
  const parent = unit ? state.features[unit.featureId] : undefined;
  if (parent) parent.base_commit = base;
}

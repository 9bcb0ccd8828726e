/**
 * Best-of-N in a run. Each attempt is a unit of the pool (its own worktree, branch, port block, agent
 * and checks, through the same lifecycle as a feature); when a feature's last attempt ends, the rule
 * of `attempts/select.ts` picks the winner, `baton/<feature_id>` is pointed at its commit, and the
 * feature ends with the winner's status (failed when the branch could not be moved to it: `featureEndOf`).
 * A resume keeps the attempts an earlier run ended whose commit is still on their branch. With
 * `select: first-passing` the first attempt to pass every criterion stops the others' agents and keeps
 * the ones not yet started from starting.
 */
import { performance } from 'node:perf_hooks';
import { agentLabel } from '../agents/registry.js';
import { moveToWinner } from '../attempts/keep-tip.js';
import type { AttemptPlan } from '../attempts/plan.js';
import { unprovenClaim } from '../attempts/proof.js';
import { type AttemptFacts, COMPARED_MEASURES, selectBest, selectFirstPassing } from '../attempts/select.js';
import { type AttemptEndedFields, unrunAttempt } from '../attempts/unrun.js';
import { attemptUnitId } from '../contracts/feature-id.js';
import { filesOutsideOwns } from '../contracts/owns.js';
import { linesChanged } from '../git/branches.js';
import { featureBranch } from '../git/refs.js';
import type { AttemptEndStatus, FeatureEnded } from '../log/events.js';
import type { AttemptState } from '../log/state.js';
import type { FeatureResult, RunContext } from './context.js';
import { runUnit, type UnitFacts } from './feature.js';
import { stoppedBy } from './outcome.js';
import type { WorkUnit } from './units.js';

/** A finished attempt: what the rule compares, what the branch moves to, and why it ended as it did. */
export interface Finished extends AttemptFacts {
  status: AttemptEndStatus;
  commit?: string | undefined;
  reason?: string | undefined;
  /** The user stopped its agent (`baton stop <feature_id>.a<n>`), which stops its feature as the user's. */
  stoppedByUser?: true;
}

/** One best-of-N feature's attempts in this run. */
export interface FeatureAttempts {
  featureId: string;
  count: number;
  select: 'best' | 'first-passing';
  ended: Map<number, Finished>;
  running: Set<number>;
  /** Attempts this run stopped because another passed first. */
  stopped: Set<number>;
  /** With `first-passing`: the attempt that passed every criterion first. */
  firstPassing?: number;
  /** Attempts an earlier run started (a resumed run): one skipped now was not run again, not never started. */
  startedBefore: Set<number>;
  started: boolean;
  done: boolean;
}

/** Runs attempts and decides their features. */
export interface AttemptCoordinator {
  /** Runs one attempt (or skips it: finished in an earlier run, or another passed first); never rejects. */
  runAttempt(unit: WorkUnit): Promise<void>;
  /** Ends the best-of-N features the pool left unfinished (the run was interrupted). */
  finishAll(): void;
}

/**
 * An earlier run's attempt that a resumed run keeps rather than runs again: one that ended, whose
 * record its own checks prove (`unprovenClaim`: a line saying it passed, with no check of it passing on
 * its commit, is run again, not believed), and whose recorded commit is still on its branch (`backed`:
 * one `baton clean --force <id>.a<n>` removed could never be put on `baton/<id>`, so it runs again).
 */
function keptFromEarlierRun(a: AttemptState | undefined, backed: boolean): Finished | undefined {
  if (!a?.checks || a.status === 'interrupted' || a.status === 'running' || a.status === 'pending')
    return undefined;
  if (a.status === 'verifying' || a.status === 'needs-input') return undefined;
  if (unprovenClaim(a) !== undefined || !backed) return undefined;
  return {
    attempt: a.attempt,
    status: a.status,
    checks: a.checks,
    measured: a.measured,
    outside_owns: a.outside_owns ?? 0,
    lines_changed: a.lines_changed ?? 0,
    cost_usd: a.cost_usd,
    finished: Date.parse(a.ended_at ?? '') || 0,
    commit: a.commit,
    reason: a.reason,
  };
}

/** The feature's end status when this attempt wins: a stopped attempt never finished its work. */
function endStatusOf(status: AttemptEndStatus): FeatureEnded['status'] {
  return status === 'stopped' ? 'interrupted' : status;
}

/** Numeric values the rule compares, by criterion id, from what the checks measured. */
function comparedValues(checks: UnitFacts['checks']): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [criterion, m] of Object.entries(checks?.measured ?? {})) {
    const values: Record<string, number> = {};
    for (const key of COMPARED_MEASURES) if (typeof m[key] === 'number') values[key] = m[key];
    if (Object.keys(values).length > 0) out[criterion] = values;
  }
  return out;
}

/**
 * Creates the coordinator of a run's best-of-N features (none: it does nothing), from their attempts at
 * the start of the run (`planFeatureAttempts`).
 */
export function createAttemptCoordinator(
  ctx: RunContext,
  features: ReadonlyMap<string, FeatureAttempts>,
): AttemptCoordinator {
  return {
    runAttempt: (unit) => runAttempt(ctx, features.get(unit.featureId)!, unit),
    finishAll() {
      for (const fa of features.values()) {
        if (fa.done || (!fa.started && fa.ended.size === 0)) continue;
        fa.done = true;
        endFeature(ctx, fa.featureId, 'interrupted', UNFINISHED);
      }
    },
  };
}

const UNFINISHED = 'stopped before every attempt finished; `baton run --resume` runs the rest';

/**
 * Each best-of-N feature's attempts at the start of the run (pure): with `previous` (a resumed run),
 * the attempts an earlier run finished are kept (`keptFromEarlierRun`), but those in `unbacked` (unit
 * ids whose recorded commit is not on their branch, `unbackedAttempts`), and a kept pass counts as
 * the first under `first-passing`.
 */
export function planFeatureAttempts(
  bestOfN: ReadonlyMap<string, AttemptPlan>,
  previous: ReadonlyMap<string, Readonly<Record<string, AttemptState>>> | undefined,
  unbacked: ReadonlySet<string> = new Set(),
): Map<string, FeatureAttempts> {
  const features = new Map<string, FeatureAttempts>();
  for (const [featureId, plan] of bestOfN) {
    const fa: FeatureAttempts = {
      featureId,
      count: plan.agents.length,
      select: plan.select,
      ended: new Map(),
      running: new Set(),
      stopped: new Set(),
      startedBefore: new Set(),
      started: false,
      done: false,
    };
    for (let n = 1; previous && n <= fa.count; n++) {
      const before = previous.get(featureId)?.[String(n)];
      if (before?.started_at !== undefined) fa.startedBefore.add(n);
      const kept = keptFromEarlierRun(before, !unbacked.has(attemptUnitId(featureId, n)));
      if (!kept) continue;
      fa.ended.set(n, kept);
      if (kept.status === 'complete' && fa.select === 'first-passing') fa.firstPassing ??= n;
    }
    features.set(featureId, fa);
  }
  return features;
}

function emitEnded(ctx: RunContext, fa: FeatureAttempts, e: AttemptEndedFields): void {
  ctx.sink.emit({ type: 'attempt.ended', feature_id: fa.featureId, ...e });
}

/** Runs one attempt, or skips it (its feature complete in an earlier run, the attempt kept, another passed first). */
async function runAttempt(ctx: RunContext, fa: FeatureAttempts, unit: WorkUnit): Promise<void> {
  const n = unit.attempt!;
  const { opts } = ctx;
  if (opts.resume && ctx.previous.get(fa.featureId) === 'complete') {
    if (!fa.done) {
      fa.done = true;
      ctx.settle(fa.featureId, { status: 'complete', reason: 'complete in an earlier run' });
    }
    return;
  }
  if (fa.ended.has(n)) return finishWhenAllEnded(ctx, fa);
  if (opts.signal.aborted) return;
  if (fa.firstPassing !== undefined) {
    const skipped = notStarted(n, fa.firstPassing, opts.clock().getTime(), fa.startedBefore.has(n));
    emitEnded(ctx, fa, skipped.event);
    fa.ended.set(n, skipped.finished);
    return finishWhenAllEnded(ctx, fa);
  }
  const finished = await runStartedAttempt(ctx, fa, unit);
  fa.ended.set(n, finished);
  if (fa.select === 'first-passing' && finished.status === 'complete' && fa.firstPassing === undefined) {
    fa.firstPassing = n;
    for (const other of fa.running) {
      // The attempt ends with status `stopped`: its reason does not say it again.
      const why = `attempt ${n} passed every criterion first (select: first-passing)`;
      if (opts.control?.stop(attemptUnitId(fa.featureId, other), why)) fa.stopped.add(other);
    }
  }
  return finishWhenAllEnded(ctx, fa);
}

/** The end of attempt `n`, stopped for `reason` with no work of this run's: no files, no checks, no time. */
export function stoppedUnrun(n: number, reason: string): AttemptEndedFields & { status: 'stopped' } {
  return unrunAttempt(n, 'stopped', reason);
}

/**
 * An attempt not started because attempt `first` passed every criterion first (pure): its event and its
 * facts. One an earlier run started (`startedBefore`, a resume) was not run again.
 */
export function notStarted(
  n: number,
  first: number,
  now: number,
  startedBefore = false,
): { event: AttemptEndedFields; finished: Finished } {
  const event = stoppedUnrun(
    n,
    `${startedBefore ? 'not run again' : 'not started'}: attempt ${first} passed every criterion first (select: first-passing)`,
  );
  return {
    event,
    finished: {
      attempt: n,
      status: 'stopped',
      checks: event.checks,
      measured: {},
      outside_owns: 0,
      lines_changed: 0,
      finished: now,
    },
  };
}

/** Runs an attempt through the unit lifecycle between `attempt.started` and `attempt.ended`. */
async function runStartedAttempt(ctx: RunContext, fa: FeatureAttempts, unit: WorkUnit): Promise<Finished> {
  const n = unit.attempt!;
  const p = ctx.pathsOf(unit.id);
  fa.started = true;
  fa.running.add(n);
  ctx.sink.emit({
    type: 'attempt.started',
    feature_id: fa.featureId,
    attempt: n,
    agent: agentLabel(unit.spec),
    branch: p.branch,
    worktree: p.worktree,
    port: ctx.portOf(unit.id).port,
  });
  const began = performance.now();
  const facts: UnitFacts = {};
  const result = await runUnit(ctx, unit.id, facts);
  fa.running.delete(n);
  const outcome: FeatureResult =
    result === undefined || result === 'kept' ? { status: 'interrupted' as const } : result;
  const status: AttemptEndStatus = fa.stopped.has(n) && facts.stoppedFor ? 'stopped' : outcome.status;
  const finished = await describeFinished(ctx, unit, facts, status);
  const ended = endedFields(finished, outcome.reason, facts, Math.round(performance.now() - began));
  emitEnded(ctx, fa, ended);
  return {
    ...finished,
    reason: ended.reason,
    ...(outcome.stoppedByUser ? { stoppedByUser: true as const } : {}),
  };
}

/** The `attempt.ended` fields of a finished attempt (pure): a stopped one gives why it was stopped. */
function endedFields(
  finished: Finished,
  reason: string | undefined,
  facts: UnitFacts,
  durationMs: number,
): AttemptEndedFields {
  const { status } = finished;
  return {
    attempt: finished.attempt,
    status,
    ...(status === 'stopped' ? { reason: facts.stoppedFor } : reason !== undefined ? { reason } : {}),
    ...(finished.commit ? { commit: finished.commit } : {}),
    files: facts.settled?.files ?? [],
    checks: {
      passed: facts.checks?.passed ?? 0,
      failed: facts.checks?.failed ?? 0,
      unverifiable: facts.checks?.unverifiable ?? 0,
      total: facts.checks?.total ?? 0,
    },
    measured: finished.measured,
    lines_changed: finished.lines_changed,
    outside_owns: finished.outside_owns,
    ...(finished.cost_usd !== undefined ? { cost_usd: finished.cost_usd } : {}),
    duration_ms: durationMs,
  };
}

/** Once every attempt of a feature ended: picks the winner, points `baton/<id>` at it, ends the feature. */
async function finishWhenAllEnded(ctx: RunContext, fa: FeatureAttempts): Promise<void> {
  if (fa.done || fa.ended.size < fa.count) return;
  fa.done = true;
  if (ctx.opts.signal.aborted || [...fa.ended.values()].some((a) => a.status === 'interrupted')) {
    endInterrupted(ctx, fa);
    return;
  }
  const all = [...fa.ended.values()];
  const selection = fa.select === 'first-passing' ? selectFirstPassing(all) : selectBest(all);
  const winner = fa.ended.get(selection.winner)!;
  const branch = featureBranch(fa.featureId);
  const commit = winner.commit;
  const move = commit
    ? await ctx.gitLock(() =>
        moveToWinner(ctx.opts.root, {
          featureId: fa.featureId,
          commit,
          attempt: winner.attempt,
          worktrees: ctx.opts.config.worktrees,
        }),
      )
    : {};
  ctx.sink.emit({
    type: 'attempt.selected',
    feature_id: fa.featureId,
    winner: selection.winner,
    select: fa.select,
    reasons: selection.reasons,
    ranking: selection.ranking,
    branch,
    ...(winner.commit ? { commit: winner.commit } : {}),
    ...move,
  });
  const end = featureEndOf({
    status: endStatusOf(winner.status),
    chosen: `attempt ${winner.attempt} of ${fa.count} won: ${selection.reasons[0] ?? ''}`,
    notMoved: move.not_moved,
    winnerReason: winner.reason,
  });
  endFeature(ctx, fa.featureId, end.status, end.reason);
}

/**
 * How a best-of-N feature ends once its winner is chosen (pure): with the winner's status, and why it
 * was chosen after why it did not end complete (the winner's own reason: its agent failed, a check
 * failed…). When `baton/<id>` was not moved to the winner (`notMoved` says why), the branch does not
 * hold the work the feature would be complete with, so it fails, saying that first.
 */
export function featureEndOf(o: {
  status: FeatureEnded['status'];
  chosen: string;
  notMoved?: string | undefined;
  winnerReason?: string | undefined;
}): { status: FeatureEnded['status']; reason: string } {
  const own = o.status === 'complete' ? undefined : o.winnerReason;
  const reason = [o.notMoved, own, o.chosen].filter((r) => r !== undefined && r !== '').join(' — ');
  const failed = o.notMoved !== undefined && o.status === 'complete';
  return { status: failed ? 'failed' : o.status, reason };
}

/**
 * Ends a feature whose attempts did not all finish their work. One the user stopped (`baton stop
 * <feature_id>.a<n>`) makes it a user stop of the feature (`stoppedByUser`), as `baton stop <feature_id>`
 * would: the run then ends interrupted, for `baton run --resume` (`runOutcome`), not failed.
 */
function endInterrupted(ctx: RunContext, fa: FeatureAttempts): void {
  const byUser = [...fa.ended.values()].filter((a) => a.stoppedByUser).map((a) => a.attempt);
  const which = `attempt${byUser.length > 1 ? 's' : ''} ${byUser.sort((a, b) => a - b).join(', ')}`;
  const reason = `${which} ${stoppedBy('user')}; \`baton run --resume\` runs the rest`;
  if (byUser.length === 0) endFeature(ctx, fa.featureId, 'interrupted', UNFINISHED);
  else endFeature(ctx, fa.featureId, 'interrupted', reason, { stoppedByUser: true });
}

function endFeature(
  ctx: RunContext,
  featureId: string,
  status: FeatureEnded['status'],
  reason: string,
  user: { stoppedByUser?: true } = {},
): void {
  ctx.settle(featureId, { status, reason, ...user });
  ctx.sink.emit({ type: 'feature.ended', feature_id: featureId, status, reason });
}

/** The rule's facts about a finished attempt: diff size, files outside owns, measured values, cost. */
async function describeFinished(
  ctx: RunContext,
  unit: WorkUnit,
  facts: UnitFacts,
  status: AttemptEndStatus,
): Promise<Finished> {
  const owns = ctx.contractOf(unit.id).owns;
  const files = facts.settled?.files ?? [];
  const commit = facts.settled?.commit;
  const lines =
    commit && facts.forkPoint ? await linesChanged(ctx.opts.root, facts.forkPoint, commit).catch(() => 0) : 0;
  return {
    attempt: unit.attempt!,
    status,
    checks: { passed: facts.checks?.passed ?? 0, total: facts.checks?.total ?? 0 },
    measured: comparedValues(facts.checks),
    outside_owns: owns.length > 0 ? filesOutsideOwns(files, owns).length : 0,
    lines_changed: lines,
    cost_usd: facts.settled?.usage?.cost_usd,
    finished: ctx.opts.clock().getTime(),
    commit,
  };
}

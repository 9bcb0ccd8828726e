import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { checkFailuresReason } from '../log/check-reason.js';
import type { CheckMeasurement, FeatureEnded } from '../log/events.js';

/** Results of a feature's worktree checks, with the criteria that failed. */
export interface CheckCounts {
  passed: number;
  failed: number;
  unverifiable: number;
  total: number;
  /** The failed criteria in the order they ran, each with its one-line message. */
  failures?: ReadonlyArray<{ criterion_id: string; message: string }>;
  /** What each criterion measured, by criterion id (best-of-N compares these). */
  measured?: Readonly<Record<string, CheckMeasurement>>;
  /** Set when Ctrl-C (or a signal) stopped the checks: the criteria after the last result did not run. */
  interrupted?: true;
}

/** A feature's time limit and where it was set: the contract's `timeout_minutes`, else the config's. */
export interface TimeLimit {
  ms: number;
  where: 'timeout_minutes in the contract' | 'timeout_minutes in the config';
}

/** The feature's time limit (its agent's, and its setup's), undefined when none is set (pure). */
export function featureTimeLimit(feature: Contract, config: Config): TimeLimit | undefined {
  if (feature.timeout_minutes !== undefined) {
    return { ms: Math.round(feature.timeout_minutes * 60_000), where: 'timeout_minutes in the contract' };
  }
  if (config.timeout_minutes === undefined) return undefined;
  return { ms: Math.round(config.timeout_minutes * 60_000), where: 'timeout_minutes in the config' };
}

/** A time limit in words, for a reason: `20 min (timeout_minutes in the contract)`, `1.2 s (…)` (pure). */
export function describeTimeLimit(limit: TimeLimit): string {
  const minutes = limit.ms / 60_000;
  const amount =
    minutes >= 1 ? `${Number(minutes.toFixed(2))} min` : `${Number((limit.ms / 1000).toFixed(1))} s`;
  return `${amount} (${limit.where})`;
}

/** What is known when a feature's agent has finished, to decide how the feature ends. */
export interface FeatureFacts {
  interrupted: boolean;
  /** Set when the collision radar stopped the agent (`--on-collision stop-later`): why. */
  collision?: string;
  /** The signal that stopped the run (`SIGINT` for Ctrl-C, `SIGTERM`, `SIGHUP`), or `user` for `baton stop`, when known. */
  interruptedBy?: string;
  timedOut: boolean;
  /** The limit the agent ran past, for the reason. */
  timeLimit?: TimeLimit;
  exitCode: number | null;
  /** Files the branch changed since its base. */
  changedFiles: number;
  /** Results of the worktree checks, when they ran. */
  checks?: CheckCounts;
}

/** Why checks failed, in words: the first failing criterion's id and message, and how many more failed (pure). */
export function describeCheckFailures(checks: CheckCounts): string {
  return (
    checkFailuresReason(checks.failures ?? []) ??
    `${checks.failed} of ${checks.total} acceptance checks failed`
  );
}

/** How a feature ended: its status, why in words, and whether the user stopped it (`baton stop`). */
export interface DecidedOutcome {
  status: FeatureEnded['status'];
  reason?: string;
  /** The user ended its agent on purpose (`baton stop`): the run can go on with `baton run --resume`. */
  stoppedByUser?: true;
  /** Not started because a dependency was stopped by the user (or waits on one that was): left for `baton run --resume`. */
  waitsOnStop?: true;
}

/** Decides a feature's final status and the reason in words (pure). */
export function decideOutcome(f: FeatureFacts): DecidedOutcome {
  if (f.interrupted)
    return {
      status: 'interrupted',
      reason: `${stoppedBy(f.interruptedBy)}; the worktree and its changes are kept`,
      ...(f.interruptedBy === 'user' ? { stoppedByUser: true as const } : {}),
    };
  if (f.collision) return { status: 'collision', reason: f.collision };
  if (f.timedOut) {
    const limit = f.timeLimit ? ` of ${describeTimeLimit(f.timeLimit)}` : '';
    return { status: 'timeout', reason: `the agent ran past its timeout${limit} and was stopped` };
  }
  if (f.exitCode !== 0)
    return { status: 'failed', reason: `the agent exited ${f.exitCode ?? 'by a signal'}` };
  if (f.changedFiles === 0) return { status: 'empty', reason: 'the agent exited 0 but changed nothing' };
  if (f.checks && f.checks.failed > 0)
    return { status: 'failed-checks', reason: describeCheckFailures(f.checks) };
  // Checks cut short passed nothing: the feature is not complete until they all ran.
  if (f.checks?.interrupted)
    return {
      status: 'interrupted',
      reason: `${stoppedBy(f.interruptedBy)} while its checks ran; the worktree and its commit are kept`,
    };
  return { status: 'complete' };
}

/**
 * What stopped a run or a feature, in words: Ctrl-C is SIGINT; a SIGTERM came from another program
 * (kill, a supervisor); `user` is `baton stop`, which ends interactive agents.
 */
export function stoppedBy(signal: string | undefined): string {
  if (signal === 'user') return 'stopped by the user (baton stop)';
  if (signal === 'SIGINT') return 'stopped by Ctrl-C';
  if (signal === 'SIGTERM') return 'stopped by SIGTERM';
  if (signal === 'SIGHUP') return 'stopped: the terminal was closed (SIGHUP)';
  return 'stopped';
}

/** A feature `baton stop` left for `baton run --resume`: stopped by the user, or not started because a dependency was (pure). */
export function leftByUserStop(f: { stopped_by_user?: true; waits_on_stop?: true }): boolean {
  return f.stopped_by_user === true || f.waits_on_stop === true;
}

/**
 * How a feature ends that `--wait-for-deps` did not start because its dependency `dep` did not complete
 * (pure): waiting on a user stop when that dependency was stopped by the user or waits on one itself,
 * so it goes on with `baton run --resume` as its dependency does; else failed.
 */
export function dependencyNotComplete(
  dep: string,
  r: { status: string; stoppedByUser?: true; waitsOnStop?: true } | undefined,
): DecidedOutcome {
  if (r?.stoppedByUser || r?.waitsOnStop)
    return {
      status: 'interrupted',
      reason: `dependency ${dep} was stopped by the user (baton stop); not started, \`baton run --resume\` starts it`,
      waitsOnStop: true,
    };
  return { status: 'failed', reason: `dependency ${dep} ended ${r?.status ?? 'unknown'}; not started` };
}

/**
 * A run's outcome (pure), the one rule of local and queued runs: `interrupted` when the run was stopped
 * (Ctrl-C, a signal) or when every feature it did not complete was left by a user stop (`baton stop`,
 * `leftByUserStop`), since either goes on with `baton run --resume`; `complete` when every feature
 * completed; else `failed`.
 */
export function runOutcome(
  features: ReadonlyArray<{ status: string; stopped_by_user?: true; waits_on_stop?: true }>,
  aborted: boolean,
): 'complete' | 'failed' | 'interrupted' {
  if (aborted) return 'interrupted';
  const left = features.filter((f) => f.status !== 'complete');
  if (left.length === 0) return 'complete';
  return left.every(leftByUserStop) ? 'interrupted' : 'failed';
}

/**
 * The record of one integration invocation, threaded through the merge, resolve and finish steps,
 * and the one way those steps emit events (through the sink) and record what happened per feature.
 */
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { branchRevision, featureBranch } from '../git/refs.js';
import { dependentsOf } from '../graph/integration-order.js';
import type { Plan } from '../graph/types.js';
import type { FeatureStatus, IntegrationExclusion, NewEvent } from '../log/events.js';
import { createLogSink, type EventSink } from '../log/sink.js';
import { namedTestTimeout } from './continue-command.js';
import type { ConflictReport } from './explain.js';
import type { ConflictPolicy, IntegrationSettings, MergeResolution, MergeStep, TestRun } from './types.js';

/** The mutable record of one invocation. */
export interface Session {
  s: IntegrationSettings;
  sink: EventSink;
  policy: ConflictPolicy;
  test: string | undefined;
  worktree: string;
  base: string | undefined;
  /** The base as the user named it (`main`), for messages. */
  baseName?: string;
  /** `--base` as it was given when this integration began (undefined: the default), named again by a start over. */
  baseRef?: string | undefined;
  /** The features named when this integration began (undefined: none), named again by a start over. */
  named?: readonly string[] | undefined;
  /** Features this integration merges, in plan order. */
  order: string[];
  /** The commit merged for each feature, recorded when it was selected (see `mergeRef`). */
  commits: Readonly<Record<string, string>>;
  /** The commit each feature's branch was cut from, where the log says. */
  bases: Readonly<Record<string, string>>;
  changed: Record<string, readonly string[]>;
  /** Features cut from a commit the base does not hold, and that commit (`cutsOutsideBase`). */
  cuts?: Readonly<Record<string, string>>;
  /** Features merged so far (earlier invocations included), in merge order. */
  merged: string[];
  steps: Map<string, MergeStep>;
  tests: TestRun[];
  /**
   * When this invocation began its work (ms): `integration.ended` records the time since, so a
   * `--continue` adds its own running time to the integration, not the wait before it.
   */
  startedAt: number;
  notes: string[];
  include: FeatureStatus[];
  included: Array<{ feature_id: string; status: FeatureStatus }>;
  /** Features merged by an earlier invocation that no longer pass (`--continue`): `--into` refuses. */
  stale?: IntegrationExclusion[];
  backup?: string;
  /** The variables marking what this invocation starts (test commands, checks) as its own (`integrationMarks`). */
  marks?: Readonly<Record<string, string>>;
}

/**
 * What `git merge` is given for a feature: the commit recorded when it was selected, the one its
 * checks passed on, never the branch as it is when its turn comes (an agent or a person may have
 * committed to it since); the branch only for an integration logged before commits were recorded.
 */
export function mergeRef(session: Session, id: string): string {
  return session.commits[id] ?? branchRevision(featureBranch(id));
}

/** Why the merge loop stopped early. */
export type Halt =
  | { kind: 'conflict'; report: ConflictReport & { unresolved?: string[]; resolver_exit?: number | null } }
  | { kind: 'tests-failed'; run: TestRun }
  /** Ctrl-C (or SIGTERM, SIGHUP): what was running was stopped; `signal` names what stopped it. */
  | { kind: 'interrupted'; signal: string };

/** The sink integration emits through: the caller's, or one writing the log. */
export function sinkFor(s: IntegrationSettings): EventSink {
  return (
    s.sink ??
    createLogSink({
      logPath: s.logPath,
      clock: s.clock,
      ...(s.runId === undefined ? {} : { runId: s.runId }),
    })
  );
}

/** Emits one integration event through the session's sink. */
export function emit(session: Session, event: NewEvent): void {
  session.sink.emit(event);
}

/** Whether Ctrl-C (or SIGTERM, SIGHUP) asked the integration to stop. */
export function interrupted(session: Session): boolean {
  return session.s.signal?.aborted === true;
}

/** The halt for an interruption, naming the signal (the abort's reason). */
export function interruptedHalt(session: Session): Halt {
  const reason: unknown = session.s.signal?.reason;
  return { kind: 'interrupted', signal: typeof reason === 'string' ? reason : 'SIGINT' };
}

/**
 * `test_timeout_s` for `integration.started` and `.ended`: this invocation's `--test-timeout` when it is
 * not the default (`namedTestTimeout`), so `status` names it in the commands that go on.
 */
export function testTimeoutField(session: Session): { test_timeout_s?: number } {
  const seconds = namedTestTimeout(session.s.testTimeoutMs / 1000);
  return seconds === undefined ? {} : { test_timeout_s: seconds };
}

/** The session clock, in ms since the epoch. */
export function now(session: Session): number {
  return session.s.clock().getTime();
}

/** The contract of a feature of the plan. */
export function contractOf(plan: Plan, id: string): Contract {
  const c = plan.byId.get(id);
  if (!c) throw new UserError('integrate/unknown-feature', `feature ${id} is not in the plan`);
  return c;
}

/** Records a merge (clean, or resolved by hand or by an agent) and emits `merge.clean`. */
export function recordMerged(
  session: Session,
  id: string,
  commit: string,
  duration: number,
  resolved?: MergeResolution,
): void {
  session.merged.push(id);
  session.steps.set(id, {
    feature_id: id,
    status: 'merged',
    commit,
    duration_ms: duration,
    ...(resolved ? { resolved } : {}),
  });
  emit(session, {
    type: 'merge.clean',
    feature_id: id,
    commit,
    duration_ms: duration,
    ...(resolved ? { resolved } : {}),
  });
}

/** Records a feature and everything depending on it (among the features still to merge) as skipped. */
export function skipWithDependents(session: Session, id: string, reason: string): void {
  session.steps.set(id, { feature_id: id, status: 'skipped', reason });
  emit(session, { type: 'merge.skipped', feature_id: id, reason, kind: 'conflict' });
  const rest = session.order.filter((f) => !session.steps.has(f));
  for (const dep of dependentsOf(session.s.plan, id, rest)) {
    const why = `depends on skipped ${id}`;
    session.steps.set(dep, { feature_id: dep, status: 'skipped', reason: why });
    emit(session, { type: 'merge.skipped', feature_id: dep, reason: why, kind: 'dependency' });
  }
}

/**
 * Leaves a feature out because it no longer passes (`--continue`), and the features still to merge
 * that depend on it, each recorded as not merged.
 */
export function excludeWithDependents(
  session: Session,
  x: IntegrationExclusion,
  statusOf: (id: string) => FeatureStatus,
): void {
  const leaveOut = (feature_id: string, status: FeatureStatus, reason: string) => {
    session.steps.set(feature_id, { feature_id, status: 'not-merged', feature_status: status, reason });
    emit(session, { type: 'merge.skipped', feature_id, reason, kind: 'excluded', status });
  };
  leaveOut(x.feature_id, x.status, `no longer passes: ${x.reason}`);
  const rest = session.order.filter((f) => !session.steps.has(f));
  for (const dep of dependentsOf(session.s.plan, x.feature_id, rest)) {
    leaveOut(dep, statusOf(dep), `depends on ${x.feature_id}, which is not merged (${x.status})`);
  }
}

/** The steps in plan order (merge order is plan order), then any of features the plan lacks. */
export function* orderedSteps(session: Session): Iterable<MergeStep> {
  const planned = session.s.plan.order;
  for (const id of planned) {
    const s = session.steps.get(id);
    if (s) yield s;
  }
  for (const [id, s] of session.steps) if (!planned.includes(id)) yield s;
}

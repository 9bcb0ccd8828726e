// Hand-built logs for the report's golden tests: events stamped at whole minutes after T0.
import { attemptUnitId } from '../../src/contracts/feature-id.js';
import type { Contract } from '../../src/contracts/schema.js';
import { attemptBranch } from '../../src/git/refs.js';
import type { Plan } from '../../src/graph/types.js';
import type { AgentUsage, BatonEvent, LogEvent, NewEvent } from '../../src/log/events.js';

/** The instant every hand-built log counts its minutes from. */
export const T0 = Date.parse('2026-03-02T09:00:00.000Z');

/** ISO time `min` minutes after T0. */
export function at(min: number): string {
  return new Date(T0 + min * 60_000).toISOString();
}

/** An event stamped `min` minutes after T0. */
export function ev(min: number, event: NewEvent): BatonEvent {
  return { v: 1, ts: at(min), ...event } as BatonEvent;
}

/**
 * The implicit `owns` criterion's passing result, as a real run records it with the agent's checks:
 * every worktree criterion of a `complete` feature has one (`criteriaWithoutResult`).
 */
export function ownsPassed(min: number, runId: string, featureId: string, warn?: string): BatonEvent {
  return ev(min, {
    type: 'check.passed',
    run_id: runId,
    feature_id: featureId,
    criterion_id: 'owns',
    text: warn
      ? 'changes stay inside owns (owns_policy: warn: a change outside is reported, not failed)'
      : 'changes stay inside owns',
    kind: 'files',
    on: 'worktree',
    message: warn ? `warning: changed outside owns: ${warn} (owns_policy: warn)` : 'none outside owns',
  });
}

/** A `run.started` of the given features. */
export function runStarted(
  min: number,
  runId: string,
  featureIds: string[],
  concurrency?: number,
): BatonEvent {
  return ev(min, {
    type: 'run.started',
    run_id: runId,
    feature_ids: featureIds,
    concurrency: concurrency ?? featureIds.length,
    base: 'main',
    base_commit: '0'.repeat(40),
    mode: 'contract-first',
    pid: 4242,
  });
}

/**
 * Attempt `n` of best-of-N feature `featureId` began, unstamped: give it to `ev`, or stamp it with a
 * test's own clock. Its branch is the real one (`attemptBranch`), its agent a `command`.
 */
export function attemptStarted(runId: string, featureId: string, n: number): NewEvent {
  return {
    type: 'attempt.started',
    run_id: runId,
    feature_id: featureId,
    attempt: n,
    agent: 'command',
    branch: attemptBranch(featureId, n),
    worktree: `/tmp/wt/${attemptUnitId(featureId, n)}`,
    port: 41000 + n,
  };
}

/** A `run.ended` whose duration matches its start. */
export function runEnded(
  min: number,
  runId: string,
  startMin: number,
  outcome: 'complete' | 'failed' | 'interrupted' = 'complete',
) {
  return ev(min, { type: 'run.ended', run_id: runId, outcome, duration_ms: (min - startMin) * 60_000 });
}

/** A phase recorded by `baton phase start|end`. */
export function phase(startMin: number, endMin: number, name: string): BatonEvent[] {
  return [
    ev(startMin, { type: 'phase.started', phase: name }),
    ev(endMin, { type: 'phase.ended', phase: name }),
  ];
}

/** What a feature's agent did, for `featureEvents`. */
export interface FeatureRun {
  id: string;
  runId: string;
  start: number;
  /** Minute the agent exited; omit for an agent that never reported back. */
  exit?: number;
  exitCode?: number;
  status?: 'complete' | 'failed' | 'failed-checks';
  files?: string[];
  usage?: AgentUsage;
  checks?: { passed: number; failed: number };
  agent?: string;
}

/** The events a feature's run produces: started, exited, checks, ended. */
export function featureEvents(f: FeatureRun): BatonEvent[] {
  const out: BatonEvent[] = [
    ev(f.start, {
      type: 'feature.started',
      run_id: f.runId,
      feature_id: f.id,
      status: 'running',
      agent: f.agent ?? 'claude',
      branch: `baton/${f.id}`,
      worktree: `/tmp/wt/${f.id}`,
      log_file: `/tmp/logs/${f.id}.log`,
      port: 41000,
    }),
  ];
  if (f.exit === undefined) return out;
  out.push(
    ev(f.exit, {
      type: 'agent.exited',
      run_id: f.runId,
      feature_id: f.id,
      exit_code: f.exitCode ?? 0,
      signal: null,
      duration_ms: (f.exit - f.start) * 60_000,
      files: f.files ?? [],
      ...(f.usage ? { usage: f.usage } : {}),
    }),
  );
  const checks = f.checks ?? { passed: 0, failed: 0 };
  for (let i = 0; i < checks.passed + checks.failed; i++) {
    const passed = i < checks.passed;
    out.push(
      ev(f.exit, {
        type: passed ? 'check.passed' : 'check.failed',
        run_id: f.runId,
        feature_id: f.id,
        criterion_id: `c${i + 1}`,
        text: `criterion ${i + 1}`,
        kind: 'run',
        on: 'worktree',
        message: passed ? 'exit 0' : 'exit 1',
      }),
    );
  }
  out.push(
    ev(f.exit, {
      type: 'feature.ended',
      run_id: f.runId,
      feature_id: f.id,
      status: f.status ?? (f.exitCode ? 'failed' : 'complete'),
    }),
  );
  return out;
}

/** A contract with defaults, for hand-built plans. */
export function contract(id: string, fields: Partial<Contract> = {}): Contract {
  return {
    feature_id: id,
    title: id,
    provides: {},
    owns: [],
    depends_on: { features: [], services: [] },
    acceptance_criteria: [],
    body: '',
    file: `specs/${id}/contract.md`,
    ...fields,
  };
}

/** The criteria whose results `featureEvents` writes (`c1`…`cN`, "criterion 1"…), for a contract to declare. */
export function builtCriteria(n: number): Contract['acceptance_criteria'] {
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i + 1}`,
    text: `criterion ${i + 1}`,
    kind: 'run' as const,
    run: 'true',
  }));
}

/**
 * A plan spelled out by hand: the test states waves, edges and critical path itself rather than
 * computing them, so the report is checked against facts, not against another implementation.
 */
export function handPlan(args: {
  contracts: Contract[];
  waves: string[][];
  edges?: Array<{ from: string; to: string }>;
  critical: { feature_ids: string[]; minutes: number };
  overlaps?: Array<{ a: string; b: string; pattern: string }>;
}): Plan {
  const order = args.waves.flat();
  const byId = new Map(args.contracts.map((c) => [c.feature_id, c]));
  const n = args.contracts.length;
  const sequential = args.contracts.reduce((s, c) => s + (c.estimate_minutes ?? 0), 0);
  return {
    features: order.map((id) => byId.get(id)!),
    byId,
    order,
    waves: args.waves,
    edges: args.edges ?? [],
    critical_path: args.critical,
    unestimated: order.filter((id) => byId.get(id)?.estimate_minutes === undefined),
    integration_points: {
      potential: (n * (n - 1)) / 2,
      declared: args.edges?.length ?? 0,
      overlaps: args.overlaps ?? [],
      unsettled: 0,
    },
    amdahl: {
      sequential_minutes: sequential,
      parallel_minutes: args.critical.minutes,
      max_speedup: args.critical.minutes > 0 ? sequential / args.critical.minutes : undefined,
    },
  };
}

/** Serialises events as the log file holds them. */
export function toJsonl(events: readonly LogEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/** Three features of 30 minutes each, all at once, merged cleanly in 5 minutes. */
export function threeParallelFeatures(): LogEvent[] {
  const ids = ['feature-001-auth', 'feature-002-catalog', 'feature-003-cart'];
  return [
    runStarted(0, 'r1', ids),
    ...ids.flatMap((id) =>
      featureEvents({ id, runId: 'r1', start: 0, exit: 30, checks: { passed: 2, failed: 0 } }),
    ),
    runEnded(30, 'r1', 0),
    ev(30, { type: 'integration.started', branch: 'baton/integration', worktree: '/tmp/int', order: ids }),
    ...ids.map((id, i) =>
      ev(31 + i, { type: 'merge.clean', feature_id: id, commit: 'c'.repeat(40), duration_ms: 1000 }),
    ),
    ev(35, { type: 'integration.ended', outcome: 'clean', duration_ms: 5 * 60_000 }),
  ];
}

/** How `interleavedRuns` varies its log. */
export interface InterleavedRunsOptions {
  /** The minute run `a`'s feature y started (its lines still land after run `b` started). */
  yStart?: number;
  /** A hook written by hand (no run id) for feature w, landed after `a`'s end: it stays where it landed. */
  handHook?: boolean;
  /** Run `b` lists y as well, and runs it (minutes 6 to 8, complete) before `a`'s late y lines land. */
  relistY?: boolean;
}

/**
 * Two runs interleaved in the log: run `a` (x, y) from minute 0, run `b` (z) from minute 5; `a`'s
 * feature y writes its lines (exit at 20, code 1) and `a` its `run.ended` (minute 21) after `b`
 * started, and `b` ends at minute 22.
 */
export function interleavedRuns(o: InterleavedRunsOptions = {}): BatonEvent[] {
  return [
    runStarted(0, 'a', ['x', 'y']),
    ...featureEvents({ id: 'x', runId: 'a', start: 0, exit: 10 }),
    runStarted(5, 'b', o.relistY ? ['y', 'z'] : ['z']),
    ...featureEvents({ id: 'z', runId: 'b', start: 5, exit: 12 }),
    ...(o.relistY ? featureEvents({ id: 'y', runId: 'b', start: 6, exit: 8 }) : []),
    ...featureEvents({ id: 'y', runId: 'a', start: o.yStart ?? 1, exit: 20, exitCode: 1 }),
    runEnded(21, 'a', 0, 'failed'),
    ...(o.handHook ? [ev(21, { type: 'hook', feature_id: 'w', event: 'stop' })] : []),
    runEnded(22, 'b', 5, 'complete'),
  ];
}

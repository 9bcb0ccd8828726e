import { describe, expect, it } from 'vitest';
import { featureView } from '../../src/dashboard/view.js';
import type { BatonEvent, LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { agentTimeFields } from '../../src/metrics/intervals.js';
import { computeReport, type ReportInput } from '../../src/metrics/report.js';
import { attemptRow } from '../../src/report/cells.js';
import { renderHtml } from '../../src/report/html.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import {
  builtCriteria,
  contract,
  ev,
  featureEvents,
  handPlan,
  ownsPassed,
  runEnded,
  runStarted,
} from '../metrics/log-builder.js';
import { tableRow } from './scenarios.js';

const RUN = 'run-bon';
const API = 'api';
const WEB = 'web';

/** An attempt's unit events as the runner writes them: started, exited, checks (no feature.ended of its own). */
function attemptUnit(
  n: number,
  start: number,
  exit: number,
  checks: { passed: number; failed: number },
  cost: number,
  agent = 'claude',
): BatonEvent[] {
  const unit = featureEvents({
    id: `${API}.a${n}`,
    runId: RUN,
    start,
    exit,
    files: ['src/api/server.mjs'],
    checks,
    usage: { cost_usd: cost, input_tokens: 10_000 * n, output_tokens: 1_000 * n, turns: 3 },
    agent,
  }).filter((e) => e.type !== 'feature.ended');
  return [...unit, ownsPassed(exit, RUN, `${API}.a${n}`)];
}

/**
 * A hand-written log: `web` a plain feature (20 min of agent time), `api` best-of-N with three attempts:
 * 1 fails a criterion, 2 passes at p95 150 ms, 3 passes at 20 ms and wins. Integration merges both.
 */
function bestOfNRun(): ReportInput {
  const started = (n: number, min: number, agent = 'claude') =>
    ev(min, {
      type: 'attempt.started',
      run_id: RUN,
      feature_id: API,
      attempt: n,
      agent,
      branch: `baton/${API}.a${n}`,
      worktree: `/tmp/wt/${API}.a${n}`,
      port: 41000 + n * 10,
    });
  const ended = (
    n: number,
    min: number,
    o: { passed: number; p95: number; lines: number; cost: number; minutes: number },
  ) =>
    ev(min, {
      type: 'attempt.ended',
      run_id: RUN,
      feature_id: API,
      attempt: n,
      status: o.passed === 3 ? 'complete' : 'failed-checks',
      ...(o.passed === 3 ? {} : { reason: '1 criterion failed: ok' }),
      commit: String(n).repeat(40),
      files: ['src/api/server.mjs'],
      checks: { passed: o.passed, failed: 3 - o.passed, unverifiable: 0, total: 3 },
      measured: { latency: { p95_ms: o.p95 } },
      lines_changed: o.lines,
      outside_owns: 0,
      cost_usd: o.cost,
      duration_ms: o.minutes * 60_000,
    });
  const events: LogEvent[] = [
    runStarted(0, RUN, [API, WEB], 4),
    started(1, 0),
    started(2, 0, 'codex'),
    started(3, 0),
    ...featureEvents({
      id: WEB,
      runId: RUN,
      start: 0,
      exit: 20,
      files: ['src/web/index.ts'],
      checks: { passed: 2, failed: 0 },
      usage: { cost_usd: 0.5, input_tokens: 5_000, output_tokens: 500, turns: 2 },
    }),
    ownsPassed(20, RUN, WEB),
    ...attemptUnit(1, 0, 10, { passed: 2, failed: 1 }, 0.3),
    ended(1, 11, { passed: 2, p95: 30, lines: 40, cost: 0.3, minutes: 11 }),
    ...attemptUnit(3, 0, 14, { passed: 3, failed: 0 }, 0.4),
    ended(3, 15, { passed: 3, p95: 20, lines: 36, cost: 0.4, minutes: 15 }),
    ...attemptUnit(2, 0, 24, { passed: 3, failed: 0 }, 0.6, 'codex'),
    ended(2, 25, { passed: 3, p95: 150, lines: 52, cost: 0.6, minutes: 25 }),
    ev(25, {
      type: 'attempt.selected',
      run_id: RUN,
      feature_id: API,
      winner: 3,
      select: 'best',
      reasons: [
        'attempt 3 over attempt 2: lower latency p95 (20 ms vs 150 ms)',
        'attempt 3 over attempt 1: every criterion passes (3/3 vs 2/3)',
      ],
      ranking: [3, 2, 1],
      branch: `baton/${API}`,
      commit: '3'.repeat(40),
    }),
    ev(25, {
      type: 'feature.ended',
      run_id: RUN,
      feature_id: API,
      status: 'complete',
      reason: 'attempt 3 of 3 won: attempt 3 over attempt 2: lower latency p95 (20 ms vs 150 ms)',
    }),
    runEnded(25, RUN, 0),
    ev(26, {
      type: 'integration.started',
      branch: 'baton/integration',
      worktree: '/tmp/int',
      order: [API, WEB],
    }),
    ev(27, { type: 'merge.clean', feature_id: API, commit: '3'.repeat(40), duration_ms: 500 }),
    ev(28, { type: 'merge.clean', feature_id: WEB, commit: 'w'.repeat(40), duration_ms: 500 }),
    ev(30, { type: 'integration.ended', outcome: 'clean', duration_ms: 4 * 60_000 }),
  ];
  const plan = handPlan({
    contracts: [
      contract(API, { owns: ['src/api/**'], estimate_minutes: 30, acceptance_criteria: builtCriteria(3) }),
      contract(WEB, { owns: ['src/web/**'], estimate_minutes: 30, acceptance_criteria: builtCriteria(2) }),
    ],
    waves: [[API, WEB]],
    edges: [],
    critical: { feature_ids: [API], minutes: 30 },
  });
  return { events, plan };
}

describe('report: best-of-N', () => {
  const report = computeReport(bestOfNRun());

  it('the features are the features (attempt units are not rows), each standing on its winner', () => {
    expect(report.features.map((f) => f.feature_id)).toEqual([API, WEB]);
    expect(report.run.feature_ids).toEqual([API, WEB]);
    const api = report.features[0]!;
    // The winner's agent time, files and cost; its checks.
    expect(api.duration_min).toBe(14);
    expect(api.cost_usd).toBe(0.4);
    expect(api.files_changed).toEqual(['src/api/server.mjs']);
    // The three measured criteria and the implicit `owns`.
    expect(api.checks).toMatchObject({ passed: 4, total: 4 });
    expect(api.best_of_n).toMatchObject({ winner: 3, select: 'best', ranking: [3, 2, 1], picked: false });
    expect(api.best_of_n?.attempts.map((a) => [a.attempt, a.status, a.duration_min, a.winner])).toEqual([
      [1, 'failed-checks', 10, false],
      [2, 'complete', 24, false],
      [3, 'complete', 14, true],
    ]);
    expect(api.best_of_n?.extra_cost_usd).toBeCloseTo(0.9, 10);
    expect(api.best_of_n?.extra_agent_min).toBe(34);
    expect(report.features[1]?.best_of_n).toBeNull();
  });

  it('speedup and conflict prediction use winners only; the extra cost and the attempts’ agent time are counted apart', () => {
    // Two features: one potential integration point, not 10 (5 units).
    expect(report.conflicts.potential_points).toBe(1);
    const impl = report.worksheet.rows.find((r) => r.phase === 'implementation')!;
    // Winners' agent time summed (14 + 20) over the run's 25 min.
    expect(impl.sequential_measured_min).toBe(34);
    expect(impl.parallel_actual_min).toBe(25);
    expect(report.worksheet.best_of_n).toEqual({
      features: 1,
      attempts: 3,
      agent_min: 48,
      extra_agent_min: 34,
    });
    expect(report.totals.cost_usd).toBeCloseTo(0.5 + 0.4 + 0.9, 10);
    expect(report.totals.best_of_n_extra_cost_usd).toBeCloseTo(0.9, 10);
    expect(report.integration.merges).toEqual({ clean: 2, conflict: 0, skipped: 0, resolved: 0 });
  });

  it('markdown has an attempts table per feature with the winner and why (golden file)', async () => {
    const md = renderMarkdown(report);
    expect(tableRow(md, '3')).toEqual([
      '3',
      'claude',
      'complete',
      '3/3',
      'latency p95_ms 20',
      '36',
      '0',
      '$0.40',
      '14 min',
      '★',
    ]);
    expect(tableRow(md, '1')?.slice(0, 3)).toEqual(['1', 'claude', 'failed-checks: 1 criterion failed: ok']);
    expect(md).toContain(
      'Winner: attempt 3 (select: best): attempt 3 over attempt 2: lower latency p95 (20 ms vs 150 ms); attempt 3 over attempt 1: every criterion passes (3/3 vs 2/3).',
    );
    expect(md).toContain("Best-of-N's extra: 2 other attempts, $0.90, 34 min of agent time.");
    expect(md).toContain('Total cost reported by the agents: $1.80, of which $0.90 on best-of-N attempts');
    await expect(md).toMatchFileSnapshot('golden/best-of-n.md.golden');
  });

  it('html has the same table and decision; json carries the same data', () => {
    const html = renderHtml(report);
    expect(html).toContain('<h2>Best-of-N attempts</h2>');
    expect(html).toContain('<h3><code>api</code></h3>');
    expect(html).toMatch(/<td class="num">3<\/td><td>claude<\/td><td>complete<\/td><td>3\/3<\/td>/);
    expect(html).toContain('Winner: attempt 3 (select: best)');
    expect(html).toContain('Best-of-N extra cost');
    const json = JSON.parse(renderJson(report));
    expect(json.features[0].best_of_n.attempts).toHaveLength(3);
    expect(json.features[0].best_of_n.winner).toBe(3);
    expect(json.totals.best_of_n_extra_cost_usd).toBeCloseTo(0.9, 10);
    expect(json.worksheet.best_of_n.agent_min).toBe(48);
  });

  it('a feature picked by hand says so, and one with no winner yet says resume decides it', () => {
    const input = bestOfNRun();
    const picked = computeReport({
      ...input,
      events: [
        ...input.events,
        ev(31, {
          type: 'attempt.picked',
          run_id: RUN,
          feature_id: API,
          attempt: 2,
          previous: 3,
          commit: '2'.repeat(40),
        }),
      ],
    });
    const b = picked.features[0]!.best_of_n!;
    expect([b.winner, b.picked]).toEqual([2, true]);
    // The pick's reason says "picked by hand" once, not again in brackets before it.
    expect(renderMarkdown(picked)).toContain(
      'Winner: attempt 2: picked by hand over attempt 3 (baton pick).',
    );
    expect(renderMarkdown(picked)).not.toMatch(/picked by hand.*picked by hand/);
    const undecided = computeReport({
      ...input,
      events: input.events.filter((e) => e.type !== 'attempt.selected'),
    });
    expect(undecided.features[0]?.best_of_n?.winner).toBeNull();
    expect(renderMarkdown(undecided)).toContain('No winner yet');
  });
});

describe('report: a best-of-N feature a plain rerun took over', () => {
  // Both attempts failed their checks, attempt 1 was chosen; `run --resume` reran `api` as one plain agent.
  const RERUN = 'run-bon-rerun';
  const attemptLine = (n: number, min: number) =>
    ev(min, {
      type: 'attempt.started',
      run_id: RUN,
      feature_id: API,
      attempt: n,
      agent: 'claude',
      branch: `baton/${API}.a${n}`,
      worktree: `/tmp/wt/${API}.a${n}`,
      port: 41000 + n * 10,
    });
  const endedLine = (n: number, min: number) =>
    ev(min, {
      type: 'attempt.ended',
      run_id: RUN,
      feature_id: API,
      attempt: n,
      status: 'failed-checks',
      reason: '1 criterion failed: c1',
      commit: String(n).repeat(40),
      files: ['src/api/server.mjs'],
      checks: { passed: 0, failed: 1, unverifiable: 0, total: 1 },
      measured: {},
      lines_changed: 3,
      outside_owns: 0,
      duration_ms: (min - 0) * 60_000,
    });
  const unit = (n: number, exit: number, cost: number) =>
    featureEvents({
      id: `${API}.a${n}`,
      runId: RUN,
      start: 0,
      exit,
      files: ['src/api/server.mjs'],
      checks: { passed: 0, failed: 1 },
      usage: { cost_usd: cost },
    }).filter((e) => e.type !== 'feature.ended');
  const events: LogEvent[] = [
    runStarted(0, RUN, [API], 2),
    attemptLine(1, 0),
    attemptLine(2, 0),
    ...unit(1, 4, 0.1),
    endedLine(1, 4),
    ...unit(2, 6, 0.2),
    endedLine(2, 6),
    ev(6, {
      type: 'attempt.selected',
      run_id: RUN,
      feature_id: API,
      winner: 1,
      select: 'best',
      reasons: ['attempt 1 over attempt 2: earlier finish'],
      ranking: [1, 2],
      branch: `baton/${API}`,
      commit: '1'.repeat(40),
    }),
    ev(6, { type: 'feature.ended', run_id: RUN, feature_id: API, status: 'failed-checks' }),
    runEnded(6, RUN, 0, 'failed'),
    { ...runStarted(10, RERUN, [API], 1), resume: true } as BatonEvent,
    ...featureEvents({
      id: API,
      runId: RERUN,
      start: 10,
      exit: 13,
      files: ['src/api/fix.mjs'],
      checks: { passed: 1, failed: 0 },
      usage: { cost_usd: 0.7, input_tokens: 700, output_tokens: 70 },
    }),
    runEnded(14, RERUN, 10),
  ];
  const report = computeReport({ events });

  it("the feature's row is the rerun's work: its files, launch, exit, agent time and cost", () => {
    const api = report.features[0]!;
    expect(api.status).toBe('complete');
    expect(api.files_changed).toEqual(['src/api/fix.mjs']);
    expect(api.attempts).toBe(1);
    expect(api.duration_min).toBe(3);
    expect(api.cost_usd).toBe(0.7);
    expect([api.input_tokens, api.output_tokens]).toEqual([700, 70]);
    // Every attempt is history now: counted apart, as best-of-N's extra.
    expect(api.best_of_n).toMatchObject({ winner: null, rerun: true, extra_cost_usd: 0.1 + 0.2 });
    expect(report.totals.cost_usd).toBeCloseTo(0.7 + 0.3, 10);
  });
});

describe("report, status and dashboard: a best-of-N feature's agent time", () => {
  // `bestOfNRun`: attempt 3 wins after 14 min of agent time; attempt 2, a loser, ran till minute 24.
  const input = bestOfNRun();
  const runStart = input.events[0]!.ts as string;

  it("is its winner's agent time in all three, not the span from its first attempt to the selection", () => {
    const report = computeReport(input);
    const api = foldEvents(input.events).features[API]!;
    expect(report.features[0]!.duration_min).toBe(14);
    expect(agentTimeFields(api, runStart).duration_ms).toBe(14 * 60_000);
    expect(featureView(api, {}, { run_started_at: runStart }).duration_ms).toBe(14 * 60_000);
  });

  it('is unknown in all three while no attempt is chosen (a Ctrl-C before the selection)', () => {
    const events: LogEvent[] = input.events
      .filter((e) => e.type !== 'attempt.selected' && !(e.type === 'feature.ended' && e.feature_id === API))
      .flatMap((e): LogEvent[] =>
        e.type === 'run.ended'
          ? [ev(25, { type: 'feature.ended', run_id: RUN, feature_id: API, status: 'interrupted' }), e]
          : [e],
      );
    const api = foldEvents(events).features[API]!;
    expect(api.status).toBe('interrupted');
    expect(agentTimeFields(api, runStart).duration_ms).toBeUndefined();
    const report = computeReport({ ...input, events });
    expect(report.features[0]!.duration_min).toBeNull();
    // So the headline's agents' time is not the feature's 25 min span against the attempts' 48 min.
    expect(report.worksheet.best_of_n?.agent_min).toBe(48);
    expect(report.headline.text).not.toContain('its agents ran');
    expect(report.unknowns).toContain(
      "api: agent time unknown (no best-of-N attempt was chosen, and a feature's agent time is its winner's; each attempt's is under Best-of-N attempts).",
    );
  });
});

describe('report: how an attempt ended, in its row', () => {
  const row = (status: string, reason: string | null) =>
    attemptRow(
      {
        attempt: 1,
        agent: 'claude',
        status,
        checks: { passed: 0, failed: 0, unverifiable: 0, total: 0 },
        measured: {},
        lines_changed: 0,
        outside_owns: 0,
        cost_usd: null,
        duration_min: 1,
        started: true,
        winner: false,
        reason,
      },
      {
        select: 'first-passing',
        winner: 2,
        rerun: false,
        picked: false,
        reasons: [],
        ranking: [2, 1],
        attempts: [],
        extra_cost_usd: null,
        extra_agent_min: 1,
      },
    )[2];

  it('says its status once, whether or not the reason begins with it (logs written before did)', () => {
    const why = 'attempt 2 passed every criterion first (select: first-passing)';
    expect(row('stopped', why)).toBe(`stopped: ${why}`);
    expect(row('stopped', `stopped: ${why}`)).toBe(`stopped: ${why}`);
    expect(row('complete', null)).toBe('complete');
  });
});

/** The report on integration: how its time is weighed against the record, and the verdict's words. */
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { describeVerdict, type IntegrationRecord } from '../../src/metrics/integration.js';
import { computeReport, judgeIntegration } from '../../src/metrics/report.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { ev, featureEvents, runEnded, runStarted, threeParallelFeatures } from './log-builder.js';

describe('computeReport: phases and integration weighed against the record', () => {
  it('leaves a phase that was only estimated out of both sides of the total, and says so', () => {
    const r = computeReport({
      events: threeParallelFeatures(),
      estimates: { specification: 60, integration: 10 },
    });
    expect(r.worksheet.rows.map((x) => [x.phase, x.recorded, x.parallel_actual_min])).toEqual([
      ['specification', false, null],
      ['implementation', true, 30],
      ['integration', true, 5],
    ]);
    expect(r.worksheet.total).toMatchObject({
      excluded: ['specification'],
      sequential_measured_min: 95,
      parallel_actual_min: 35,
      // No estimate for implementation (no contracts): the estimate total is unknown.
      sequential_estimate_min: null,
      speedup_basis: 'measured',
    });
    expect(r.amdahl.serial_min).toBe(5);
    expect(r.unknowns[0]).toMatch(
      /^Phase specification was not recorded \(estimated at 60 min\), so the totals/,
    );
  });

  it('does not blame the contracts for a long integration in which nothing went wrong', () => {
    const ids = ['a', 'b'];
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...ids.flatMap((id) => featureEvents({ id, runId: 'r1', start: 0, exit: 10 })),
      runEnded(10, 'r1', 0),
      ev(10, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ids }),
      ev(11, { type: 'merge.clean', feature_id: 'a', commit: 'a'.repeat(40), duration_ms: 100 }),
      ev(15, {
        type: 'integration.tested',
        after_feature: 'a',
        passed: true,
        exit_code: 0,
        duration_ms: 4 * 60_000,
      }),
      ev(16, { type: 'merge.clean', feature_id: 'b', commit: 'b'.repeat(40), duration_ms: 100 }),
      ev(20, {
        type: 'integration.tested',
        after_feature: 'b',
        passed: true,
        exit_code: 0,
        duration_ms: 4 * 60_000,
      }),
      ev(20, { type: 'integration.ended', outcome: 'clean', duration_ms: 10 * 60_000 }),
    ];
    const r = computeReport({ events });
    expect(r.integration).toMatchObject({ ratio: 1, verdict: 'high', tests_min: 8 });
    expect(r.integration.verdict_text).toBe(
      '100 %, above the healthy 15–20 %, yet no conflict, failing post-merge test or failed integration criterion ' +
        'was recorded: the contracts held at merge time, and post-merge tests took 8 min of the 10 min — ' +
        'the cost is the test suite, not the interfaces.',
    );
  });

  it('does not say the contracts held when a cheap integration recorded a conflict and a skipped feature', () => {
    const ids = ['a', 'b'];
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...ids.flatMap((id) => featureEvents({ id, runId: 'r1', start: 0, exit: 100 })),
      runEnded(100, 'r1', 0),
      ev(100, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ids }),
      ev(101, { type: 'merge.clean', feature_id: 'a', commit: 'a'.repeat(40), duration_ms: 100 }),
      ev(101, { type: 'merge.conflict', feature_id: 'b', files: ['x'], with: ['a'], duration_ms: 100 }),
      ev(101, { type: 'merge.skipped', feature_id: 'b', reason: 'conflicts with a in x', kind: 'conflict' }),
      ev(101, { type: 'integration.ended', outcome: 'partial', duration_ms: 60_000 }),
    ];
    const r = computeReport({ events });
    expect(r.integration.verdict).toBe('low');
    expect(r.integration.verdict_text).toBe(
      '1 %, below the healthy 15–20 %: integration was cheap, but 1 conflict; 1 feature skipped.',
    );
  });

  it('counts each integration invocation by its own span, not the wait between them', () => {
    const ids = ['a', 'b'];
    const integration = (min: number) => ev(min, { type: 'phase.started', phase: 'integration' });
    const ended = (min: number) => ev(min, { type: 'phase.ended', phase: 'integration' });
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...ids.flatMap((id) => featureEvents({ id, runId: 'r1', start: 0, exit: 100 })),
      runEnded(100, 'r1', 0),
      integration(100),
      ev(100, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ids }),
      ev(101, { type: 'merge.conflict', feature_id: 'b', files: ['x'], with: [], duration_ms: 100 }),
      ev(102, { type: 'integration.ended', outcome: 'conflict', duration_ms: 2 * 60_000 }),
      ended(102),
      // `--continue` after 100 min of waiting, as an older Baton recorded it: the time since the start.
      integration(202),
      ev(203, { type: 'merge.clean', feature_id: 'b', commit: 'b'.repeat(40), duration_ms: 60_000 }),
      ev(204, { type: 'integration.ended', outcome: 'clean', duration_ms: 104 * 60_000 }),
      ended(204),
    ];
    const r = computeReport({ events });
    expect(r.integration.duration_min).toBe(4);
  });

  it("names a conflict that names no feature as one with the base's own changes, in both renderings", () => {
    const ids = ['a'];
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10 }),
      runEnded(10, 'r1', 0),
      ev(10, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ids }),
      // The first merge conflicted: nothing was merged before it, so the other side is the base.
      ev(11, { type: 'merge.conflict', feature_id: 'a', files: ['x'], with: [], duration_ms: 100 }),
      ev(12, { type: 'integration.ended', outcome: 'conflict', duration_ms: 2 * 60_000 }),
    ];
    const r = computeReport({ events });
    expect(renderMarkdown(r)).toContain("- `a` × the base's own changes: `x`");
    expect(renderHtml(r)).toContain("<code>a</code> × the base's own changes: <code>x</code>");
  });

  it('does not call the test suite the cost when the tests took a small share of a long integration', () => {
    const ids = ['a'];
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10 }),
      runEnded(10, 'r1', 0),
      ev(10, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ids }),
      ev(11, { type: 'merge.clean', feature_id: 'a', commit: 'a'.repeat(40), duration_ms: 100 }),
      ev(11, {
        type: 'integration.tested',
        after_feature: 'a',
        passed: true,
        exit_code: 0,
        duration_ms: 6_000,
      }),
      ev(20, { type: 'integration.ended', outcome: 'clean', duration_ms: 10 * 60_000 }),
    ];
    const r = computeReport({ events });
    expect(r.integration.verdict).toBe('high');
    expect(r.integration.verdict_text).not.toContain('the cost is the test suite');
    expect(r.integration.verdict_text).toContain('look at what else the integration waited on');
  });
});

describe('computeReport: an integration phase recorded by hand around baton integrate', () => {
  it('counts the phase and the integrate run together, overlaps once, not integrate alone', () => {
    const SEC = 1 / 60;
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10 * SEC }),
      ...featureEvents({ id: 'b', runId: 'r1', start: 0, exit: 10 * SEC }),
      runEnded(10 * SEC, 'r1', 0),
      // `baton phase start integration`, 3 s reviewing the branches, then `baton integrate` (its own
      // phase and attempt, 61 ms), then `baton phase end integration`.
      ev(11 * SEC, { type: 'phase.started', phase: 'integration' }),
      ev(14 * SEC, { type: 'phase.started', phase: 'integration' }),
      ev(14 * SEC, {
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/w',
        order: ['a', 'b'],
      }),
      ev(14.05 * SEC, { type: 'merge.clean', feature_id: 'a', commit: 'c'.repeat(40), duration_ms: 10 }),
      ev(14.06 * SEC, { type: 'merge.clean', feature_id: 'b', commit: 'd'.repeat(40), duration_ms: 10 }),
      ev(14.061 * SEC, { type: 'integration.ended', outcome: 'clean', duration_ms: 61 }),
      ev(14.061 * SEC, { type: 'phase.ended', phase: 'integration' }),
      ev(14.4 * SEC, { type: 'phase.ended', phase: 'integration' }),
    ];
    const r = computeReport({ events });
    const row = r.worksheet.rows.find((x) => x.phase === 'integration');
    expect((row?.parallel_actual_min ?? 0) / SEC).toBeCloseTo(3.4, 6);
    expect(r.integration.duration_min! / SEC).toBeCloseTo(3.4, 6);
    expect(r.integration.ratio).toBeCloseTo(0.34, 6);
    expect(r.integration.merges).toMatchObject({ clean: 2 });
  });
});

describe('judgeIntegration', () => {
  it.each([
    [null, 'unknown'],
    [0.05, 'low'],
    [0.15, 'healthy'],
    [0.2, 'healthy'],
    [0.25, 'elevated'],
    [0.3, 'elevated'],
    [0.67, 'high'],
    // Judged as printed (the whole percentage): 14.96 % prints "15 %", so it is healthy.
    [0.1449, 'low'],
    [0.1496, 'healthy'],
    [0.204, 'healthy'],
    [0.2051, 'elevated'],
    [0.3004, 'elevated'],
    [0.306, 'high'],
  ] as const)('%s → %s', (ratio, verdict) => {
    expect(judgeIntegration(ratio)).toBe(verdict);
  });

  it('never contradicts the percentage it prints at the 15, 20 and 30 % boundaries', () => {
    const record: IntegrationRecord = {
      started: false,
      conflicts: 0,
      base_lacks_cut: 0,
      skipped: 0,
      left_out: 0,
      failed_tests: 0,
      failed_checks: 0,
      failed_promotion: 0,
      into_refused: undefined,
      tests_min: null,
      duration_min: null,
    };
    const say = (ratio: number) => describeVerdict(judgeIntegration(ratio), ratio, record);
    expect(say(0.1496)).toBe('15 %, within the healthy 15–20 %.');
    expect(say(0.204)).toBe('20 %, within the healthy 15–20 %.');
    expect(say(0.3004)).toMatch(/^30 %, above the healthy 15–20 %: some interfaces/);
  });
});

/**
 * A best-of-N attempt's time in the report is its agent's (its unit's exits), as `baton status` and the
 * dashboard give it (`attemptAgentTime`); an attempt whose unit recorded no agent time has none, never
 * its `attempt.ended` span, which holds its checks too.
 */
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { computeReport } from '../../src/metrics/report.js';
import { ev, featureEvents, runEnded, runStarted } from './log-builder.js';

const RUN = 'r1';

const started = (n: number) =>
  ev(0, {
    type: 'attempt.started',
    run_id: RUN,
    feature_id: 'api',
    attempt: n,
    agent: 'claude',
    branch: `baton/api.a${n}`,
    worktree: `/tmp/wt/api.a${n}`,
    port: 41000 + n,
  });

const ended = (n: number, min: number) =>
  ev(min, {
    type: 'attempt.ended',
    run_id: RUN,
    feature_id: 'api',
    attempt: n,
    status: 'complete',
    commit: String(n).repeat(40),
    files: ['src/api/x.ts'],
    checks: { passed: 1, failed: 0, unverifiable: 0, total: 1 },
    measured: {},
    lines_changed: n,
    outside_owns: 0,
    duration_ms: min * 60_000,
  });

describe("computeReport: a best-of-N attempt's time", () => {
  it("is its agent's, and unknown when its unit recorded none, never its span with its checks", () => {
    const events: LogEvent[] = [
      runStarted(0, RUN, ['api']),
      started(1),
      started(2),
      // Attempt 1's agent ran 2 minutes, then its checks 3 more.
      ...featureEvents({ id: 'api.a1', runId: RUN, start: 0, exit: 2 }).filter(
        (e) => e.type !== 'feature.ended',
      ),
      ended(1, 5),
      // Attempt 2's unit left no events (a log cut short, or written by hand): only its span is known.
      ended(2, 6),
      ev(6, {
        type: 'attempt.selected',
        run_id: RUN,
        feature_id: 'api',
        winner: 1,
        select: 'best',
        reasons: ['attempt 1 over attempt 2: fewer lines changed (1 vs 2)'],
        ranking: [1, 2],
        branch: 'baton/api',
        commit: '1'.repeat(40),
      }),
      ev(6, { type: 'feature.ended', run_id: RUN, feature_id: 'api', status: 'complete' }),
      runEnded(6, RUN, 0),
    ];
    const api = computeReport({ events }).features.find((f) => f.feature_id === 'api');
    expect(api?.duration_min).toBe(2);
    expect(api?.best_of_n?.attempts.map((a) => a.duration_min)).toEqual([2, null]);
  });

  it('counts 0 for an attempt that never started, while one started with no known time stays unknown', () => {
    const notStarted = (n: number) =>
      ev(3, {
        type: 'attempt.ended',
        run_id: RUN,
        feature_id: 'api',
        attempt: n,
        status: 'stopped',
        reason: 'not started: attempt 1 passed every criterion first (select: first-passing)',
        files: [],
        checks: { passed: 0, failed: 0, unverifiable: 0, total: 0 },
        measured: {},
        lines_changed: 0,
        outside_owns: 0,
        duration_ms: 0,
      });
    const selected = ev(3, {
      type: 'attempt.selected',
      run_id: RUN,
      feature_id: 'api',
      winner: 1,
      select: 'first-passing',
      reasons: ['attempt 1 passed every criterion first (select: first-passing)'],
      ranking: [1],
      branch: 'baton/api',
      commit: '1'.repeat(40),
    });
    const log = (middle: LogEvent[]): LogEvent[] => [
      runStarted(0, RUN, ['api']),
      started(1),
      ...featureEvents({ id: 'api.a1', runId: RUN, start: 0, exit: 2 }).filter(
        (e) => e.type !== 'feature.ended',
      ),
      ended(1, 3),
      ...middle,
      notStarted(3),
      selected,
      ev(3, { type: 'feature.ended', run_id: RUN, feature_id: 'api', status: 'complete' }),
      runEnded(3, RUN, 0),
    ];
    // First-passing: attempts 2 and 3 never started, so they took no agent time.
    const saved = computeReport({ events: log([notStarted(2)]) });
    const b = saved.features.find((f) => f.feature_id === 'api')?.best_of_n;
    expect(b?.attempts.map((a) => [a.duration_min, a.started])).toEqual([
      [2, true],
      [0, false],
      [0, false],
    ]);
    expect(b?.extra_agent_min).toBe(0);
    expect(saved.worksheet.best_of_n).toMatchObject({ agent_min: 2, extra_agent_min: 0 });
    // Attempt 2 started and its time is unknown: the totals are unknown, not short.
    const unknown = computeReport({ events: log([started(2), ended(2, 3)]) });
    expect(unknown.worksheet.best_of_n).toMatchObject({ agent_min: null, extra_agent_min: null });
  });
});

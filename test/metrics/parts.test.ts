import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import {
  formatMinutes,
  formatPercent,
  formatSpeedup,
  formatTime,
  formatUsd,
} from '../../src/metrics/format.js';
import { collectPhaseIntervals, coveredMs } from '../../src/metrics/intervals.js';
import { computeReport } from '../../src/metrics/report.js';
import { listRuns, segmentRuns, selectRun } from '../../src/metrics/runs.js';
import { ev, featureEvents, phase, runEnded, runStarted, T0 } from './log-builder.js';

describe('coveredMs', () => {
  it.each([
    ['nothing', [], null],
    ['one span', [{ start: 0, end: 10 }], 10],
    [
      'disjoint spans add',
      [
        { start: 0, end: 10 },
        { start: 20, end: 25 },
      ],
      15,
    ],
    [
      'overlaps count once',
      [
        { start: 0, end: 10 },
        { start: 5, end: 15 },
      ],
      15,
    ],
    [
      'nested spans',
      [
        { start: 0, end: 30 },
        { start: 5, end: 10 },
      ],
      30,
    ],
    [
      'an open span makes it unknown',
      [
        { start: 0, end: 10 },
        { start: 20, end: null },
      ],
      null,
    ],
    ['a span with no start makes it unknown', [{ start: null, end: 10 }], null],
  ] as const)('%s', (_, spans, expected) => {
    expect(coveredMs(spans)).toBe(expected);
  });
});

describe('collectPhaseIntervals', () => {
  it('pairs an end with the latest open start of the same name, in order of first appearance', () => {
    const events = [
      ev(0, { type: 'phase.started', phase: 'b' }),
      ev(1, { type: 'phase.started', phase: 'a' }),
      ev(2, { type: 'phase.started', phase: 'a' }),
      ev(3, { type: 'phase.ended', phase: 'a' }),
      ev(4, { type: 'phase.ended', phase: 'a' }),
      ev(5, { type: 'phase.ended', phase: 'c' }),
    ];
    const m = (min: number) => T0 + min * 60_000;
    expect([...collectPhaseIntervals(events)]).toEqual([
      ['b', [{ start: m(0), end: null }]],
      [
        'a',
        [
          { start: m(1), end: m(4) },
          { start: m(2), end: m(3) },
        ],
      ],
      ['c', [{ start: null, end: m(5) }]],
    ]);
  });
});

describe('segmentRuns', () => {
  it('keeps a run that resumes under the same id whole, and lists runs oldest first', () => {
    const events = [
      runStarted(0, 'r1', ['a']),
      runEnded(5, 'r1', 0),
      runStarted(6, 'r1', ['a']),
      runEnded(9, 'r1', 6),
      runStarted(20, 'r2', ['b']),
    ];
    expect(listRuns(events)).toEqual([
      { run_id: 'r1', started_at: events[0]!.ts, resumed_by: [], events: 4 },
      { run_id: 'r2', started_at: events[4]!.ts, resumed_by: [], events: 1 },
    ]);
  });

  it('folds a run --resume into the latest run that lists a feature it resumes, whatever ran between', () => {
    const resumed = (min: number, runId: string, ids: string[]) => ({
      ...runStarted(min, runId, ids, 1),
      resume: true,
    });
    const events = [
      runStarted(0, 'r1', ['a', 'b']),
      runEnded(5, 'r1', 0, 'failed'),
      runStarted(6, 'r2', ['c']),
      runEnded(8, 'r2', 6),
      resumed(10, 'r3', ['b']),
      runEnded(12, 'r3', 10),
      resumed(13, 'r4', ['b']),
      ev(14, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ['a', 'b'] }),
      // A resume of a feature no run listed continues nothing: a run of its own.
      resumed(20, 'r5', ['z']),
    ] as LogEvent[];
    expect(listRuns(events)).toEqual([
      { run_id: 'r1', started_at: events[0]!.ts, resumed_by: ['r3', 'r4'], events: 6 },
      { run_id: 'r2', started_at: events[2]!.ts, resumed_by: [], events: 2 },
      { run_id: 'r5', started_at: events[8]!.ts, resumed_by: [], events: 1 },
    ]);
    // r1's events, then its resumes', in log order; the runs between stay their own.
    expect(selectRun(events, 'r4')?.events).toEqual([...events.slice(0, 2), ...events.slice(4, 8)]);
    expect(selectRun(events, 'r1')).toEqual(selectRun(events, 'r3'));
    expect(selectRun(events.slice(0, 8))?.run_id).toBe('r1');
  });

  it('folds a queued resume into its run by the run id, even one listing no feature (every one had ended)', () => {
    const events = [
      runStarted(0, 'q1', ['a', 'b']),
      runEnded(5, 'q1', 0, 'interrupted'),
      runStarted(6, 'r2', ['c']),
      runEnded(8, 'r2', 6),
      { ...runStarted(10, 'q1', [], 1), resume: true },
      runEnded(11, 'q1', 10),
    ] as LogEvent[];
    expect(listRuns(events).map((r) => [r.run_id, r.events])).toEqual([
      ['q1', 4],
      ['r2', 2],
    ]);
  });

  it('leaves out specification started after the latest run: it prepares a run not started yet', () => {
    const events = [runStarted(0, 'r1', ['a']), runEnded(5, 'r1', 0), ...phase(10, 20, 'specification')];
    const [only] = segmentRuns(events);
    expect(only?.events.map((e) => e.type)).toEqual(['run.started', 'run.ended']);
  });

  it('keeps a phase of another name recorded after the run with it, even after a specification began', () => {
    const r1 = [runStarted(0, 'r1', ['a']), runEnded(5, 'r1', 0)];
    // Specification for the next run, then fixes on this one, the two overlapping.
    const after = [
      ev(10, { type: 'phase.started', phase: 'specification' }),
      ev(11, { type: 'phase.started', phase: 'fixes' }),
      ev(12, { type: 'phase.ended', phase: 'specification' }),
      ev(14, { type: 'phase.ended', phase: 'fixes' }),
    ] as LogEvent[];
    const r2 = [runStarted(20, 'r2', ['b']), runEnded(25, 'r2', 20)];
    const fixes = [after[1]!, after[3]!];
    const spec = [after[0]!, after[2]!];
    // No later run yet: fixes is r1's; the specification prepares a run not started yet.
    expect(segmentRuns([...r1, ...after]).map((r) => r.events)).toEqual([[...r1, ...fixes]]);
    // Once r2 starts, the specification is its own, and fixes stays r1's.
    expect(segmentRuns([...r1, ...after, ...r2]).map((r) => r.events)).toEqual([
      [...r1, ...fixes],
      [...spec, ...r2],
    ]);
    const rows = (runId?: string) =>
      computeReport({ events: [...r1, ...after, ...r2], ...(runId ? { runId } : {}) }).worksheet.rows.map(
        (x) => [x.phase, x.parallel_actual_min],
      );
    expect(rows('r1')).toEqual([
      ['implementation', 5],
      ['fixes', 3],
    ]);
    expect(rows()).toEqual([
      ['specification', 2],
      ['implementation', 5],
    ]);
  });

  it('keeps an integration continued after another run started with the run it began in', () => {
    const integration = (min: number) => ev(min, { type: 'phase.started', phase: 'integration' });
    const ended = (min: number) => ev(min, { type: 'phase.ended', phase: 'integration' });
    const events = [
      runStarted(0, 'r1', ['a', 'b']),
      runEnded(5, 'r1', 0),
      integration(6),
      ev(6, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ['a', 'b'] }),
      ev(6, { type: 'merge.clean', feature_id: 'a', commit: 'c1', duration_ms: 10 }),
      ev(6, { type: 'merge.conflict', feature_id: 'b', files: ['x'], with: ['a'], duration_ms: 10 }),
      ev(6, { type: 'integration.ended', outcome: 'conflict', duration_ms: 100, commit: 'c1' }),
      ended(6),
      runStarted(10, 'r2', ['c']),
      runEnded(12, 'r2', 10),
      // `baton integrate --continue` after r2 (stamped r2 by an older Baton): still r1's integration.
      integration(15),
      ev(15, { type: 'merge.clean', feature_id: 'b', commit: 'c2', duration_ms: 10 }),
      ev(15, { type: 'integration.ended', outcome: 'clean', duration_ms: 100, commit: 'c2' }),
      ended(15),
      // A new integration after r2 is r2's.
      integration(20),
      ev(20, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ['c'] }),
      ended(21),
    ] as LogEvent[];
    expect(selectRun(events, 'r1')?.events).toEqual([...events.slice(0, 8), ...events.slice(10, 14)]);
    expect(selectRun(events)?.events).toEqual([...events.slice(8, 10), ...events.slice(14)]);
  });

  it('keeps a hand-made prelude of hook lines as its own run without id', () => {
    const events: LogEvent[] = [{ feature_id: 'x', status: 'complete' }, runStarted(0, 'r1', ['a'])];
    expect(listRuns(events).map((r) => r.run_id)).toEqual([null, 'r1']);
  });
});

describe('computeReport: tolerance', () => {
  it('leaves out events of the wrong shape and types it does not know, and says how many', () => {
    const events = [
      runStarted(0, 'r1', ['a']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10 }),
      { v: 1, ts: ev(3, { type: 'phase.started', phase: 'x' }).ts, type: 'agent.exited', feature_id: 'a' },
      {
        v: 1,
        ts: ev(4, { type: 'phase.started', phase: 'x' }).ts,
        type: 'worktree.removed',
        feature_id: 'a',
      },
      runEnded(10, 'r1', 0),
    ] as LogEvent[];
    const r = computeReport({ events });
    expect(r.features[0]).toMatchObject({ feature_id: 'a', duration_min: 10, status: 'complete' });
    expect(r.unknowns).toEqual([
      '1 event of this run had fields of the wrong shape and were left out.',
      'Events of types this version does not know were left out: worktree.removed.',
    ]);
  });

  it('does not count a feature that never launched into the agents’ time, and says so', () => {
    const events = [
      runStarted(0, 'r1', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 10 }),
      ev(10, {
        type: 'feature.ended',
        run_id: 'r1',
        feature_id: 'b',
        status: 'failed',
        reason: 'dependency failed',
      }),
      runEnded(10, 'r1', 0, 'failed'),
    ];
    const r = computeReport({ events });
    expect(r.worksheet.rows[0]?.sequential_measured_min).toBe(10);
    expect(r.features[1]).toMatchObject({
      feature_id: 'b',
      launched: false,
      duration_min: null,
      start_min: null,
    });
    expect(r.unknowns).toEqual([
      'Never launched: b; the measured sequential time covers the 1 that ran.',
      '1 of 2 features of the run did not complete: the implementation has no speedup, measured or estimated, for work that did not finish.',
    ]);
  });
});

describe('formatters', () => {
  it.each([
    [null, 'unknown'],
    [0.5, '30 s'],
    [0, '0 s'],
    [0.85 / 60, '850 ms'],
    [0.4 / 60, '400 ms'],
    [1.23 / 60, '1.2 s'],
    [3 / 60, '3 s'],
    [9.97 / 60, '10 s'],
    [59.7 / 60, '1 min'],
    [0.0001 / 60, '< 1 ms'],
    [7.25, '7.3 min'],
    [3, '3 min'],
    [130, '130 min'],
  ] as const)('minutes %s → %s', (m, s) => {
    expect(formatMinutes(m)).toBe(s);
  });

  it('formats speedups, percentages, dollars and times', () => {
    expect(formatSpeedup(375 / 130)).toBe('2.9×');
    expect(formatSpeedup(3)).toBe('3.0×');
    expect(formatPercent(240 / 360)).toBe('67 %');
    expect(formatUsd(0.004)).toBe('$0.0040');
    expect(formatUsd(1.5)).toBe('$1.50');
    expect(formatTime('2026-03-02T09:05:59.000Z')).toBe('2026-03-02 09:05 UTC');
    expect(formatTime(null)).toBe('unknown');
  });
});

/**
 * Two runs interleaved in the log: run `a` still wrote lines (its feature y's, its own `run.ended`) after
 * run `b` started. The log was cut at `b`'s `run.started` alone, so `report --run a` lost y and its end
 * (the run read as unfinished, y as never ended) and `b`'s report held y's lines as "outside" ones.
 * A line stamped with a run's id now goes with that run wherever it landed; a line with none (a hook
 * written by hand, `baton phase`, `baton integrate`) still goes by its place.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatonEvent, LogEvent } from '../../src/log/events.js';
import { computeReport } from '../../src/metrics/report.js';
import { RunSegmenter } from '../../src/metrics/run-segmenter.js';
import { listRuns, segmentRuns, selectRun } from '../../src/metrics/runs.js';
import { at, ev, featureEvents, interleavedRuns, runEnded, runStarted } from './log-builder.js';
import { segmentLog } from './segment-arbitraries.js';

/** Run `a` (x, y) from minute 0; run `b` (z) from minute 5; y's lines and `a`'s end land after `b`'s start. */
const interleaved = () => interleavedRuns({ handHook: true });

const ids = (events: readonly LogEvent[] | undefined) =>
  (events ?? []).map((e) => `${e.type}${'feature_id' in e ? ` ${e.feature_id}` : ''}`);

describe('selecting a run of an interleaved log by the run ids its lines carry', () => {
  it("gives run a its feature y's lines and its run.ended, landed after b started", () => {
    const a = selectRun(interleaved(), 'a');
    expect(ids(a?.events)).toEqual([
      'run.started',
      ...ids(featureEvents({ id: 'x', runId: 'a', start: 0, exit: 10 })),
      ...ids(featureEvents({ id: 'y', runId: 'a', start: 1, exit: 20, exitCode: 1 })),
      'run.ended',
    ]);
    const r = computeReport({ events: interleaved(), runId: 'a' });
    expect(r.run).toMatchObject({ run_id: 'a', outcome: 'failed', ended_at: at(21), unfinished: false });
    expect(r.features.map((f) => [f.feature_id, f.status])).toEqual([
      ['x', 'complete'],
      ['y', 'failed'],
    ]);
  });

  it("keeps run a's lines out of run b, which keeps the unstamped line that landed in it", () => {
    const b = selectRun(interleaved(), 'b');
    expect(ids(b?.events)).toEqual([
      'run.started',
      ...ids(featureEvents({ id: 'z', runId: 'b', start: 5, exit: 12 })),
      'hook w',
      'run.ended',
    ]);
    // The latest run is b, as the default report and the dashboard (which forgets earlier runs) cut it.
    expect(selectRun(interleaved())).toEqual(b);
    const forgetting = new RunSegmenter({ forget: true });
    for (const e of interleaved()) forgetting.push(e);
    expect(forgetting.latest()).toEqual(b);
    const r = computeReport({ events: interleaved(), runId: 'b' });
    expect(r.features.map((f) => f.feature_id)).toEqual(['z']);
    expect(listRuns(interleaved()).map((s) => [s.run_id, s.events])).toEqual([
      ['a', 1 + 3 + 3 + 1],
      ['b', 1 + 3 + 1 + 1],
    ]);
  });

  it('a resumed run gathers its lines stamped with its resume id, past the run between', () => {
    const resumed = ev(30, {
      type: 'run.started',
      run_id: 'a2',
      feature_ids: ['y'],
      concurrency: 1,
      base: 'main',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid: 4243,
      resume: true,
    });
    const log: BatonEvent[] = [
      runStarted(0, 'a', ['x', 'y']),
      runStarted(5, 'b', ['z']),
      ...featureEvents({ id: 'x', runId: 'a', start: 0, exit: 10 }),
      runEnded(11, 'a', 0, 'interrupted'),
      runEnded(12, 'b', 5, 'complete'),
      resumed,
      ...featureEvents({ id: 'y', runId: 'a2', start: 30, exit: 40 }),
      runEnded(41, 'a2', 30, 'complete'),
    ];
    const a = selectRun(log, 'a');
    expect(a?.resumed_by).toEqual(['a2']);
    expect(ids(a?.events)).toEqual([
      'run.started',
      ...ids(featureEvents({ id: 'x', runId: 'a', start: 0, exit: 10 })),
      'run.ended',
      'run.started',
      ...ids(featureEvents({ id: 'y', runId: 'a2', start: 30, exit: 40 })),
      'run.ended',
    ]);
    expect(selectRun(log)).toEqual(a);
    // The dashboard's segmenter forgot run a's first part when b started: it asks for the log again.
    const forgetting = new RunSegmenter({ forget: true });
    for (const e of log) forgetting.push(e);
    expect(forgetting.lacking).toBe(true);
    const again = new RunSegmenter({ forget: true, retain: new Set(forgetting.neededCuts()) });
    for (const e of log) again.push(e);
    again.release();
    expect(again.latest()).toEqual(a);
  });

  it('puts each line in one run at most, and a stamped line (not a phase) in the one run its id names', () => {
    fc.assert(
      fc.property(segmentLog, (events) => {
        const runs = segmentRuns(events);
        const seen = new Set<LogEvent>();
        for (const run of runs) {
          for (const e of run.events) {
            expect(seen.has(e)).toBe(false);
            seen.add(e);
          }
        }
        for (const e of events) {
          if (e.type === undefined || e.type === 'phase.started' || e.type === 'phase.ended') continue;
          const named = runs.filter(
            (r) => e.run_id !== undefined && (r.run_id === e.run_id || r.resumed_by.includes(e.run_id)),
          );
          if (named.length === 1) expect(named[0]?.events).toContain(e);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { namesRun, RunSegmenter } from '../../src/metrics/run-segmenter.js';
import { selectRun } from '../../src/metrics/runs.js';
import { ev, featureEvents, phase, runEnded, runStarted } from './log-builder.js';
import { segmentLog } from './segment-arbitraries.js';

const isPhase = (e: LogEvent) => e.type === 'phase.started' || e.type === 'phase.ended';
const NO_RUN = { run_id: null, resumed_by: [] };

/** What a reader does when the latest run needs forgotten events: reads the log again, keeping them. */
function readAgain(lacking: RunSegmenter, events: readonly LogEvent[]): RunSegmenter {
  const again = new RunSegmenter({ forget: true, retain: new Set(lacking.neededCuts()) });
  for (const e of events) again.push(e);
  again.release();
  return again;
}

/** A feature's run ended, with as many hook events in between as asked. */
function busyRun(runId: string, ids: string[], at: number, hooks: number): LogEvent[] {
  return [
    runStarted(at, runId, ids),
    ...Array.from({ length: hooks }, (_, i) =>
      ev(at + 1, { type: 'hook', feature_id: ids[i % ids.length]!, event: 'agent-turn-complete' }),
    ),
    ...ids.flatMap((id) => featureEvents({ id, runId, start: at, exit: at + 10 })),
    runEnded(at + 10, runId, at),
  ];
}

describe('RunSegmenter forgetting earlier runs', () => {
  it('gives after every event the run selectRun gives for the log so far, holding only that run (and phases)', () => {
    fc.assert(
      fc.property(segmentLog, (events) => {
        let runs = new RunSegmenter({ forget: true });
        events.forEach((e, i) => {
          runs.push(e);
          const sofar = events.slice(0, i + 1);
          if (runs.lacking) runs = readAgain(runs, sofar);
          expect(runs.lacking).toBe(false);
          const latest = runs.latest();
          expect(latest).toEqual(selectRun(sofar));
          // Beyond the run: the phases it leaves out, and an integrate invocation not yet placed.
          const lastInvocation = sofar.findLastIndex(
            (x) => x.type === 'phase.started' && x.phase === 'integration',
          );
          const unplaced = lastInvocation === -1 ? 0 : sofar.length - lastInvocation;
          // And lines stamped with another run's id that landed among its own (interleaved runs).
          const others = sofar.filter(
            (x) =>
              x.type !== undefined &&
              !isPhase(x) &&
              x.run_id !== undefined &&
              !namesRun(latest ?? NO_RUN, x.run_id),
          ).length;
          expect(runs.kept).toBeLessThanOrEqual(
            (latest?.events.length ?? 0) + sofar.filter(isPhase).length + unplaced + others,
          );
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps only the later run of 20,000 events then a run, integration after its end included', () => {
    const earlier = busyRun('r1', ['a', 'b'], 0, 20_000);
    const later = [
      ...busyRun('r2', ['c'], 100, 5),
      ev(111, { type: 'integration.started', branch: 'baton/integration', worktree: '/i', order: ['c'] }),
      ev(112, { type: 'merge.clean', feature_id: 'c', commit: 'c'.repeat(40), duration_ms: 1 }),
      ev(113, { type: 'integration.ended', outcome: 'clean', duration_ms: 60_000 }),
    ];
    const runs = new RunSegmenter({ forget: true });
    for (const e of [...earlier, ...later]) runs.push(e);
    expect(runs.kept).toBe(later.length);
    expect(runs.latest()?.events).toEqual(later);
  });

  it('needs the log again for a resume of a run another run has since made earlier, and keeps both parts', () => {
    const first = busyRun('r1', ['a'], 0, 50);
    const other = busyRun('r2', ['b'], 20, 50);
    const resume = { ...runStarted(40, 'r3', ['a']), resume: true } as LogEvent;
    const log = [...first, ...other, resume, ...featureEvents({ id: 'a', runId: 'r3', start: 40, exit: 45 })];
    const runs = new RunSegmenter({ forget: true });
    for (const e of log) runs.push(e);
    expect(runs.lacking).toBe(true);
    expect(runs.latest()).toBeUndefined();
    const again = readAgain(runs, log);
    expect(again.latest()).toEqual(selectRun(log));
    expect(again.latest()?.resumed_by).toEqual(['r3']);
    expect(again.kept).toBe(first.length + log.length - first.length - other.length);
  });

  it('carries the next run its planning recorded after the run before, and forgets that run', () => {
    const before = busyRun('r1', ['a'], 0, 10);
    const planning = phase(20, 25, 'planning');
    const next = busyRun('r2', ['b'], 30, 3);
    const runs = new RunSegmenter({ forget: true });
    for (const e of [...before, ...planning, ...next]) runs.push(e);
    expect(runs.latest()?.events).toEqual([...planning, ...next]);
    expect(runs.kept).toBe(planning.length + next.length);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { type FeatureState, foldEvents } from '../../src/log/fold.js';
import { foldForFeatures } from '../../src/log/fold-from-end.js';
import { foldLastRun } from '../../src/log/last-run.js';
import { computeReport } from '../../src/metrics/report.js';
import { at, ev, interleavedRuns, toJsonl } from '../metrics/log-builder.js';

/**
 * Run `a` (features x, y) still open when run `b` (feature z) starts at minute 5; `a`'s end lands at
 * minute 21, after `b` started, and `b`'s own at minute 22.
 */
const interleaved = () => interleavedRuns({ yStart: 0 });

describe("an earlier run's run.ended landing after the next run started", () => {
  it('closes that run only: the current run ends at its own run.ended', () => {
    const state = foldEvents(interleaved());
    expect(state.run_id).toBe('b');
    expect(state.run_outcome).toBe('complete');
    expect(state.run_ended_at).toBe(at(22));
    expect(state.run_duration_ms).toBe(17 * 60_000);
    expect(state.open_runs).toEqual([]);
  });

  it('leaves the current run open until its own end', () => {
    const events = interleaved().slice(0, -1);
    const state = foldEvents(events);
    expect(state.run_ended_at).toBeUndefined();
    expect(state.run_outcome).toBeUndefined();
    expect(state.open_runs?.map((r) => r.run_id)).toEqual(['b']);
    const r = computeReport({ events });
    expect(r.run).toMatchObject({ run_id: 'b', outcome: null, ended_at: null, unfinished: true });
    expect(r.unknowns.join('\n')).toContain('Run b has no run.ended event');
  });

  it("is not the report's end of the current run: its outcome and wall-clock are the run's own", () => {
    const r = computeReport({ events: interleaved() });
    expect(r.run).toMatchObject({ run_id: 'b', outcome: 'complete', ended_at: at(22), unfinished: false });
    expect(r.worksheet.rows.find((w) => w.phase === 'implementation')?.parallel_actual_min).toBe(17);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'baton-interleaved-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a fold says of a feature's run: its status, start, end and exit code. */
const shown = (f: FeatureState | undefined) =>
  f && {
    status: f.status,
    run_id: f.run_id,
    started_at: f.started_at,
    ended_at: f.ended_at,
    exit_code: f.exit_code,
  };

describe("an earlier run's feature lines landing after the next run started that feature over", () => {
  // Run b lists y again and runs it (minutes 6 to 8); a's y lines (its failure) land after.
  const events = interleavedRuns({ relistY: true });
  const bsY = { status: 'complete', run_id: 'b', started_at: at(6), ended_at: at(8), exit_code: 0 };

  it("are that run's, not the feature's now: every fold shows b's y (whole, last run, from the end)", () => {
    const path = join(dir, 'relisted.jsonl');
    writeFileSync(path, toJsonl(events));
    const whole = foldEvents(events);
    expect(whole.run_id).toBe('b');
    expect(shown(whole.features.y)).toEqual(bsY);
    // Agent time is b's launch alone, not a's added to it.
    expect(whole.features.y?.duration_ms).toBe(2 * 60_000);
    expect(shown(foldLastRun(path).state.features.y)).toEqual(bsY);
    expect(shown(foldForFeatures(path, ['y']).features.y)).toEqual(bsY);
    // A feature b did not list keeps a's lines, wherever they landed.
    expect(shown(whole.features.x)).toMatchObject({ status: 'complete', run_id: 'a' });
  });

  it('still take a line with no run id (a hook written by hand) by its place', () => {
    const plain = { feature_id: 'y', status: 'failed' } as LogEvent;
    // Its status is not taken over the runner's end, but the line is y's: its last event.
    expect(foldEvents([...events, plain]).features.y?.last_event).toMatchObject({ type: 'status' });
    // A hook stamped with b, the run that started y over, is y's; one stamped with a is not.
    const hook = (runId: string) => ev(23, { type: 'hook', run_id: runId, feature_id: 'y', event: 'stop' });
    expect(foldEvents([...events, hook('b')]).features.y?.hooks).toBe(1);
    expect(foldEvents([...events, hook('a')]).features.y?.hooks).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/log/fold.js';
import { computeReport } from '../../src/metrics/report.js';
import { at, interleavedRuns } from '../metrics/log-builder.js';

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

import type { Clock } from '../log/append.js';
import type { LogEvent } from '../log/events.js';
import { createLogSink } from '../log/sink.js';
import { COMPARISON_PHASE } from '../metrics/worksheet.js';

/** When a run began and ended, by its own log. */
export interface RunWindow {
  started: Date;
  ended: Date;
}

/** The latest finished run of a log, from its `run.started` to its `run.ended` (pure). */
export function lastRunWindow(events: readonly LogEvent[]): RunWindow | undefined {
  let started: string | undefined;
  let window: RunWindow | undefined;
  for (const e of events) {
    if (e.type === 'run.started') started = e.ts;
    else if (e.type === 'run.ended' && started !== undefined) {
      window = { started: new Date(started), ended: new Date(e.ts) };
      started = undefined;
    }
  }
  return window;
}

/**
 * Records the `-j 1` run in the parallel run's log as the `sequential-comparison` phase, stamped
 * with that run's own start and end: the report measures the headline speedup against it and
 * labels it on the timeline instead of leaving an unexplained gap.
 */
export function recordComparison(logPath: string, window: RunWindow): void {
  const times = [window.started, window.ended];
  const clock: Clock = () => times.shift() ?? new Date();
  const sink = createLogSink({ logPath, clock });
  sink.emit({ type: 'phase.started', phase: COMPARISON_PHASE });
  sink.emit({ type: 'phase.ended', phase: COMPARISON_PHASE });
}

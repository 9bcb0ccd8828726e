/**
 * The run's own facts (pure): when it started and ended, with what outcome, and whether it is still
 * in progress; and the unknowns a run without `run.ended` leaves.
 */
import { isConcurrency } from '../log/concurrency.js';
import type { LogEvent } from '../log/events.js';
import { clampInterval, collectRunIntervals, coveredMs } from './intervals.js';
import type { RunSegment } from './run-segmenter.js';
import type { RunReport } from './types.js';

/** What the run's facts need of the report's input (`ReportInput`). */
export interface RunFactsInput {
  plan?: unknown;
  runId?: string;
  /** Ids of the runs whose orchestrator is alive (`ReportInput.liveRunIds`). */
  liveRunIds?: readonly string[];
}

/**
 * Run facts: id, start, end, whether it ended. A run resumed with `run --resume` is one run (see
 * `segmentRuns`): it started at its first start, ended at the end after its last one, and ran as
 * many agents at once as its widest start allowed.
 */
export function describeRun(
  events: readonly LogEvent[],
  input: RunFactsInput,
  segment: Pick<RunSegment, 'run_id' | 'resumed_by'> | undefined,
  featureIds: string[],
): RunReport {
  let firstStart: Extract<LogEvent, { type: 'run.started' }> | undefined;
  let lastStart: Extract<LogEvent, { type: 'run.started' }> | undefined;
  let lastEnd: Extract<LogEvent, { type: 'run.ended' }> | undefined;
  let endAfterStart = false;
  let endedSinceStart = false;
  let concurrency: number | null = null;
  for (const e of events) {
    if (e.type === 'run.started') {
      firstStart ??= e;
      lastStart = e;
      endAfterStart = false;
      endedSinceStart = false;
      if (isConcurrency(e.concurrency)) concurrency = Math.max(concurrency ?? 0, e.concurrency);
    } else if (e.type === 'run.ended' && !endedSinceStart && e.run_id === lastStart?.run_id) {
      // The first end of the last start stands: a second one (another process's line) changes nothing,
      // and an earlier run's end landing after this run started is not this run's.
      // An end inferred for a dead run (`interruptionEvents`) gives its outcome, but was never recorded.
      lastEnd = e;
      endAfterStart = e.inferred !== true;
      endedSinceStart = true;
    }
  }
  const unfinished = lastStart !== undefined && !endAfterStart;
  const inferred = unfinished && lastEnd?.inferred === true;
  // The start without an end is the one whose orchestrator would still be working.
  const live = input.liveRunIds ?? [];
  const inProgress = unfinished && lastStart !== undefined && live.includes(lastStart.run_id);
  return {
    run_id: segment?.run_id ?? input.runId ?? null,
    resumed_by: segment?.resumed_by ?? [],
    started_at: firstStart?.ts ?? null,
    ended_at: unfinished ? null : (lastEnd?.ts ?? null),
    outcome: unfinished && !inferred ? null : (lastEnd?.outcome ?? null),
    unfinished,
    in_progress: inProgress,
    wall_so_far: inProgress ? wallSoFar(events) : null,
    concurrency,
    feature_ids: featureIds,
    with_plan: input.plan !== undefined,
  };
}

/**
 * A run in progress's wall-clock so far, by the report's rule for its parts (each start to its
 * `run.ended`, the pause before a `run --resume` in none): the parts that ended, covered once, and the
 * start of the part still open, the last. A part before it that never recorded its end leaves
 * `ended_ms` unknown; null when no part is open.
 */
export function wallSoFar(events: readonly LogEvent[]): RunReport['wall_so_far'] {
  // Spans stamped backwards are the worksheet's to flag (`implementationIntervals`), not flagged twice.
  const parts = collectRunIntervals(events).map((i) => clampInterval(i, 'run span', []));
  const open = parts.at(-1);
  if (open === undefined || open.start === null || open.end !== null) return null;
  const ended = parts.slice(0, -1);
  return {
    ended_ms: ended.length === 0 ? 0 : coveredMs(ended),
    since: new Date(open.start).toISOString(),
  };
}

/**
 * The unknowns a run without `run.ended` adds: its wall-clock time. A resumed run says so of each
 * start whose orchestrator died before `run.ended` and that a `run --resume` with another id went on
 * from (a resume under the same id, re-attached to its agents, continues its span instead), and of
 * its last start when that never recorded its end — or, `inProgress`, has not recorded it yet.
 */
export function unendedRunNotes(events: readonly LogEvent[], inProgress: boolean): string[] {
  const notes: string[] = [];
  let open: string | undefined;
  for (const e of events) {
    if (e.type === 'run.ended' && e.run_id === open) open = undefined;
    else if (e.type === 'run.started') {
      if (open !== undefined && open !== e.run_id) {
        notes.push(
          `Run ${open} has no run.ended event before \`run --resume\` went on as ${e.run_id} (its orchestrator ` +
            'stopped before it could record the end): the wall-clock time of its part is unknown.',
        );
      }
      open = e.run_id;
    }
  }
  if (open !== undefined && inProgress) {
    notes.push(
      `Run ${open} is in progress (its orchestrator is still working): its wall-clock time is not known yet.`,
    );
  } else if (open !== undefined) {
    notes.push(
      `Run ${open} has no run.ended event (the orchestrator stopped before it could record the end): ` +
        'its wall-clock time is unknown.',
    );
  }
  return notes;
}

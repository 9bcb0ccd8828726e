import type { LogEvent } from '../log/events.js';
import { namesRun, type RunSegment, RunSegmenter } from './run-segmenter.js';

/** A run found in the log, for `--run` and for choosing the default. */
export interface RunSummary {
  run_id: string | null;
  started_at: string | null;
  resumed_by: string[];
  events: number;
}

type RunStarted = Extract<LogEvent, { type: 'run.started' }>;

/**
 * Cuts the log into runs (pure), by the one rule (`RunSegmenter`): at each run's start, integration
 * with the run its attempt began in, preparatory phases with the run they prepare, and each
 * `run --resume` folded into the run it continues, its events after that run's in log order, so a
 * resumed run is reported as a whole: the features finished before the resume, their times and
 * conflicts, and the integration done after it.
 */
export function segmentRuns(events: readonly LogEvent[]): RunSegment[] {
  return segmenterOf(events).runs();
}

function segmenterOf(events: readonly LogEvent[]): RunSegmenter {
  const segmenter = new RunSegmenter();
  for (const e of events) segmenter.push(e);
  return segmenter;
}

/** A run's features, and the ones its events name that are not among them. */
export interface RunFeatures {
  /** The run's features, in the order its starts list them (then first seen, for a log with no start). */
  ids: string[];
  /** Features only events outside the run's list name (a hand-written hook for another feature). */
  outside: string[];
}

/**
 * The one rule for which features a run has (pure): those its `run.started` events list (a resumed
 * run's starts together). A status line or event naming another feature, such as a completion hook
 * written by hand for a feature the run never started, does not join the run: it is `outside`. Only a
 * log with no start at all (hand-written hooks alone) takes every feature its events name.
 */
export function runFeatures(events: readonly LogEvent[], seen: Iterable<string>): RunFeatures {
  const starts = events.filter((e): e is RunStarted => e.type === 'run.started');
  return splitRunFeatures(starts.length === 0 ? undefined : starts.flatMap((e) => e.feature_ids), seen);
}

/**
 * `runFeatures` given what the run's starts list (undefined when nothing started a run) rather than
 * its events, for a reader that folded them (`baton status`): the named features the list leaves out
 * are `outside`, and with no list every named feature is the run's.
 */
export function splitRunFeatures(listed: readonly string[] | undefined, seen: Iterable<string>): RunFeatures {
  const named = [...new Set(seen)];
  if (listed === undefined) return { ids: named, outside: [] };
  const ids = [...new Set(listed)];
  const members = new Set(ids);
  return { ids, outside: named.filter((id) => !members.has(id)) };
}

/** The runs in the log, oldest first (pure). */
export function listRuns(events: readonly LogEvent[]): RunSummary[] {
  return segmentRuns(events).map((s) => ({
    run_id: s.run_id,
    started_at: s.started_at,
    resumed_by: s.resumed_by,
    events: s.events.length,
  }));
}

/**
 * The events of one run (pure): the run `runId` names (`namesRun`), or by default the run the
 * latest `run.started` belongs to (the whole log when no run was ever started). Undefined when
 * `runId` names no run.
 */
export function selectRun(events: readonly LogEvent[], runId?: string): RunSegment | undefined {
  const segmenter = segmenterOf(events);
  if (runId === undefined) return segmenter.latest();
  return segmenter.runs().find((s) => namesRun(s, runId));
}

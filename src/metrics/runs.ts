import type { LogEvent } from '../log/events.js';

/** One run as the log records it: its id (null for a log with no `run.started`) and its events. */
export interface RunSegment {
  run_id: string | null;
  started_at: string | null;
  /** Ids of the `run --resume` starts that continue this run, oldest first (see `continuedRun`). */
  resumed_by: string[];
  events: LogEvent[];
}

/** A run found in the log, for `--run` and for choosing the default. */
export interface RunSummary {
  run_id: string | null;
  started_at: string | null;
  resumed_by: string[];
  events: number;
}

type RunStarted = Extract<LogEvent, { type: 'run.started' }>;

/** Phases the method places before implementation: recorded after a run, they prepare the next one. */
const PREPARATORY_PHASES: ReadonlySet<string> = new Set(['specification', 'planning']);

function isPhaseEvent(e: LogEvent): boolean {
  return e.type === 'phase.started' || e.type === 'phase.ended';
}

/**
 * Which earlier start a `run --resume` start continues (pure), as an index into `earlier` (the
 * log's earlier starts, oldest first); undefined for a fresh start. `run.started` says only that it
 * resumes, not what, so the log decides: the latest earlier start under the same run id (a queued
 * resume goes on under its run's id, and lists only the features it still follows, maybe none) or
 * that lists one of the features the resume lists, since a resume goes on with those features where
 * that start left them. A resume of features no earlier start lists continues nothing and is a run
 * of its own.
 */
export function continuedRun(start: RunStarted, earlier: readonly RunStarted[]): number | undefined {
  if (start.resume !== true) return undefined;
  const ids = new Set(start.feature_ids);
  for (let i = earlier.length - 1; i >= 0; i--) {
    const e = earlier[i]!;
    if (e.run_id === start.run_id || e.feature_ids.some((id) => ids.has(id))) return i;
  }
  return undefined;
}

function isIntegrationPhase(e: LogEvent | undefined, type: 'phase.started' | 'phase.ended'): boolean {
  return e?.type === type && e.phase === 'integration';
}

/**
 * The one rule for which run an integration event belongs to (pure): the run its attempt began in.
 * An invocation of `baton integrate` (from its `phase.started integration` to its `phase.ended`, or
 * to the next invocation or run when it was killed) that records no `integration.started` of its own
 * is a `--continue` of the latest attempt, so each of its events belongs with that attempt's
 * `integration.started`, even when another run started in between. Returns, per event index, the
 * index of that `integration.started` (only for the events of such an invocation).
 */
export function continuedIntegrationStarts(events: readonly LogEvent[]): Map<number, number> {
  const owner = new Map<number, number>();
  let attempt: number | undefined;
  for (let i = 0; i < events.length; i++) {
    if (events[i]?.type === 'integration.started') attempt = i;
    if (!isIntegrationPhase(events[i], 'phase.started')) continue;
    const before = attempt;
    let end = i + 1;
    for (; end < events.length; end++) {
      const x = events[end];
      if (x?.type === 'integration.started') attempt = end;
      if (x?.type === 'run.started' || isIntegrationPhase(x, 'phase.started')) break;
      if (isIntegrationPhase(x, 'phase.ended')) {
        end++;
        break;
      }
    }
    if (attempt === before && before !== undefined) for (let j = i; j < end; j++) owner.set(j, before);
    i = end - 1;
  }
  return owner;
}

/**
 * Cuts the log where each run starts (pure): a run owns everything from its `run.started` up to the
 * next one with another id, so integration done after a run belongs to it, and an integration
 * continued after another run started still belongs to the run it began in
 * (`continuedIntegrationStarts`). Phase events are the exception: specification and planning
 * recorded after a run's last activity prepare the next run and move to it, as does a prelude made
 * only of phase events; with no next run they are left out (they belong to a run not started yet).
 */
function cutAtStarts(events: readonly LogEvent[]): RunSegment[] {
  const segments: RunSegment[] = [];
  const continued = continuedIntegrationStarts(events);
  // The segment each `integration.started` landed in, for the continuations that go back to it.
  const segmentAt = new Map<number, RunSegment>();
  let current: RunSegment = { run_id: null, started_at: null, resumed_by: [], events: [] };
  events.forEach((e, i) => {
    if (e.type === 'run.started' && e.run_id !== current.run_id) {
      if (current.events.length > 0) segments.push(current);
      current = { run_id: e.run_id, started_at: e.ts, resumed_by: [], events: [] };
    }
    const start = continued.get(i);
    const into = (start === undefined ? undefined : segmentAt.get(start)) ?? current;
    into.events.push(e);
    if (e.type === 'integration.started') segmentAt.set(i, into);
  });
  if (current.events.length > 0) segments.push(current);

  const out: RunSegment[] = [];
  let carried: LogEvent[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const evs = [...carried, ...seg.events];
    carried = [];
    let lastActivity = -1;
    for (let j = evs.length - 1; j >= 0; j--) {
      if (!isPhaseEvent(evs[j]!)) {
        lastActivity = j;
        break;
      }
    }
    let split = evs.length;
    if (lastActivity === -1) {
      split = 0; // only phase events: all of them prepare the next run
    } else {
      for (let j = lastActivity + 1; j < evs.length; j++) {
        const e = evs[j]!;
        if (e.type === 'phase.started' && PREPARATORY_PHASES.has(e.phase)) {
          split = j;
          break;
        }
      }
    }
    const isLast = i === segments.length - 1;
    if (isLast && lastActivity === -1) {
      // A log of phase events alone is still a report (the methodology's worksheet, by hand).
      out.push({ ...seg, events: evs });
      continue;
    }
    if (!isLast) carried = evs.slice(split);
    const kept = evs.slice(0, split);
    if (kept.length > 0) out.push({ ...seg, events: kept });
  }
  return out;
}

/** The `run.started` that opens a cut segment, if it has one. */
function startOf(seg: RunSegment): RunStarted | undefined {
  for (const e of seg.events) if (e.type === 'run.started' && e.run_id === seg.run_id) return e;
  return undefined;
}

/**
 * Cuts the log into runs (pure): at each run's start (see `cutAtStarts`), then each `run --resume`
 * folded into the run it continues (`continuedRun`), its events after that run's in log order, so a
 * resumed run is reported as a whole: the features finished before the resume, their times and
 * conflicts, and the integration done after it.
 */
export function segmentRuns(events: readonly LogEvent[]): RunSegment[] {
  const cut = cutAtStarts(events);
  const runs: RunSegment[] = [];
  // For each start seen so far: the start, and the run (index in `runs`) it belongs to.
  const starts: RunStarted[] = [];
  const runOfStart: number[] = [];
  for (const seg of cut) {
    const start = startOf(seg);
    const continued = start ? continuedRun(start, starts) : undefined;
    const into = continued === undefined ? undefined : runOfStart[continued];
    const run = into === undefined ? undefined : runs[into];
    if (run && start) {
      // A loop, not a spread: a segment of millions of events would overflow the stack as arguments.
      for (const e of seg.events) run.events.push(e);
      if (start.run_id !== run.run_id && !run.resumed_by.includes(start.run_id))
        run.resumed_by.push(start.run_id);
    } else {
      runs.push({ ...seg, resumed_by: [], events: [...seg.events] });
    }
    if (start) {
      starts.push(start);
      runOfStart.push(into ?? runs.length - 1);
    }
  }
  return runs;
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

/** Whether `runId` names the run: its own id, or the id of a `run --resume` that continues it. */
export function namesRun(run: Pick<RunSummary, 'run_id' | 'resumed_by'>, runId: string): boolean {
  return run.run_id === runId || run.resumed_by.includes(runId);
}

/**
 * The events of one run (pure): the run `runId` names (`namesRun`), or by default the run the
 * latest `run.started` belongs to (the whole log when no run was ever started). Undefined when
 * `runId` names no run.
 */
export function selectRun(events: readonly LogEvent[], runId?: string): RunSegment | undefined {
  const segments = segmentRuns(events);
  if (runId !== undefined) return segments.find((s) => namesRun(s, runId));
  let lastStart: string | undefined;
  for (let i = events.length - 1; i >= 0 && lastStart === undefined; i--) {
    const e = events[i]!;
    if (e.type === 'run.started') lastStart = e.run_id;
  }
  const latest = lastStart === undefined ? undefined : segments.findLast((s) => namesRun(s, lastStart));
  return latest ?? segments.at(-1);
}

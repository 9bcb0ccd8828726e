import type { LogEvent } from '../log/events.js';

/** One run as the log records it: its id (null for a log with no `run.started`) and its events. */
export interface RunSegment {
  run_id: string | null;
  started_at: string | null;
  events: LogEvent[];
}

/** A run found in the log, for `--run` and for choosing the default. */
export interface RunSummary {
  run_id: string | null;
  started_at: string | null;
  events: number;
}

/** Phases the method places before implementation: recorded after a run, they prepare the next one. */
const PREPARATORY_PHASES: ReadonlySet<string> = new Set(['specification', 'planning']);

function isPhaseEvent(e: LogEvent): boolean {
  return e.type === 'phase.started' || e.type === 'phase.ended';
}

/**
 * Cuts the log into runs (pure). A run owns everything from its `run.started` up to the next run's,
 * so integration done after a run belongs to it. Phase events are the exception: specification and
 * planning recorded after a run's last activity prepare the next run and move to it, as does a
 * prelude made only of phase events; with no next run they are left out (they belong to a run not
 * started yet).
 */
export function segmentRuns(events: readonly LogEvent[]): RunSegment[] {
  const segments: RunSegment[] = [];
  let current: RunSegment = { run_id: null, started_at: null, events: [] };
  for (const e of events) {
    if (e.type === 'run.started' && e.run_id !== current.run_id) {
      if (current.events.length > 0) segments.push(current);
      current = { run_id: e.run_id, started_at: e.ts, events: [] };
    }
    current.events.push(e);
  }
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

/** The runs in the log, oldest first (pure). */
export function listRuns(events: readonly LogEvent[]): RunSummary[] {
  return segmentRuns(events).map((s) => ({
    run_id: s.run_id,
    started_at: s.started_at,
    events: s.events.length,
  }));
}

/**
 * The events of one run (pure): the run named `runId`, or by default the latest run with an id
 * (the whole log when no run was ever started). Undefined when `runId` names no run.
 */
export function selectRun(events: readonly LogEvent[], runId?: string): RunSegment | undefined {
  const segments = segmentRuns(events);
  if (runId !== undefined) return segments.find((s) => s.run_id === runId);
  const withId = segments.filter((s) => s.run_id !== null);
  return withId.at(-1) ?? segments.at(-1);
}

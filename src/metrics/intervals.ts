import { attemptUnitId } from '../contracts/feature-id.js';
import type { LogEvent } from '../log/events.js';
import type { BatonState, FeatureState } from '../log/state.js';

/** A span of time in epoch milliseconds; a missing end (or start) means the log never said. */
export interface Interval {
  start: number | null;
  end: number | null;
}

/**
 * A measured span as the report uses it: a negative one (an end before its start, a negative
 * duration: a forged line or a skewed clock) is clamped to 0 and `what` is added to `backwards`,
 * so it is flagged rather than subtracted from a total (pure).
 */
export function clampElapsed(ms: number, what: string, backwards: string[]): number {
  if (!(ms < 0)) return ms;
  backwards.push(what);
  return 0;
}

/** Clamps an interval whose end is before its start to zero length, flagging it as `clampElapsed` does (pure). */
export function clampInterval(i: Interval, what: string, backwards: string[]): Interval {
  if (i.start === null || i.end === null) return i;
  return { start: i.start, end: i.start + clampElapsed(i.end - i.start, what, backwards) };
}

/** The words a report and `status` use for a clamped span. */
export const CLOCK_BACKWARDS = 'clock went backwards';

/** The words a report and `status` use for a duration the log's own timestamps cannot support. */
export const LONGER_THAN_LOGGED = "longer than the log's timestamps allow";

/** Where a report's doubtful times are named: spans clamped to 0, durations made unknown. */
export interface TimeFlags {
  backwards: string[];
  implausible: string[];
}

/**
 * How far a recorded duration may exceed the span its events' timestamps give it: the agent's clock
 * starts a moment before its start event is written, and timestamps are rounded.
 */
function durationSlackMs(spanMs: number): number {
  return Math.max(10_000, spanMs * 0.1);
}

/**
 * A recorded duration held against the span the log's own timestamps give it (`spanMs`, null when they
 * give none), the one rule the report and `status` share (pure). Not a finite number, or longer than
 * that span by more than a small slack (a forged line), it is unknown: null, with `what` added to
 * `flags.implausible`. A negative one is clamped to 0 and flagged as `clampElapsed` does.
 */
export function checkDuration(
  ms: number,
  spanMs: number | null,
  what: string,
  flags: TimeFlags,
): number | null {
  const span = spanMs === null ? null : Math.max(0, spanMs);
  if (!Number.isFinite(ms) || (span !== null && ms > span + durationSlackMs(span))) {
    flags.implausible.push(what);
    return null;
  }
  return clampElapsed(ms, what, flags.backwards);
}

/** Epoch milliseconds of an event's timestamp, when it has a valid one. */
export function timeOf(e: LogEvent): number | null {
  const ts = (e as { ts?: unknown }).ts;
  if (typeof ts !== 'string') return null;
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : null;
}

/**
 * A folded feature's recorded agent time as `status` shows it, held to the report's rule
 * (`checkDuration`) against the span from its start (or its run's, when earlier: a retry restarts the
 * feature's clock, a duration may cover every launch) to its last event (pure). An impossible one is
 * undefined and `implausible`; a negative one is left for the renderer to flag.
 */
export function foldedAgentTime(
  f: FeatureState,
  runStartedAt: string | undefined,
): { ms: number | undefined; implausible: boolean } {
  if (f.duration_ms === undefined) return { ms: undefined, implausible: false };
  const times = (list: Array<string | undefined>) =>
    list.map((t) => (t === undefined ? Number.NaN : Date.parse(t))).filter(Number.isFinite);
  // A run's launches add up (a retry, a `run --resume`): the first one's start, not the last's.
  const from = times([f.launched_at ?? f.started_at, runStartedAt]);
  const to = times([f.ended_at, f.last_event?.ts]);
  const span = from.length === 0 || to.length === 0 ? null : Math.max(...to) - Math.min(...from);
  const ms = checkDuration(f.duration_ms, span, f.feature_id, { backwards: [], implausible: [] });
  return ms === null ? { ms: undefined, implausible: true } : { ms: f.duration_ms, implausible: false };
}

/** A feature's agent time as `baton status --json` and the dashboard's `/api/state` give it. */
export interface AgentTimeFields {
  /** Milliseconds; 0 for a negative one (flagged), undefined when unknown or impossible (flagged). */
  duration_ms: number | undefined;
  /** Present when the recorded duration was negative (a forged line or a skewed clock). */
  clock_backwards?: true;
  /** Present when the recorded duration is longer than the log's timestamps allow. */
  duration_implausible?: true;
}

/**
 * A folded feature's agent time for a reader of JSON (pure), the one rule `status --json` (which
 * writes an unknown one as null) and the dashboard (which leaves it out) share: `foldedAgentTime`, a
 * negative duration given as 0 and flagged, an impossible one unknown and flagged, never the raw
 * number the log holds.
 */
export function agentTimeFields(f: FeatureState, runStartedAt: string | undefined): AgentTimeFields {
  const recorded = foldedAgentTime(f, runStartedAt);
  return {
    duration_ms: recorded.ms === undefined ? undefined : Math.max(0, recorded.ms),
    ...(recorded.ms !== undefined && recorded.ms < 0 ? { clock_backwards: true as const } : {}),
    ...(recorded.implausible ? { duration_implausible: true as const } : {}),
  };
}

/**
 * A best-of-N attempt's agent time (pure), the one rule `baton status`, the dashboard and the report
 * give it: its unit's (`<feature_id>.a<n>`) recorded agent time by `agentTimeFields`, as a feature's,
 * so the winner's equals its feature's. Never the attempt's span (`attempt.ended`'s `duration_ms`),
 * which holds its checks too.
 */
export function attemptAgentTime(
  state: Pick<BatonState, 'attempt_units' | 'run_started_at'>,
  featureId: string,
  attempt: number,
): AgentTimeFields {
  const unit = state.attempt_units?.[attemptUnitId(featureId, attempt)];
  return unit ? agentTimeFields(unit, state.run_started_at) : { duration_ms: undefined };
}

/** The words beside a doubtful agent time (`agentTimeFields`' flags), as `baton status` prints them. */
export function agentTimeNote(t: AgentTimeFields): string | undefined {
  if (t.duration_implausible) return LONGER_THAN_LOGGED;
  return t.clock_backwards ? CLOCK_BACKWARDS : undefined;
}

/**
 * Total time covered by the intervals, overlaps counted once, in milliseconds (pure). Null when
 * there are none or any of them lacks an end or a start: a partial sum would pass for a measurement.
 */
export function coveredMs(intervals: readonly Interval[]): number | null {
  if (intervals.length === 0) return null;
  const spans: Array<[number, number]> = [];
  for (const i of intervals) {
    if (i.start === null || i.end === null) return null;
    spans.push([i.start, Math.max(i.start, i.end)]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [curStart, curEnd] = spans[0]!;
  for (const [s, e] of spans.slice(1)) {
    if (s > curEnd) {
      total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else if (e > curEnd) {
      curEnd = e;
    }
  }
  return total + (curEnd - curStart);
}

/** A phase's span, with where its start and end events are in the log (-1 for one not recorded). */
export interface PhaseSpan extends Interval {
  startAt: number;
  endAt: number;
}

/**
 * Pairs `phase.started` with `phase.ended` by name, an end closing the latest open start, in order
 * of each phase's first appearance (pure): each span with the places of its events in the log.
 */
export function pairPhases(events: readonly LogEvent[]): Map<string, PhaseSpan[]> {
  const phases = new Map<string, PhaseSpan[]>();
  const list = (name: string) => {
    let l = phases.get(name);
    if (!l) {
      l = [];
      phases.set(name, l);
    }
    return l;
  };
  events.forEach((e, at) => {
    if (e.type === 'phase.started') {
      list(e.phase).push({ start: timeOf(e), end: null, startAt: at, endAt: -1 });
    } else if (e.type === 'phase.ended') {
      const l = list(e.phase);
      const open = l.findLast((i) => i.end === null && i.start !== null);
      if (open) {
        open.end = timeOf(e);
        open.endAt = at;
      } else l.push({ start: null, end: timeOf(e), startAt: -1, endAt: at });
    }
  });
  return phases;
}

/**
 * Whether `phase` is open in `events`: a start no end has closed, which the next `phase.ended` of that
 * name would close (`pairPhases`, pure). A run that goes on under its id (a queued resume) starts the
 * phase again only when it is not open, and so ends no phase it did not start.
 */
export function isPhaseOpen(events: readonly LogEvent[], phase: string): boolean {
  return (pairPhases(events).get(phase) ?? []).some((span) => span.start !== null && span.end === null);
}

/** The phases' spans as `pairPhases` pairs them, by name (pure). */
export function collectPhaseIntervals(events: readonly LogEvent[]): Map<string, Interval[]> {
  return new Map(
    [...pairPhases(events)].map(([name, spans]) => [name, spans.map(({ start, end }) => ({ start, end }))]),
  );
}

/**
 * The run's own intervals, `run.started` to its `run.ended` (pure); an end with no start open, or of
 * another run than the one open, adds none.
 */
export function collectRunIntervals(events: readonly LogEvent[]): Interval[] {
  const out: Interval[] = [];
  let open: Interval | undefined;
  let openRun: string | undefined;
  for (const e of events) {
    if (e.type === 'run.started') {
      // A resume that re-attached to the run's agents continues the run: its span goes on.
      if (open && open.end === null && openRun === e.run_id) continue;
      open = { start: timeOf(e), end: null };
      openRun = e.run_id;
      out.push(open);
    } else if (e.type === 'run.ended' && e.run_id === openRun) {
      // An earlier run's end landing after this run started does not end this run's span.
      closeSpan(out, open, e);
      open = undefined;
    }
  }
  return out;
}

/**
 * The integration's running spans (pure): each `integration.ended` closes the span of its own
 * invocation of `baton integrate`, which began at its `phase.started integration` (or its
 * `integration.started`): from its `integration.started` when it made one, else its recorded
 * duration back from its end, never reaching before the invocation began. So the time an
 * integration waited between invocations (a conflict for a person, a refused `--into`) is not
 * integration time, also in logs whose `--continue` recorded the time since the first start. An end
 * with neither its own start nor its invocation's adds no span.
 */
export function collectIntegrationIntervals(events: readonly LogEvent[]): Interval[] {
  const out: Interval[] = [];
  let open: Interval | undefined;
  let invoked: number | null = null;
  for (const e of events) {
    if (e.type === 'phase.started' && e.phase === 'integration') {
      invoked = timeOf(e);
    } else if (e.type === 'integration.started') {
      open = { start: timeOf(e), end: null };
      out.push(open);
    } else if (e.type === 'integration.ended') {
      // A start left open by an earlier invocation (Baton killed) is not this invocation's to close.
      const own = open?.start != null && invoked !== null && open.start < invoked ? undefined : open;
      closeSpan(out, own, e, invoked);
      open = undefined;
      invoked = null;
    }
  }
  return out;
}

/**
 * Closes the open span at its end event, or, with none open, adds the span the end's duration stands
 * for when `floor` (its invocation's start) bounds it: starting no earlier than the floor, the
 * duration can claim no more than the log's timestamps allow. An end with neither (a second
 * `run.ended`, a line appended by another process) adds nothing: no timestamp could check its duration.
 */
function closeSpan(
  out: Interval[],
  open: Interval | undefined,
  e: LogEvent & { duration_ms: number },
  floor: number | null = null,
): void {
  const end = timeOf(e);
  if (open && open.end === null) open.end = end;
  else if (floor !== null)
    out.push({ start: end === null ? null : Math.max(end - e.duration_ms, floor), end });
}

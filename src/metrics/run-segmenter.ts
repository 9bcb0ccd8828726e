/**
 * The one rule that cuts the log into runs (pure), fed one event at a time: `baton report` feeds it the
 * whole log (`segmentRuns`, `selectRun`), the dashboard each event as it is appended, so both cut the
 * same runs. The dashboard also has it forget the events of every run but the latest as runs start.
 */
import type { LogEvent } from '../log/events.js';
import {
  type Cut,
  type CutRun,
  copyCut,
  forgetCut,
  landIn,
  namesRun,
  type Piece,
  RunClaims,
} from './run-cuts.js';

export { namesRun } from './run-cuts.js';

/** One run as the log records it: its id (null for a log with no `run.started`) and its events. */
export interface RunSegment {
  run_id: string | null;
  started_at: string | null;
  /** Ids of the `run --resume` starts that continue this run, oldest first (see `continuedRun`). */
  resumed_by: string[];
  events: LogEvent[];
}

type RunStarted = Extract<LogEvent, { type: 'run.started' }>;

/** Phases the method places before implementation: recorded after a run, they prepare the next one. */
const PREPARATORY_PHASES: ReadonlySet<string> = new Set(['specification', 'planning']);

function isIntegrationPhase(e: LogEvent, type: 'phase.started' | 'phase.ended'): boolean {
  return e.type === type && e.phase === 'integration';
}

function isPreparatoryStart(e: LogEvent): e is Extract<LogEvent, { type: 'phase.started' }> {
  return e.type === 'phase.started' && PREPARATORY_PHASES.has(e.phase);
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
function continuedRun(start: RunStarted, earlier: readonly RunStarted[]): number | undefined {
  if (start.resume !== true) return undefined;
  const ids = new Set(start.feature_ids);
  for (let i = earlier.length - 1; i >= 0; i--) {
    const e = earlier[i]!;
    if (e.run_id === start.run_id || e.feature_ids.some((id) => ids.has(id))) return i;
  }
  return undefined;
}

/**
 * Which of the phase events after a cut's last activity prepare the next run, by index in `tail`
 * (pure): each specification or planning phase started there, with its end. The rest stay: another
 * phase recorded after the run (`fixes`, `review`) is that run's work, and so is the end of a phase
 * it started before.
 */
function preparatoryTail(tail: readonly LogEvent[]): Set<number> {
  const moved = new Set<number>();
  // How many starts of each preparatory phase moved and are still open.
  const open = new Map<string, number>();
  tail.forEach((e, i) => {
    if (isPreparatoryStart(e)) {
      moved.add(i);
      open.set(e.phase, (open.get(e.phase) ?? 0) + 1);
    } else if (e.type === 'phase.ended' && (open.get(e.phase) ?? 0) > 0) {
      moved.add(i);
      open.set(e.phase, (open.get(e.phase) ?? 0) - 1);
    }
  });
  return moved;
}

/**
 * Each cut as part of a run (pure): a cut gives the next one the specification and planning phases
 * recorded after its last activity (`preparatoryTail`), as does a cut made only of phase events (all of
 * them); the last cut has no next one, so its trailing preparatory phases are left out, unless phase
 * events are all it holds (a log of phases alone is still a report).
 */
function piecesOf(cuts: readonly Cut[]): Piece[] {
  const pieces: Piece[] = [];
  let carried: LogEvent[] = [];
  cuts.forEach((cut, i) => {
    const isLast = i === cuts.length - 1;
    const carriedIn = carried;
    carried = [];
    if (!cut.active) {
      // Only phase events (those carried in are phase events too).
      if (isLast) pieces.push({ cut, carried: carriedIn, keep: cut.size, stays: [] });
      else carried = [...carriedIn, ...cut.tail];
      return;
    }
    const moved = preparatoryTail(cut.tail);
    // The cut keeps its events up to the first one moved, then those after it that stay.
    // Indices are added in order: the first is the smallest.
    const first: number = moved.values().next().value ?? cut.tail.length;
    const after = cut.tail.slice(first);
    if (!isLast) carried = after.filter((_, k) => moved.has(first + k));
    pieces.push({
      cut,
      carried: carriedIn,
      keep: cut.size - after.length,
      stays: after.filter((_, k) => !moved.has(first + k)),
    });
  });
  return pieces;
}

/** The pieces gathered into runs (pure): each `run --resume` joins the run it continues (`continuedRun`). */
function runsOf(pieces: readonly Piece[]): CutRun[] {
  const runs: CutRun[] = [];
  // For each start seen so far: the start, and the run (index in `runs`) it belongs to.
  const starts: RunStarted[] = [];
  const runOfStart: number[] = [];
  for (const piece of pieces) {
    const start = piece.cut.start;
    const continued = start ? continuedRun(start, starts) : undefined;
    const into = continued === undefined ? undefined : runOfStart[continued];
    const run = into === undefined ? undefined : runs[into];
    if (run && start) {
      run.pieces.push(piece);
      if (start.run_id !== run.run_id && !run.resumed_by.includes(start.run_id))
        run.resumed_by.push(start.run_id);
    } else {
      const { run_id, started_at } = piece.cut;
      runs.push({ run_id, started_at, resumed_by: [], pieces: [piece] });
    }
    if (start) {
      starts.push(start);
      runOfStart.push(into ?? runs.length - 1);
    }
  }
  return runs;
}

/** An integrate invocation that may be a `--continue` of the attempt in `before`: its events so far. */
interface OpenInvocation {
  before: Cut;
  pending: LogEvent[];
}

/** How a segmenter keeps events. */
export interface RunSegmenterOptions {
  /** Forget the events of every run but the latest each time a run starts (the dashboard's memory). */
  forget?: boolean;
  /** Cuts (by ordinal, `neededCuts`) whose events are never forgotten: for reading a log again. */
  retain?: ReadonlySet<number>;
}

/**
 * Cuts the log into runs as it is fed. A run owns everything from its `run.started` up to the next
 * one with another id, so integration done after a run belongs to it; an integrate invocation (from
 * its `phase.started integration` to its `phase.ended`, or to the next invocation or run when it was
 * killed) that records no `integration.started` of its own is a `--continue` of the latest attempt
 * and belongs with it, even when another run started in between. Phase events are the exception
 * (`piecesOf`), and a `run --resume` joins the run it continues (`runsOf`), its events after that
 * run's, so a resumed run is reported as a whole. A line stamped with another run's id goes with that
 * run wherever it landed (`RunClaims`): two runs interleave when an earlier one still writes.
 */
export class RunSegmenter {
  readonly #forget: boolean;
  #retain: ReadonlySet<number>;
  readonly #cuts: Cut[] = [];
  #current: Cut;
  /** The cut the latest `integration.started` landed in. */
  #attempt: Cut | undefined;
  #open: OpenInvocation | undefined;
  /** The id of the latest `run.started` that has one: the default run is the one it belongs to. */
  #lastStart: string | undefined;
  #lacking = false;

  constructor(options: RunSegmenterOptions = {}) {
    this.#forget = options.forget === true;
    this.#retain = options.retain ?? new Set();
    this.#current = this.#newCut(undefined);
  }

  /**
   * Whether the latest run needs events already forgotten: a `run --resume` of a run that another
   * run's start had made earlier (the log must be read again, `retain`ing `neededCuts`).
   */
  get lacking(): boolean {
    return this.#lacking;
  }

  /**
   * How many events it holds: with `forget`, the latest run's, the phase events a cut may still carry
   * to the next, and an integrate invocation not yet placed.
   */
  get kept(): number {
    let n = this.#open?.pending.length ?? 0;
    // A forgotten cut keeps its tail (phases it may carry) and the stray lines of the latest run.
    for (const cut of this.#cuts) n += cut.events?.length ?? cut.tail.length + cut.strays.length;
    return n;
  }

  /** Cuts the next event of the log. */
  push(e: LogEvent): void {
    if (e.type === 'run.started' && e.run_id !== undefined) this.#lastStart = e.run_id;
    if (this.#open && !this.#followOpen(e)) return;
    const opens = e.type === 'run.started' && e.run_id !== this.#current.run_id;
    if (opens) this.#current = this.#newCut(e);
    if (this.#attempt && isIntegrationPhase(e, 'phase.started'))
      this.#open = { before: this.#attempt, pending: [e] };
    else this.#land(this.#current, e);
    if (opens && this.#forget) this.#forgetEarlier();
  }

  /** Every run of the log, oldest first (`segmentRuns`); only for a segmenter that forgets nothing. */
  runs(): RunSegment[] {
    const claims = this.#claims();
    return claims.runs.map((_, i) => this.#segmentOf(claims, i));
  }

  /**
   * The run the latest `run.started` belongs to (the whole log when no run was ever started), as
   * `selectRun` gives it; undefined for an empty log, or while `lacking`.
   */
  latest(): RunSegment | undefined {
    const claims = this.#claims();
    const i = this.#latestRun(claims.runs);
    const run = claims.runs[i];
    if (!run) return undefined;
    const events = claims.eventsOf(i);
    return events && { run_id: run.run_id, started_at: run.started_at, resumed_by: run.resumed_by, events };
  }

  /** The ordinals of the cuts the latest run is gathered from (`RunClaims.cutsOf`). */
  neededCuts(): number[] {
    const claims = this.#claims();
    return claims.cutsOf(this.#latestRun(claims.runs));
  }

  /** Stops retaining (`retain`) and forgets what the latest run does not need. */
  release(): void {
    this.#retain = new Set();
    if (this.#forget) this.#forgetEarlier();
  }

  /**
   * Places the next event while an invocation is open: its own events wait until it is known whether it
   * continues an attempt. False when the event was taken; true when it comes after the invocation.
   */
  #followOpen(e: LogEvent): boolean {
    const open = this.#open!;
    if (e.type === 'run.started' || isIntegrationPhase(e, 'phase.started')) {
      this.#settle(open.before);
      return true;
    }
    open.pending.push(e);
    // An attempt of its own: the invocation is no continuation.
    if (e.type === 'integration.started') this.#settle(this.#current);
    else if (isIntegrationPhase(e, 'phase.ended')) this.#settle(open.before);
    return false;
  }

  #settle(into: Cut): void {
    for (const e of this.#open!.pending) this.#land(into, e);
    this.#open = undefined;
  }

  #land(cut: Cut, e: LogEvent): void {
    landIn(cut, e);
    if (e.type === 'integration.started') this.#attempt = cut;
  }

  #newCut(start: RunStarted | undefined): Cut {
    const cut: Cut = {
      ordinal: this.#cuts.length,
      run_id: start ? start.run_id : null,
      started_at: start ? start.ts : null,
      start: undefined,
      events: [],
      size: 0,
      tail: [],
      active: false,
      strays: [],
      strayIds: new Set(),
      straysForgotten: new Set(),
    };
    this.#cuts.push(cut);
    return cut;
  }

  /** The runs as they stand, an open invocation placed as a log ending now places it (a continuation). */
  #claims(): RunClaims {
    const open = this.#open;
    const cuts = this.#cuts.filter((c) => c.size > 0);
    if (open) {
      const i = cuts.indexOf(open.before);
      const cut = copyCut(open.before);
      for (const e of open.pending) landIn(cut, e);
      cuts[i] = cut;
    }
    const pieces = piecesOf(cuts);
    return new RunClaims(runsOf(pieces), pieces);
  }

  /** The index of the run the latest start belongs to (the last run when none has an id). */
  #latestRun(runs: readonly CutRun[]): number {
    const id = this.#lastStart;
    const named = id === undefined ? -1 : runs.findLastIndex((r) => namesRun(r, id));
    return named === -1 ? runs.length - 1 : named;
  }

  #segmentOf(claims: RunClaims, i: number): RunSegment {
    const run = claims.runs[i]!;
    const events = claims.eventsOf(i);
    // A bug, not a state of the log: only a segmenter that forgets nothing lists every run.
    if (!events) throw new Error('RunSegmenter.runs() on a segmenter that forgot events');
    return { run_id: run.run_id, started_at: run.started_at, resumed_by: run.resumed_by, events };
  }

  /** Forgets the events of the cuts the latest run is not made of (but those retained). */
  #forgetEarlier(): void {
    const claims = this.#claims();
    const latest = this.#latestRun(claims.runs);
    const own = new Set(claims.piecesOf(latest));
    const names = claims.namesOf(latest);
    for (const cut of this.#cuts)
      if (!own.has(cut.ordinal) && !this.#retain.has(cut.ordinal)) forgetCut(cut, names);
    this.#lacking = latest >= 0 && claims.eventsOf(latest) === undefined;
  }
}

/**
 * The stretches of the log the run segmenter cuts (`RunSegmenter`), and how a run's events are gathered
 * from them (pure): by place (its pieces), except a line stamped with another run's id (`run_id`, which
 * `baton run` puts on every line it writes, and its agents' hooks on theirs), which goes with that run
 * wherever it landed. Two runs interleave: an earlier run's features still write, and its `run.ended`
 * arrives, after the next run started; by place alone those lines were the later run's. Phase events
 * go by place (`piecesOf` carries the preparatory ones to the run they prepare), and so does a line
 * with no stamp (a hook written by hand, `baton phase`, `baton integrate`).
 */
import type { LogEvent } from '../log/events.js';

type RunStarted = Extract<LogEvent, { type: 'run.started' }>;

/**
 * A stretch of the log cut where a run starts: the events from a `run.started` up to the next start
 * with another id, and the integration continued into it later (the first cut holds what comes
 * before any start).
 */
export interface Cut {
  /** Its place among the cuts (the first is 0), the same however often the same log is read. */
  readonly ordinal: number;
  readonly run_id: string | null;
  readonly started_at: string | null;
  /** Its first `run.started` under its own id: the one that opened it. */
  start: RunStarted | undefined;
  /** Its events in the order they landed in it; undefined once forgotten. */
  events: LogEvent[] | undefined;
  /** How many events landed in it, forgotten or not. */
  size: number;
  /** Its events after the last one that is not a phase event (all of them while there is none). */
  tail: LogEvent[];
  /** Whether an event other than a phase event landed in it. */
  active: boolean;
  /** Its lines stamped with another run's id than its own (`strayStamp`), in order, but those forgotten. */
  strays: LogEvent[];
  /** The ids of its `strays`, forgotten or not. */
  strayIds: Set<string>;
  /** The ids whose `strays` were forgotten (`forgetCut`). */
  straysForgotten: Set<string>;
}

/**
 * A cut as part of a run: the phase events carried into it from the cut before, then its first `keep`
 * events, then `stays`: the events after those that it keeps (the other phases' among the preparatory
 * ones it gives the next cut).
 */
export interface Piece {
  cut: Cut;
  carried: LogEvent[];
  keep: number;
  stays: LogEvent[];
}

/** A run as its pieces, in log order. */
export interface CutRun {
  run_id: string | null;
  started_at: string | null;
  resumed_by: string[];
  pieces: Piece[];
}

/** Whether `runId` names the run: its own id, or the id of a `run --resume` that continues it. */
export function namesRun(run: Pick<CutRun, 'run_id' | 'resumed_by'>, runId: string): boolean {
  return run.run_id === runId || run.resumed_by.includes(runId);
}

/** Whether an event is a phase's start or end. */
export function isPhaseEvent(e: LogEvent): boolean {
  return e.type === 'phase.started' || e.type === 'phase.ended';
}

/**
 * The run id that may claim a line: its stamp, but for a phase event and a plain `{feature_id, status}`
 * line (a hook written by hand), which go by their place. The fold asks it too (`earlierRunsLine`).
 */
export function stampOf(e: LogEvent): string | undefined {
  return e.type === undefined || isPhaseEvent(e) ? undefined : e.run_id;
}

/** The id of another run than the cut's own that `e`, landed in `cut`, is stamped with; else undefined. */
function strayStamp(cut: Cut, e: LogEvent): string | undefined {
  const stamp = stampOf(e);
  return stamp === cut.run_id ? undefined : stamp;
}

/** Adds an event to a cut. */
export function landIn(cut: Cut, e: LogEvent): void {
  if (e.type === 'run.started' && cut.start === undefined && e.run_id === cut.run_id) cut.start = e;
  cut.events?.push(e);
  cut.size++;
  const stray = strayStamp(cut, e);
  if (stray !== undefined) {
    cut.strays.push(e);
    cut.strayIds.add(stray);
  }
  if (isPhaseEvent(e)) {
    cut.tail.push(e);
  } else {
    cut.tail = [];
    cut.active = true;
  }
}

/** A copy of a cut that more events can land in, leaving the cut as it is. */
export function copyCut(cut: Cut): Cut {
  return {
    ...cut,
    events: cut.events && [...cut.events],
    tail: [...cut.tail],
    strays: [...cut.strays],
    strayIds: new Set(cut.strayIds),
    straysForgotten: new Set(cut.straysForgotten),
  };
}

/**
 * Forgets a cut's events but the stray lines run `names` claims: what a reader that keeps one run
 * keeps of a cut that run is not made of.
 */
export function forgetCut(cut: Cut, names: ReadonlySet<string>): void {
  cut.events = undefined;
  cut.strays = cut.strays.filter((e) => {
    const id = strayStamp(cut, e) ?? '';
    if (!names.has(id)) cut.straysForgotten.add(id);
    return names.has(id);
  });
}

/**
 * The runs as the gathering sees them: each run id's run (`namesRun`), by index; an id two runs answer
 * to (a fresh start reusing an id) names none, and its lines go by place.
 */
export class RunClaims {
  readonly runs: readonly CutRun[];
  readonly #pieces: readonly Piece[];
  readonly #runOfPiece = new Map<Piece, number>();
  readonly #named = new Map<string, number | null>();

  /** `pieces`: every run's, in log order, as `runs` holds them. */
  constructor(runs: readonly CutRun[], pieces: readonly Piece[]) {
    this.runs = runs;
    this.#pieces = pieces;
    runs.forEach((run, i) => {
      for (const p of run.pieces) this.#runOfPiece.set(p, i);
      const names = new Set([...(run.run_id === null ? [] : [run.run_id]), ...run.resumed_by]);
      for (const id of names) this.#named.set(id, this.#named.has(id) ? null : i);
    });
  }

  /** The ids that name run `index` alone. */
  namesOf(index: number): Set<string> {
    return new Set([...this.#named].filter(([, i]) => i === index).map(([id]) => id));
  }

  /** The run that claims a line by its stamp; undefined when it goes by place. */
  #claimer(e: LogEvent): number | undefined {
    const stamp = stampOf(e);
    return (stamp === undefined ? undefined : this.#named.get(stamp)) ?? undefined;
  }

  /** Whether a piece of another run holds stray lines of run `index`. */
  #holdsStrays(p: Piece, index: number): boolean {
    for (const id of p.cut.strayIds) if (this.#named.get(id) === index) return true;
    return false;
  }

  /** The ordinals of the cuts run `index` is gathered from (those a reader that forgets must keep). */
  cutsOf(index: number): number[] {
    const pieces = this.#pieces.filter(
      (p) => this.#runOfPiece.get(p) === index || this.#holdsStrays(p, index),
    );
    return [...new Set(pieces.map((p) => p.cut.ordinal))];
  }

  /** The ordinals of the cuts run `index`'s pieces are. */
  piecesOf(index: number): number[] {
    return (this.runs[index]?.pieces ?? []).map((p) => p.cut.ordinal);
  }

  /** Run `index`'s events in the order the report reads them; undefined when some were forgotten. */
  eventsOf(index: number): LogEvent[] | undefined {
    const events: LogEvent[] = [];
    const names = this.namesOf(index);
    for (const piece of this.#pieces) {
      const { cut, carried, keep, stays } = piece;
      if (this.#runOfPiece.get(piece) !== index) {
        if (!this.#holdsStrays(piece, index)) continue;
        for (const id of cut.straysForgotten) if (names.has(id)) return undefined;
        for (const e of cut.strays) if (this.#claimer(e) === index) events.push(e);
        continue;
      }
      if (!cut.events) return undefined;
      const mine = (e: LogEvent) => (this.#claimer(e) ?? index) === index;
      // Loops, not spreads: a run of millions of events would overflow the stack as arguments.
      for (const e of carried) events.push(e);
      for (let i = 0; i < keep; i++) {
        const e = cut.events[i]!;
        if (mine(e)) events.push(e);
      }
      for (const e of stays) if (mine(e)) events.push(e);
    }
    return events;
  }
}

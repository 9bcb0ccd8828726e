import { statSync } from 'node:fs';
import type { LogEvent } from '../log/events.js';
import { applyEvent, type BatonState, initialState } from '../log/fold.js';
import { type LogProblem, readLog } from '../log/read.js';

/** An event of the log with its position among all events read since the log was (re)started. */
export interface SequencedEvent {
  seq: number;
  event: LogEvent;
}

/** What one read of the log appended to the state. */
export interface LogDelta {
  events: SequencedEvent[];
  /** Features whose folded state may have changed. */
  changed: string[];
  /** Whether run-level fields (run, phases, integration) may have changed. */
  runChanged: boolean;
  /** The log was truncated or replaced: the state was folded again from its start. */
  reset: boolean;
  problems: LogProblem[];
}

/** Event types that change only the state of the feature they name. */
const FEATURE_ONLY = new Set<string | undefined>([
  undefined,
  'worktree.created',
  'feature.started',
  'agent.exited',
  'hook',
  'feature.ended',
  'feature.escaped',
  'user.intervention',
  'check.passed',
  'check.failed',
  'check.unverifiable',
]);

/**
 * The log folded incrementally: each `read()` parses only the bytes appended since the last one,
 * applies them to the state kept in memory and remembers the latest events (overall and per
 * feature), so no request ever re-reads the whole file.
 */
export class LiveLog {
  readonly path: string;
  #state: BatonState = initialState();
  #offset = 0;
  #line = 0;
  #ino: number | undefined;
  #seq = 0;
  #recent: SequencedEvent[] = [];
  #byFeature = new Map<string, SequencedEvent[]>();
  #problems: LogProblem[] = [];
  #all: LogEvent[] | undefined;
  readonly #keepRecent: number;
  readonly #keepPerFeature: number;

  constructor(
    path: string,
    options: { keepRecent?: number; keepPerFeature?: number; keepAll?: boolean } = {},
  ) {
    this.path = path;
    this.#keepRecent = options.keepRecent ?? 200;
    this.#keepPerFeature = options.keepPerFeature ?? 200;
    if (options.keepAll) this.#all = [];
  }

  /** The folded state; callers must treat it as read-only. */
  get state(): BatonState {
    return this.#state;
  }

  /** Sequence number of the last event read (0 before any). */
  get seq(): number {
    return this.#seq;
  }

  /** Byte offset just after the last complete line read. */
  get offset(): number {
    return this.#offset;
  }

  /** The latest bad lines of the log (at most 20), with their line numbers. */
  get problems(): readonly LogProblem[] {
    return this.#problems;
  }

  /** The latest events after `afterSeq`, oldest first, at most `limit`. */
  recentEvents(afterSeq = 0, limit = this.#keepRecent): SequencedEvent[] {
    const out = this.#recent.filter((e) => e.seq > afterSeq);
    return out.length > limit ? out.slice(out.length - limit) : out;
  }

  /** Every event read, oldest first, when kept (`keepAll`): the report is computed from all of them. */
  allEvents(): readonly LogEvent[] {
    return this.#all ?? [];
  }

  /** The latest events naming one feature, oldest first. */
  featureEvents(featureId: string): SequencedEvent[] {
    return [...(this.#byFeature.get(featureId) ?? [])];
  }

  /** Whether the file on disk differs from what was read (cheap: one stat). */
  hasNews(): boolean {
    const s = statOrUndefined(this.path);
    if (!s) return this.#offset > 0;
    return s.size !== this.#offset || (this.#ino !== undefined && s.ino !== this.#ino);
  }

  /** Reads what was appended since the last read and folds it in. */
  read(): LogDelta {
    const s = statOrUndefined(this.path);
    let reset = false;
    // A shorter or different file means the log was truncated or replaced: fold it again from its start.
    if ((s === undefined && this.#offset > 0) || (s && (s.size < this.#offset || this.#ino !== s.ino))) {
      reset = this.#offset > 0;
      this.#restart();
    }
    this.#ino = s?.ino;
    if (!s) return { events: [], changed: [], runChanged: reset, reset, problems: [] };
    const chunk = readLog(this.path, { offset: this.#offset, line: this.#line });
    this.#offset = chunk.endOffset;
    this.#line = chunk.endLine;
    const changed = new Set<string>();
    let runChanged = reset;
    const events: SequencedEvent[] = [];
    for (const event of chunk.events) {
      try {
        applyEvent(this.#state, event);
      } catch {
        // An event of a known type with fields of the wrong shape is skipped, as foldEvents does.
        continue;
      }
      const sequenced = { seq: ++this.#seq, event };
      events.push(sequenced);
      this.#all?.push(event);
      this.#remember(sequenced, changed);
      if (!FEATURE_ONLY.has(event.type)) runChanged = true;
    }
    if (chunk.problems.length > 0) this.#problems = [...this.#problems, ...chunk.problems].slice(-20);
    return { events, changed: [...changed], runChanged, reset, problems: chunk.problems };
  }

  #remember(sequenced: SequencedEvent, changed: Set<string>): void {
    pushBounded(this.#recent, sequenced, this.#keepRecent);
    const e = sequenced.event;
    const ids: string[] = [];
    const own = 'feature_id' in e && typeof e.feature_id === 'string' ? e.feature_id : undefined;
    if (own !== undefined) ids.push(own);
    if (e.type === 'run.started' && Array.isArray(e.feature_ids)) ids.push(...e.feature_ids);
    for (const id of ids) {
      changed.add(id);
      let list = this.#byFeature.get(id);
      if (!list) {
        list = [];
        this.#byFeature.set(id, list);
      }
      // run.started names every feature but is not one of their own events.
      if (id === own) pushBounded(list, sequenced, this.#keepPerFeature);
    }
  }

  #restart(): void {
    this.#state = initialState();
    this.#offset = 0;
    this.#line = 0;
    // Sequence numbers keep growing across a restart, so clients never mistake new events for old ones.
    this.#recent = [];
    this.#byFeature.clear();
    this.#problems = [];
    if (this.#all) this.#all = [];
  }
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

function statOrUndefined(path: string): { size: number; ino: number } | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, ino: s.ino };
  } catch {
    return undefined;
  }
}

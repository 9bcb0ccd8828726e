import { featureOfUnit } from '../contracts/feature-id.js';
import type { BatonEventType, LogEvent } from '../log/events.js';
import { applyEvent, type BatonState, initialState, unitAt } from '../log/fold.js';
import { emptyTally, type ProblemTally, tallyProblem } from '../log/problem-tally.js';
import type { LogProblem } from '../log/read.js';
import { LogTailer } from '../log/tail.js';
import type { RunSegment } from '../metrics/run-segmenter.js';
import { KeptRun } from './kept-run.js';

/** An event of the log with its position among all events read since the log was (re)started. */
export interface SequencedEvent {
  seq: number;
  event: LogEvent;
}

/** What one read of the log appended to the state. */
export interface LogDelta {
  /** More was appended than one read takes: read again soon. */
  more?: boolean;
  events: SequencedEvent[];
  /** Features whose folded state may have changed. */
  changed: string[];
  /** Whether run-level fields (run, phases, integration) may have changed. */
  runChanged: boolean;
  /**
   * Whether the fold changed the status of a feature (or attempt) an event names: whatever the line's
   * type, the board and the report's headline (which features completed) move with it.
   */
  statusChanged: boolean;
  /** The log was truncated or replaced: the state was folded again from its start. */
  reset: boolean;
  problems: LogProblem[];
}

/** Whether each event type changes only the state of the feature it names (typed: a new type must be placed). */
const FEATURE_ONLY = {
  'run.started': false,
  'run.ended': false,
  'phase.started': false,
  'phase.ended': false,
  'worktree.created': true,
  'setup.started': true,
  'setup.ended': true,
  'feature.started': true,
  'agent.exited': true,
  hook: true,
  'feature.ended': true,
  // Unattributed escapes are run-level, and the run view lists every escape (`describeRun`).
  'feature.escaped': false,
  'user.intervention': true,
  'agent.retrying': true,
  'check.passed': true,
  'check.failed': true,
  'check.unverifiable': true,
  'integration.started': false,
  'merge.clean': false,
  'merge.conflict': false,
  'merge.skipped': false,
  'integration.tested': false,
  'integration.ended': false,
  'integration.discarded': false,
  // A collision names two features, not one.
  'collision.detected': false,
  'collision.resolved': false,
  'queue.job': true,
  'attempt.started': true,
  'attempt.ended': true,
  'attempt.selected': true,
  'attempt.picked': true,
} as const satisfies Record<BatonEventType, boolean>;

/** Whether an event (a plain hook line has no type) changes run-level fields. */
function changesRun(e: LogEvent): boolean {
  return e.type !== undefined && !FEATURE_ONLY[e.type];
}

/**
 * The log folded incrementally: each `read()` parses only the bytes appended since the last one,
 * applies them to the state kept in memory and remembers the latest events (overall and per
 * feature), so no request ever re-reads the whole file.
 */
export class LiveLog {
  readonly path: string;
  #state: BatonState = initialState();
  readonly #tailer: LogTailer;
  #seq = 0;
  #recent: SequencedEvent[] = [];
  #byFeature = new Map<string, SequencedEvent[]>();
  #problems: ProblemTally = emptyTally();
  #run: KeptRun | undefined;
  readonly #keepRecent: number;
  readonly #keepPerFeature: number;

  constructor(
    path: string,
    options: { keepRecent?: number; keepPerFeature?: number; keepRun?: boolean } = {},
  ) {
    this.path = path;
    this.#tailer = new LogTailer(path);
    this.#keepRecent = options.keepRecent ?? 200;
    this.#keepPerFeature = options.keepPerFeature ?? 200;
    if (options.keepRun) this.#run = new KeptRun(path);
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
    return this.#tailer.offset;
  }

  /**
   * The log's bad lines as `baton status` keeps them (`tallyProblem`): the first ones, with their line
   * numbers, and how many there are in all.
   */
  get problems(): Readonly<ProblemTally> {
    return this.#problems;
  }

  /** The latest events after `afterSeq`, oldest first, at most `limit`. */
  recentEvents(afterSeq = 0, limit = this.#keepRecent): SequencedEvent[] {
    const out = this.#recent.filter((e) => e.seq > afterSeq);
    return out.length > limit ? out.slice(out.length - limit) : out;
  }

  /**
   * The latest run's events, when kept (`keepRun`): the run `baton report` reports on by default
   * (`selectRun`), the inferred ends of dead runs included; undefined before any event, or when not kept.
   */
  latestRun(): RunSegment | undefined {
    return this.#run?.latest();
  }

  /** How many events are kept for the latest run (`keepRun`): that run's, never the earlier runs'. */
  get runEventsKept(): number {
    return this.#run?.size ?? 0;
  }

  /** The latest events naming one feature (or one attempt, by its unit id `<feature_id>.a<n>`), oldest first. */
  featureEvents(featureId: string): SequencedEvent[] {
    return [...(this.#byFeature.get(featureId) ?? [])];
  }

  /** Whether the file on disk differs from what was read (cheap: one stat). */
  hasNews(): boolean {
    return this.#tailer.hasNews();
  }

  /** Reads what was appended since the last read and folds it in. */
  read(): LogDelta {
    const changed = new Set<string>();
    const events: SequencedEvent[] = [];
    const problems: LogProblem[] = [];
    let runChanged = false;
    let statusChanged = false;
    const { reset } = this.#tailer.read({
      // A shorter or different file means the log was truncated or replaced: fold it again from its start.
      reset: () => {
        this.#restart();
        events.length = 0;
        problems.length = 0;
        changed.clear();
      },
      event: (event) => {
        // Looked up only until one status changed: a long read asks a few events, not every one.
        const before = statusChanged ? undefined : namedStatus(this.#state, event);
        applyEvent(this.#state, event);
        if (!statusChanged && namedStatus(this.#state, event) !== before) statusChanged = true;
        const sequenced = { seq: ++this.#seq, event };
        events.push(sequenced);
        this.#run?.push(event);
        this.#remember(sequenced, changed);
        if (changesRun(event)) runChanged = true;
      },
      problem: (p) => problems.push(p),
    });
    this.#run?.recover(this.#tailer.offset);
    for (const p of problems) tallyProblem(this.#problems, p);
    return {
      events,
      changed: [...changed],
      runChanged: runChanged || reset,
      statusChanged: statusChanged || reset,
      reset,
      problems,
    };
  }

  /** Folds events inferred at read time (a dead run's interruption), never written to the log. */
  applyInferred(inferred: readonly LogEvent[]): LogDelta {
    const changed = new Set<string>();
    const events: SequencedEvent[] = [];
    for (const event of inferred) {
      applyEvent(this.#state, event);
      const sequenced = { seq: ++this.#seq, event };
      events.push(sequenced);
      this.#remember(sequenced, changed);
    }
    this.#run?.pushInferred(inferred);
    return {
      events,
      changed: [...changed],
      runChanged: true,
      statusChanged: true,
      reset: false,
      problems: [],
    };
  }

  /**
   * The features whose state changed after `afterSeq`, from the events kept (`recentEvents`): what a
   * client that has everything up to `afterSeq` needs resent. Undefined when some of those events are no
   * longer kept (too many, or the log was folded again since) or `afterSeq` is not one of this log's.
   */
  changedSince(afterSeq: number): string[] | undefined {
    if (!this.keepsSince(afterSeq)) return undefined;
    const changed = new Set<string>();
    for (const { event } of this.recentEvents(afterSeq))
      for (const id of namedIds(event)) changed.add(featureOf(id));
    return [...changed];
  }

  /**
   * Whether every event after `afterSeq` is still kept, so `recentEvents(afterSeq)` returns each of them:
   * false when more came since than are kept, the log was folded again since, or `afterSeq` is not one of
   * this log's.
   */
  keepsSince(afterSeq: number): boolean {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0 || afterSeq > this.#seq) return false;
    return this.recentEvents(afterSeq).length === this.#seq - afterSeq;
  }

  #remember(sequenced: SequencedEvent, changed: Set<string>): void {
    pushBounded(this.#recent, sequenced, this.#keepRecent);
    const e = sequenced.event;
    const own = 'feature_id' in e && typeof e.feature_id === 'string' ? e.feature_id : undefined;
    for (const id of namedIds(e)) {
      changed.add(featureOf(id));
      let list = this.#byFeature.get(id);
      if (!list) {
        list = [];
        this.#byFeature.set(id, list);
      }
      // run.started and a collision name features but are not one of their own events.
      if (id === own) pushBounded(list, sequenced, this.#keepPerFeature);
    }
  }

  #restart(): void {
    this.#state = initialState();
    // Sequence numbers keep growing across a restart, so clients never mistake new events for old ones.
    this.#recent = [];
    this.#byFeature.clear();
    this.#problems = emptyTally();
    this.#run?.restart();
  }
}

/** The folded status of the feature (or attempt unit, `<feature_id>.a<n>`) an event names, if it has one. */
function namedStatus(state: BatonState, e: LogEvent): string | undefined {
  const id = 'feature_id' in e ? e.feature_id : undefined;
  return typeof id === 'string' ? unitAt(state, id)?.status : undefined;
}

/** The features (or attempt units) an event names: its own, those a run starts, a collision's pair. */
function namedIds(e: LogEvent): string[] {
  const ids: string[] = [];
  if ('feature_id' in e && typeof e.feature_id === 'string') ids.push(e.feature_id);
  if (e.type === 'run.started' && Array.isArray(e.feature_ids)) ids.push(...e.feature_ids);
  // A collision names its pair in `features`: both cards show it (or stop showing it).
  if ((e.type === 'collision.detected' || e.type === 'collision.resolved') && Array.isArray(e.features))
    ids.push(...e.features);
  return ids;
}

/** The feature whose card and detail an id's events change: an attempt's (`<feature_id>.a<n>`) are its feature's. */
function featureOf(id: string): string {
  return id.includes('.') ? featureOfUnit(id) : id;
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

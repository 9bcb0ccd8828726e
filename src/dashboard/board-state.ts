/**
 * The dashboard's live state: the log folded as it grows, the project's contracts, the report on its own
 * timer, and the subscribers told what changed. The routes read it; only the log watcher moves it.
 */
import { randomBytes } from 'node:crypto';
import { attemptUnitId } from '../contracts/feature-id.js';
import { formatUserError, UserError } from '../errors.js';
import {
  findLiveRun,
  interruptionEvents,
  livenessNow,
  type OrchestratorProbe,
  runLiveness,
} from '../guard/liveness.js';
import { type FeatureState, featureAt, pendingFeature } from '../log/fold.js';
import { skippedLogLines, unnamedProblems } from '../log/problem-tally.js';
import { type AgentTimeFields, attemptAgentTime } from '../metrics/intervals.js';
import { computeReport } from '../metrics/report.js';
import type { Report } from '../metrics/types.js';
import { errorMessage } from '../text/error-message.js';
import { clipSent } from './clip.js';
import { LiveLog, type LogDelta } from './live-log.js';
import { deltaMovesReport } from './moves-report.js';
import { describePlan } from './plan-view.js';
import { watchLog } from './tail.js';
import {
  BOARD_COLUMNS,
  countHeadline,
  describeDiagnostics,
  describeRun,
  featureView,
  type HeadlineMetrics,
  type LoadedProject,
  listFeatures,
  type SentEvent,
  type Snapshot,
  type Update,
  withReport,
  withRunTime,
  withWords,
} from './view.js';

/** What a subscriber has to resend: a whole snapshot, some features, the run fields, the headline. */
export interface BoardChange {
  snapshot: boolean;
  features: readonly string[];
  run: boolean;
  metrics: boolean;
}

/** One party told of every change (an event-stream client); closed when the dashboard stops. */
export interface BoardSubscriber {
  changed(change: BoardChange): void;
  close(): void;
}

/** A feature the API can describe: its folded state, its contract file and its recent events. */
export interface FeatureLookup {
  feature: FeatureState;
  contractFile: string | undefined;
  events: SentEvent[];
  /** Best-of-N: the commit each attempt's worktree started from, as the log says (checked before use). */
  attemptBases: Map<number, string>;
  /** The run's base commit, as the log says. */
  runBase: string | undefined;
  /** Best-of-N: the run each attempt's agent last ran in. */
  attemptRuns: Map<number, string>;
  /** Best-of-N: each attempt's agent time (`attemptAgentTime`). */
  attemptTimes: Map<number, AgentTimeFields>;
}

/** How to open the state. */
export interface BoardStateOptions {
  logPath: string;
  /** The repository, whose run lock says which run is live (`runLiveness`). */
  root: string;
  /** Loads the contracts and plan; called at open and again when a new run starts. */
  loadProject: () => Promise<LoadedProject>;
  /** Period of the stat fallback of the log watcher. */
  pollMs?: number;
}

const NO_CHANGE: BoardChange = { snapshot: false, features: [], run: false, metrics: false };

/** The log, the project and the report in memory, kept current by watching the log. */
export class BoardState {
  readonly #options: BoardStateOptions;
  // The latest run's events are kept (never the earlier runs'): the report, like `baton report`'s, is that run's.
  readonly #live: LiveLog;
  readonly #subscribers = new Set<BoardSubscriber>();
  // Set by `open` once the existing log is read, before anyone can reach the state.
  #project!: LoadedProject;
  // A log that cannot be read (a directory, a FIFO, unreadable) is shown as a problem; the page stays up.
  #readError: string | undefined;
  #metrics: HeadlineMetrics | undefined;
  #metricsSeq = -1;
  #report: { value: Report; seq: number } | undefined;
  #reportTimer: NodeJS.Timeout | undefined;
  #nextReportAt = 0;
  #stopWatching: (() => void) | undefined;
  // What a stream's event ids are valid against: this dashboard, and how many times every client had to
  // be sent the whole board (a log folded again, contracts reloaded, the log's readability changed).
  readonly #instance = randomBytes(6).toString('hex');
  #generation = 0;

  private constructor(options: BoardStateOptions) {
    this.#options = options;
    this.#live = new LiveLog(options.logPath, { keepRun: true });
  }

  /** Reads the existing log to its end and loads the project; call `watch()` to follow the log. */
  static async open(options: BoardStateOptions): Promise<BoardState> {
    const state = new BoardState(options);
    while (state.#readLive()?.more) {
      // Read the existing log to its end, slice by slice.
    }
    // A run that died before the dashboard started is interrupted from the first state served, not
    // "running" until the first look at the log (the report, first computed by `watch`, counts it so).
    state.#inferInterruptions();
    state.#project = await options.loadProject();
    return state;
  }

  /** Sequence number of the last event folded. */
  get seq(): number {
    return this.#live.seq;
  }

  /** How many events are kept for the report: the latest run's (`LiveLog.latestRun`), never the earlier runs'. */
  get runEventsKept(): number {
    return this.#live.runEventsKept;
  }

  /** Number of subscribers (connected event-stream clients). */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Starts following the log and computes the first report. */
  watch(): void {
    this.#stopWatching ??= watchLog(this.#options.logPath, () => this.#onNews(), {
      intervalMs: this.#options.pollMs ?? 250,
    });
    this.#scheduleReport();
  }

  /** Adds a subscriber; the returned function removes it. */
  subscribe(subscriber: BoardSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  /** Stops watching and the report timer, and closes every subscriber. */
  close(): void {
    this.#stopWatching?.();
    clearTimeout(this.#reportTimer);
    for (const subscriber of this.#subscribers) subscriber.close();
  }

  /** The whole board, as sent first on every stream and by `/api/state`; text from the log clipped (`clipSent`). */
  snapshot(): Snapshot {
    const live = this.#live;
    const unlisted = unnamedProblems(live.problems);
    return clipSent({
      type: 'snapshot',
      seq: live.seq,
      server_time: new Date().toISOString(),
      log_path: this.#options.logPath,
      columns: BOARD_COLUMNS,
      project: this.#project.plan ? describePlan(this.#project.plan) : null,
      diagnostics: describeDiagnostics(this.#project.diagnostics),
      run: describeRun(live.state),
      features: listFeatures(live.state, this.#project.plan).map((f) =>
        featureView(f, this.#project, live.state),
      ),
      events: withWords(live.recentEvents()),
      metrics: this.#currentMetrics(),
      // The first bad lines, as `baton status` names them; line 0: the log as a whole, in the
      // `log/unusable` words `baton status` prints.
      problems: this.#readError
        ? [...live.problems.problems, { line: 0, message: this.#readError, text: '' }]
        : [...live.problems.problems],
      problem_count: live.problems.problem_count,
      ...(unlisted === undefined ? {} : { problems_unlisted: unlisted }),
      problem_lines: [
        ...skippedLogLines(this.#options.logPath, live.problems),
        ...(this.#readError ? [this.#readError] : []),
      ],
    } satisfies Snapshot);
  }

  /**
   * What changed since `afterSeq`: the named features, the run fields if asked, the newer events (clipped)
   * as many as are kept — each of them when `carriesSince(afterSeq)`, else a snapshot is due instead.
   */
  update(afterSeq: number, ids: readonly string[], run: boolean): Update {
    const live = this.#live;
    return clipSent({
      type: 'update',
      seq: live.seq,
      server_time: new Date().toISOString(),
      ...(run ? { run: describeRun(live.state) } : {}),
      features: ids.map((id) =>
        featureView(featureAt(live.state, id) ?? pendingFeature(id), this.#project, live.state),
      ),
      events: withWords(live.recentEvents(afterSeq)),
      metrics: this.#currentMetrics(),
    } satisfies Update);
  }

  /** Whether an update from `afterSeq` carries every event since (none missed were dropped from those kept). */
  carriesSince(afterSeq: number): boolean {
    return this.#live.keepsSince(afterSeq);
  }

  /** The event-stream id of the message that brings a client up to `seq`: `<instance>.<generation>.<seq>`. */
  eventId(seq: number): string {
    return `${this.#instance}.${this.#generation}.${seq}`;
  }

  /**
   * Where a client that had every message up to `lastEventId` (an `eventId`) resumes: the seq it has and the
   * features changed since; undefined when it must start again from a snapshot (another dashboard's or an
   * earlier generation's id, or events it missed that are no longer kept).
   */
  resumeFrom(lastEventId: string): { afterSeq: number; features: string[] } | undefined {
    const dot = lastEventId.lastIndexOf('.');
    if (lastEventId.slice(0, dot) !== `${this.#instance}.${this.#generation}`) return undefined;
    const raw = lastEventId.slice(dot + 1);
    const afterSeq = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
    const features = this.#live.changedSince(afterSeq);
    return features ? { afterSeq, features } : undefined;
  }

  /** A feature of the plan or the log, or undefined when neither knows the id. */
  lookupFeature(id: string): FeatureLookup | undefined {
    const contract = this.#project.plan?.byId.get(id);
    const known = featureAt(this.#live.state, id);
    const feature = known ?? (contract ? pendingFeature(id) : undefined);
    if (!feature) return undefined;
    const attemptBases = new Map<number, string>();
    const attemptRuns = new Map<number, string>();
    const attemptTimes = new Map<number, AgentTimeFields>();
    for (const a of Object.values(feature.attempts ?? {})) {
      attemptTimes.set(a.attempt, attemptAgentTime(this.#live.state, id, a.attempt));
      const unit = this.#live.state.attempt_units?.[attemptUnitId(id, a.attempt)];
      if (unit?.run_id !== undefined) attemptRuns.set(a.attempt, unit.run_id);
      const created = this.#live
        .featureEvents(attemptUnitId(id, a.attempt))
        .findLast((e) => e.event.type === 'worktree.created');
      if (created?.event.type === 'worktree.created') attemptBases.set(a.attempt, created.event.base_commit);
    }
    return {
      // As the board has it: the detail panel says `unverified` as the card does.
      feature: featureView(feature, this.#project, this.#live.state),
      contractFile: contract?.file,
      events: withWords(this.#live.featureEvents(id)),
      attemptBases,
      attemptRuns,
      attemptTimes,
      runBase: this.#live.state.base_commit,
    };
  }

  #notify(change: BoardChange): void {
    // A whole board to resend makes every earlier event id stale (`resumeFrom`).
    if (change.snapshot) this.#generation++;
    for (const subscriber of this.#subscribers) subscriber.changed(change);
  }

  #readLive(): LogDelta | undefined {
    try {
      const delta = this.#live.read();
      this.#readError = undefined;
      return delta;
    } catch (err) {
      // Shown as a problem on the page: a user error with its code, as the CLI prints it.
      this.#readError = err instanceof UserError ? formatUserError(err) : errorMessage(err);
      return undefined;
    }
  }

  #currentMetrics(): HeadlineMetrics {
    if (!this.#metrics || this.#metricsSeq !== this.#live.seq) {
      const state = this.#live.state;
      const counts = countHeadline(state, this.#project.plan);
      const metrics = this.#report ? withReport(counts, this.#report.value, this.#report.seq) : counts;
      this.#metrics = withRunTime(metrics, state);
      this.#metricsSeq = this.#live.seq;
    }
    return this.#metrics;
  }

  // The report walks the latest run's events (hundreds of ms for 100,000), so it runs apart from the stream: only
  // when an event can move its numbers, and never taking more than about a tenth of the time.
  #scheduleReport(): void {
    if (this.#reportTimer) return;
    this.#reportTimer = setTimeout(() => this.#runReport(), Math.max(0, this.#nextReportAt - Date.now()));
  }

  #runReport(): void {
    this.#reportTimer = undefined;
    const started = performance.now();
    const { plan, estimates } = this.#project;
    // A run whose orchestrator is alive is in progress, as `baton status` and `baton report` say.
    const live = findLiveRun(this.#live.state, runLiveness(this.#options.root));
    const run = this.#live.latestRun();
    try {
      this.#report = {
        value: computeReport({
          events: run?.events ?? [],
          ...(run ? { segment: run } : {}),
          ...(plan ? { plan } : {}),
          ...(estimates ? { estimates } : {}),
          liveRunIds: live ? [live.run_id] : [],
          trustWorkers: this.#project.trustWorkers === true,
        }),
        seq: this.#live.seq,
      };
    } catch {
      // A report that cannot be computed leaves the numbers the fold gives; the board goes on.
      this.#report = undefined;
    }
    this.#nextReportAt = Date.now() + Math.max(1000, (performance.now() - started) * 10);
    this.#metrics = undefined;
    this.#notify({ ...NO_CHANGE, metrics: true });
  }

  async #reloadProject(): Promise<void> {
    this.#project = await this.#options.loadProject();
    this.#metrics = undefined;
    this.#scheduleReport();
    this.#notify({ ...NO_CHANGE, snapshot: true });
  }

  #broadcast(delta: LogDelta, snapshot = false): void {
    this.#notify({
      snapshot: snapshot || delta.reset,
      features: delta.changed,
      run: delta.runChanged,
      metrics: false,
    });
  }

  /**
   * Folds in the end of every open run whose orchestrator is gone (`interruptionEvents`) and tells the
   * subscribers; true when there was one.
   */
  #inferInterruptions(alive: OrchestratorProbe = runLiveness(this.#options.root)): boolean {
    const inferred = interruptionEvents(this.#live.state, alive);
    if (inferred.length === 0) return false;
    this.#broadcast(this.#live.applyInferred(inferred));
    return true;
  }

  #onNews(): void {
    // Who is alive is asked before the log is read: a run that finished meanwhile is read ending, never
    // taken for one whose orchestrator died (its lock is gone before the dashboard reads its last lines).
    const alive = livenessNow(this.#live.state, runLiveness(this.#options.root));
    const more = this.#readNews();
    // The run is over (interrupted), no longer in progress: the report says so too.
    if (!more && this.#inferInterruptions(alive)) this.#scheduleReport();
  }

  /** Reads what the log gained and tells the clients; true when a huge append has more to read. */
  #readNews(): boolean {
    if (!this.#live.hasNews()) return false;
    const hadError = this.#readError;
    const delta = this.#readLive();
    // A log that became unreadable (or readable again) changes the problems: every client gets a snapshot.
    const errorChanged = this.#readError !== hadError;
    if (!delta) {
      if (errorChanged) this.#notify({ ...NO_CHANGE, snapshot: true });
      return false;
    }
    // A huge append is read one slice per turn, so other clients' requests are served in between.
    if (delta.more) setImmediate(() => this.#onNews());
    // Lines it could not read are problems too: the banner lists them (updates carry no problems).
    const problemsChanged = errorChanged || delta.problems.length > 0;
    if (delta.events.length === 0 && !delta.reset) {
      if (problemsChanged) this.#notify({ ...NO_CHANGE, snapshot: true });
      return delta.more === true;
    }
    this.#broadcast(delta, problemsChanged);
    if (deltaMovesReport(delta)) this.#scheduleReport();
    // A new run may come with new or changed contracts.
    if (delta.events.some((e) => e.event.type === 'run.started')) void this.#reloadProject().catch(() => {});
    return delta.more === true;
  }
}

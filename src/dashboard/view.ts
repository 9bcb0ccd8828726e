import { plannedCriteria } from '../checks/criteria.js';
import { type Diagnostic, formatDiagnostic } from '../errors.js';
import type { Plan } from '../graph/types.js';
import { countChecks, unverifiedReason } from '../log/check-reason.js';
import { describeEscapes, escapesByFeature, unattributedEscapes } from '../log/escapes.js';
import type { FeatureStatus } from '../log/events.js';
import type { BatonState, FeatureState } from '../log/fold.js';
import { shownAttempts } from '../log/fold-attempts.js';
import type { LogProblem } from '../log/read.js';
import { fromBaseLackingCut } from '../metrics/conflicts.js';
import { type AgentTimeFields, agentTimeFields, agentTimeNote } from '../metrics/intervals.js';
import { featureRows } from '../metrics/run-rows.js';
import type { Report } from '../metrics/types.js';
import { describeWordedEvent, isWordedEvent, wordedSubject } from '../terminal/event-words.js';
import { palette } from '../terminal/style.js';
import type { SequencedEvent } from './live-log.js';
import type { ProjectView } from './plan-view.js';

/** The board's columns and the statuses each one holds (the page reads this, so it is defined once). */
export const BOARD_COLUMNS = {
  pending: ['pending'],
  running: ['running', 'verifying'],
  'needs-input': ['needs-input'],
  complete: ['complete'],
  failed: ['failed', 'failed-checks', 'timeout', 'interrupted', 'empty', 'collision'],
} as const satisfies Record<string, readonly FeatureStatus[]>;

/** A board column. */
export type BoardColumn = keyof typeof BOARD_COLUMNS;

/** The column a status belongs in. */
export function columnOf(status: FeatureStatus): BoardColumn {
  for (const [column, statuses] of Object.entries(BOARD_COLUMNS)) {
    if ((statuses as readonly string[]).includes(status)) return column as BoardColumn;
  }
  return 'pending';
}

/**
 * A feature as the page gets it: its folded state, its checks n/m counted as `baton status`
 * counts them (`countChecks` with its contract's criteria), so the card never recounts them, and its
 * agent time as `status --json` gives it (`agentTimeFields`: never a negative or impossible duration).
 */
export type FeatureView = FeatureState &
  AgentTimeFields & {
    /** Why its agent time is flagged, in `baton status`'s words (`agentTimeNote`); absent when it is not. */
    duration_note?: string;
    check_count: ReturnType<typeof countChecks>;
    /** `complete` with a criterion without a result, or passed only on a worker (`unverifiedReason`, as `baton status` says). */
    unverified: boolean;
    /** Why it is unverified and what to run, in `baton status`'s words; null when it is not. */
    unverified_reason: string | null;
  };

/**
 * A feature's state for the page (pure): with its checks counted against its contract's criteria, and
 * its agent time held to the duration rule against its run's start (`state.run_started_at`), as `status`
 * does, and its attempts with the status they show (`shownAttempts`).
 */
export function featureView(
  f: FeatureState,
  project: Pick<LoadedProject, 'plan' | 'trustWorkers'>,
  state: Pick<BatonState, 'run_started_at' | 'attempt_units'>,
): FeatureView {
  const { plan } = project;
  const contract = plan?.byId.get(f.feature_id);
  const criteria = contract ? plannedCriteria(contract) : undefined;
  const unverified = unverifiedReason(f, criteria, { trustWorkers: project.trustWorkers === true });
  const time = agentTimeFields(f, state.run_started_at);
  const note = agentTimeNote(time);
  return {
    ...f,
    // Its attempts' marks and detail say `needs-input` while one's agent waits, as `baton status` does.
    ...(f.attempts === undefined ? {} : { attempts: shownAttempts(f, state) }),
    ...time,
    ...(note === undefined ? {} : { duration_note: note }),
    check_count: countChecks(f, 'worktree', criteria),
    unverified: unverified !== undefined,
    unverified_reason: unverified ?? null,
  };
}

/** The project as loaded for the dashboard: a plan when the contracts are valid, and what was wrong. */
export interface LoadedProject {
  plan?: Plan;
  /** Sequential estimates per phase (config `estimates`), for the report's worksheet. */
  estimates?: Record<string, number>;
  diagnostics: Diagnostic[];
  /** The config's `trust_workers`: checks a worker reported count as passed (default false). */
  trustWorkers?: boolean;
}

/**
 * Run-level state: everything folded except the features, and `escapes`: every change agents made
 * outside their worktrees, in the words `baton status` and the report use (`describeEscapes`).
 */
export type RunView = Omit<BatonState, 'features'> & { escapes: string[] };

/** The headline numbers of the run. */
export interface HeadlineMetrics {
  features: number;
  by_column: Record<BoardColumn, number>;
  /** Merges that conflicted during integration (distinct conflicts, once the report is computed), between features. */
  conflicts: number;
  /** Conflicts from a base lacking the commit the features were cut from (`fromBaseLackingCut`), apart; absent when none. */
  conflicts_base_lacks_cut?: number;
  /**
   * Feature branches merged (a resolved conflict included): the report's run's, once it is computed
   * (`integration.merges.clean`); before that the whole log's last integration, as folded.
   */
  merged: number;
  /** The report's headline speedup (`headlineSpeedup`): the implementation's, measured. */
  speedup?: number;
  speedup_basis?: 'measured' | 'estimate';
  /** Which speedup `speedup` is: always the implementation's, the one every output leads with. */
  speedup_scope?: 'total' | 'implementation';
  /** The headline in the words every other output uses. */
  headline_text?: string;
  /** Integration time as a share of execution time, once the report can compute it. */
  integration_ratio?: number;
  /** The report's judgement of that ratio, in words. */
  integration_verdict?: string;
  /** Amdahl's bound for this run: 1 ÷ (s + (1−s)/N). */
  amdahl_bound?: number;
  /** Sequence number of the last event the report included; absent until it was computed. */
  report_seq?: number;
  /**
   * A run continued by `run --resume`, as the report takes it (one run): its first id and start, the
   * resumes' ids, and the implementation's wall-clock over its parts (null while unknown). The header
   * shows it, so the page and the Speedup tile describe the same run.
   */
  run_chain?: {
    run_id: string;
    resumed_by: string[];
    started_at: string | null;
    wall_ms: number | null;
    /** While its last part runs: its ended parts' wall-clock, and that part's start (`RunReport.wall_so_far`). */
    so_far?: { ended_ms: number | null; since: string };
  };
  /** What the timeline draws, once the report is computed (`TimelineView`). */
  timeline?: TimelineView;
  /**
   * The Elapsed tile, the run's wall-clock as the report counts it (`withRunTime`): `ms`, plus the time
   * since `since` while the run goes on; absent when it cannot be told honestly (the page shows `—`).
   */
  elapsed?: { ms: number; since?: string };
}

/**
 * What the page's timeline draws, as `baton report`'s own timeline does: the reported run's features
 * that started, on an axis from the run's start, and the integration as the spans `baton integrate`
 * ran — the spans its integration time sums (`report.timeline.phases`), never the wait between them.
 */
export interface TimelineView {
  /** The reported run's start (a resumed run's first): the axis's +0. */
  origin: string | null;
  /** The reported run's features that started, each drawn from its state on the board. */
  feature_ids: string[];
  /** Each span `baton integrate` ran, oldest first; `end` null while it runs or when none was recorded. */
  integration: Array<{ start: string; end: string | null }>;
}

/** The first message a client gets: everything needed to draw the page. */
export interface Snapshot {
  type: 'snapshot';
  seq: number;
  server_time: string;
  log_path: string;
  columns: typeof BOARD_COLUMNS;
  project: ProjectView | null;
  diagnostics: string[];
  run: RunView;
  features: FeatureView[];
  events: SentEvent[];
  metrics: HeadlineMetrics;
  /** The log's first bad lines, as `baton status` names them (and line 0, a log that cannot be read at all). */
  problems: LogProblem[];
  /** How many bad lines the log has in all, listed or not. */
  problem_count: number;
  /** Those not listed, in `baton status`'s words ("4990 more bad lines skipped …"); absent when every one is. */
  problems_unlisted?: string;
  /** The banner's lines: the bad lines as `baton status` prints them (`skippedLogLines`), then an unreadable log. */
  problem_lines: string[];
}

/** A later message: the current state of what changed since the client's last message. */
export interface Update {
  type: 'update';
  seq: number;
  server_time: string;
  /** Present when run-level fields may have changed. */
  run?: RunView;
  features: FeatureView[];
  /** Events after the client's last message (the latest ones when there were many). */
  events: SentEvent[];
  metrics: HeadlineMetrics;
}

/**
 * An event as the page gets it: for those whose words the terminal owns (`describeWordedEvent`), those
 * words in `text`, led by whom it is about when that is not one feature (a collision's pair).
 */
export type SentEvent = SequencedEvent & { text?: string };

const PLAIN = palette(false);

/** Events for the page, each with the terminal's words where it has them (pure). */
export function withWords(events: readonly SequencedEvent[]): SentEvent[] {
  return events.map((e) => {
    if (!isWordedEvent(e.event)) return e;
    const text = describeWordedEvent(e.event, PLAIN);
    const subject = 'feature_id' in e.event ? undefined : wordedSubject(e.event);
    return { ...e, text: subject ? `${subject}: ${text}` : text };
  });
}

/** The run-level part of a state (pure). */
export function describeRun(state: BatonState): RunView {
  const { features: _features, ...run } = state;
  const escaped = escapesByFeature(state);
  const escapes = describeEscapes(
    [...escaped].map(([feature_id, changes]) => ({ feature_id, escaped: changes })),
    unattributedEscapes(state),
  );
  return { ...run, escapes };
}

/** Every feature to show, as `status` shows them (`featureRows`): the plan's, then the log's, none outside the run. */
export function listFeatures(state: BatonState, plan: Plan | undefined): FeatureState[] {
  return featureRows(
    state,
    (plan?.features ?? []).map((c) => c.feature_id),
  );
}

/** Counts what the fold shows honestly; speedup and integration ratio come from the report. */
export function countHeadline(state: BatonState, plan: Plan | undefined): HeadlineMetrics {
  const by_column: Record<BoardColumn, number> = {
    pending: 0,
    running: 0,
    'needs-input': 0,
    complete: 0,
    failed: 0,
  };
  const features = listFeatures(state, plan);
  for (const f of features) by_column[columnOf(f.status)]++;
  const merges = state.integration.merges;
  const conflicts = merges.filter((m) => m.outcome === 'conflict');
  const lacking = conflicts.filter(fromBaseLackingCut).length;
  return {
    features: features.length,
    by_column,
    conflicts: conflicts.length - lacking,
    ...(lacking > 0 ? { conflicts_base_lacks_cut: lacking } : {}),
    merged: merges.filter((m) => m.outcome === 'clean').length,
  };
}

/** Adds what `baton report` computes to the board counts (pure); unknowns stay absent, never guessed. */
export function withReport(counts: HeadlineMetrics, report: Report, seq: number): HeadlineMetrics {
  // The report's headline, the same number the terminal, markdown, JSON and HTML lead with.
  const { headline } = report;
  const { conflicts_base_lacks_cut: _board, ...board } = counts;
  const lacking = report.conflicts.base_lacks_cut.count;
  return {
    ...board,
    conflicts: report.conflicts.count,
    // The report's run's merges (its delivered attempts, one per feature), not the whole log's last integration.
    merged: report.integration.merges.clean,
    ...(lacking > 0 ? { conflicts_base_lacks_cut: lacking } : {}),
    ...(headline.speedup === null
      ? {}
      : {
          speedup: headline.speedup,
          speedup_scope: 'implementation' as const,
          speedup_basis: 'measured' as const,
        }),
    headline_text: headline.text,
    ...(report.integration.ratio === null ? {} : { integration_ratio: report.integration.ratio }),
    integration_verdict: report.integration.verdict_text,
    ...(report.amdahl.bound === null ? {} : { amdahl_bound: report.amdahl.bound }),
    report_seq: seq,
    ...runChain(report),
    timeline: timelineOf(report),
  };
}

/** The report's timeline for the page (`TimelineView`): its spans in minutes from its origin, as times. */
function timelineOf(report: Report): TimelineView {
  const { origin, phases } = report.timeline;
  const from = origin === null ? Number.NaN : Date.parse(origin);
  const at = (min: number) => new Date(from + Math.round(min * 60_000)).toISOString();
  return {
    origin,
    feature_ids: report.features.filter((f) => f.start_min !== null).map((f) => f.feature_id),
    integration: Number.isNaN(from)
      ? []
      : phases
          .filter((p) => p.phase === 'integration')
          .map((p) => ({ start: at(p.start_min), end: p.end_min === null ? null : at(p.end_min) })),
  };
}

/** The report's run when it was resumed (`HeadlineMetrics.run_chain`); nothing for a run in one part. */
function runChain(report: Report): Pick<HeadlineMetrics, 'run_chain'> {
  const { run } = report;
  if (run.run_id === null || run.resumed_by.length === 0) return {};
  const wall = report.worksheet.rows.find((r) => r.phase === 'implementation')?.parallel_actual_min ?? null;
  return {
    run_chain: {
      run_id: run.run_id,
      resumed_by: [...run.resumed_by],
      started_at: run.started_at,
      wall_ms: wall === null ? null : Math.round(wall * 60_000),
      ...(run.wall_so_far ? { so_far: { ...run.wall_so_far } } : {}),
    },
  };
}

/**
 * The headline's run facts checked against the fold's run (pure): the report's `run_chain` only when the
 * fold's run is one of its parts (a report computed before a new run started describes the run before),
 * and the Elapsed tile. A run in one part: its start to its end, or to now while it runs. A resumed run:
 * its parts' wall-clock, the report's (`wall_ms`; while its last part runs, the ended parts' and that part's
 * time so far). Unknown — never the last part's own span — when a part's end was never recorded (the
 * report says unknown too), or the run's end was inferred (its orchestrator died at an unknown time).
 */
export function withRunTime(metrics: HeadlineMetrics, state: BatonState): HeadlineMetrics {
  const { run_chain: reported, elapsed: _stale, ...rest } = metrics;
  const runId = state.run_id;
  const chain =
    reported && runId !== undefined && (reported.run_id === runId || reported.resumed_by.includes(runId))
      ? reported
      : undefined;
  const elapsed = runElapsed(state, chain);
  return { ...rest, ...(chain ? { run_chain: chain } : {}), ...(elapsed ? { elapsed } : {}) };
}

function runElapsed(
  state: BatonState,
  chain: HeadlineMetrics['run_chain'],
): HeadlineMetrics['elapsed'] | undefined {
  if (chain && state.run_ended_at !== undefined)
    return chain.wall_ms === null ? undefined : { ms: chain.wall_ms };
  if (chain?.so_far) {
    const { ended_ms, since } = chain.so_far;
    return ended_ms === null ? undefined : { ms: ended_ms, since };
  }
  if (state.run_end_inferred || state.run_started_at === undefined) return undefined;
  if (state.run_ended_at === undefined) return { ms: 0, since: state.run_started_at };
  return { ms: Date.parse(state.run_ended_at) - Date.parse(state.run_started_at) };
}

/** Diagnostics as the lines shown in the page's banner. */
export function describeDiagnostics(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d));
}

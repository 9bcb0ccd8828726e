/**
 * `computeReport`: the whole report from the log, pure. It holds the wiring of the parts (features,
 * worksheet rows, integration, Amdahl, timeline) in one place so every renderer reads one set of
 * numbers; each part's rule lives in its own module (worksheet.ts, headline.ts, integration.ts, …).
 */
import type { Plan } from '../graph/types.js';
import { escapesByFeature, unattributedEscapes } from '../log/escapes.js';
import type { LogEvent } from '../log/events.js';
import { foldEvents } from '../log/fold.js';
import { buildAmdahl } from './amdahl.js';
import { buildBestOfN, isAttemptUnit, summariseBestOfN, withWinnerScans } from './attempts.js';
import { summariseCollisions } from './collisions.js';
import { buildConflicts } from './conflicts.js';
import { buildGraph, measuredCriticalPath, plannedCriticalPath } from './critical-path.js';
import { diagnoseReport } from './diagnose.js';
import {
  agentSpans,
  buildFeature,
  earliestStart,
  extent,
  type FeatureContext,
  type FeatureScan,
  featureSpan,
  firstRunStart,
  scanFeatures,
  sumUsage,
} from './features.js';
import { agentTimeExceedsN, headlineSpeedup, incompleteFeatures } from './headline.js';
import { buildIntegration, type IntegrationAttempts, splitIntegrationAttempts } from './integration.js';
import {
  CLOCK_BACKWARDS,
  clampInterval,
  collectPhaseIntervals,
  collectRunIntervals,
  coveredMs,
  type Interval,
  LONGER_THAN_LOGGED,
  timeOf,
} from './intervals.js';
import { countInterventions } from './interventions.js';
import { describeRun, unendedRunNotes } from './run-facts.js';
import type { RunSegment } from './run-segmenter.js';
import { runFeatures, selectRun } from './runs.js';
import { timelinePhases } from './timeline.js';
import type { FeatureReport, Report, Worksheet, WorksheetRow } from './types.js';
import { keepWellFormed } from './well-formed.js';
import {
  buildImplementationRow,
  buildSerialRow,
  COMPARISON_PHASE,
  orderPhases,
  totalOf,
} from './worksheet.js';

export { HEALTHY_INTEGRATION, HIGH_INTEGRATION, judgeIntegration } from './integration.js';
export { COMPARISON_PHASE, METHOD_PHASES } from './worksheet.js';

/** What the report is computed from: the log's events, and optionally the plan and phase estimates. */
export interface ReportInput {
  events: readonly LogEvent[];
  /** The contracts' plan: estimates, dependency edges, owned paths. */
  plan?: Plan;
  /** Sequential estimates per phase, minutes (config `estimates`). */
  estimates?: Record<string, number>;
  /** The run to report on; default the latest. */
  runId?: string;
  /**
   * The run's events already cut from the log (`selectRun`), for a reader that keeps no others (the
   * dashboard): reported as they are, instead of selecting a run from `events`.
   */
  segment?: RunSegment;
  /**
   * Ids of the runs whose orchestrator is alive, as the edge found them (`findLiveRun`, the rule
   * `baton status` uses): a run without `run.ended` among them is in progress, not interrupted.
   */
  liveRunIds?: readonly string[];
  /** The config's `trust_workers`: checks a `baton worker` reported count as passed (default false). */
  trustWorkers?: boolean;
}

const MINUTE = 60_000;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The run's events that the report can trust, with what was left out said in `unknowns`. */
function selectEvents(input: ReportInput, unknowns: string[]) {
  const segment = input.segment ?? selectRun(input.events, input.runId);
  if (!segment) {
    unknowns.push(
      input.runId === undefined
        ? 'The log is empty: nothing was recorded yet.'
        : `Run ${input.runId} is not in the log.`,
    );
  }
  const { kept, dropped, unknownTypes } = keepWellFormed(segment?.events ?? []);
  if (dropped > 0) {
    unknowns.push(`${plural(dropped, 'event')} of this run had fields of the wrong shape and were left out.`);
  }
  if (unknownTypes.length > 0) {
    unknowns.push(`Events of types this version does not know were left out: ${unknownTypes.join(', ')}.`);
  }
  return { segment, events: kept };
}

/** The run's features (`runFeatures`), in plan order when there is one. */
function orderFeatures(ids: readonly string[], plan: Plan | undefined): string[] {
  if (!plan) return [...ids];
  const rank = new Map(plan.order.map((id, i) => [id, i]));
  const at = (id: string) => rank.get(id) ?? Number.MAX_SAFE_INTEGER;
  return [...ids].sort((a, b) => at(a) - at(b));
}

/** The unknown that events for features outside the run add: what was left out, and why. */
function outsideNote(outside: readonly string[]): string {
  const names = outside.map((id) => `\`${id}\``).join(', ');
  return (
    `Left out: events for ${names}, which this run did not start (a hook or command for a feature ` +
    "outside the run); they count in none of this run's numbers."
  );
}

/** What the worksheet's rows are computed from. */
interface RowsInput {
  events: readonly LogEvent[];
  phaseIntervals: ReadonlyMap<string, Interval[]>;
  attempts: IntegrationAttempts;
  scans: ReadonlyMap<string, FeatureScan>;
  features: readonly FeatureReport[];
  scope: readonly string[];
  plan: Plan | undefined;
  estimates: Record<string, number>;
  n: number | null;
  unknowns: string[];
  backwards: string[];
  /** The run's orchestrator is still working (`RunReport.in_progress`). */
  inProgress: boolean;
}

/**
 * The implementation's wall-clock spans: each run's (start to end, a resume's part its own), the
 * recorded implementation phases, and the features' first start to last end only when some run has
 * no end (killed) or none was recorded, since that span would also cover the idle time between a run
 * and the resume that finished it the next day.
 */
function implementationIntervals(
  events: readonly LogEvent[],
  phases: readonly Interval[],
  a: Pick<RowsInput, 'scans' | 'backwards'>,
): Interval[] {
  const runs = collectRunIntervals(events).map((i) => clampInterval(i, 'run span', a.backwards));
  const runsEnded = runs.length > 0 && runs.every((i) => i.start !== null && i.end !== null);
  return [...runs, ...phases, ...(runsEnded ? [] : featureSpan(a.scans))];
}

/** One row per phase: the recorded ones, implementation, the final integration attempt, the estimated. */
function worksheetRows(a: RowsInput): WorksheetRow[] {
  const { events, phaseIntervals, attempts, scope } = a;
  const comparisonMs = coveredMs(phaseIntervals.get(COMPARISON_PHASE) ?? []);
  const hasImplementation = scope.length > 0 || events.some((e) => e.type === 'run.started');
  const phaseNames = orderPhases([
    ...phaseIntervals.keys(),
    ...(hasImplementation ? ['implementation'] : []),
    ...(attempts.intervals.length > 0 ? ['integration'] : []),
    ...Object.keys(a.estimates),
  ]);
  return phaseNames.map((phase) =>
    phase === 'implementation'
      ? buildImplementationRow({
          intervals: implementationIntervals(events, phaseIntervals.get(phase) ?? [], a),
          features: a.features,
          scope,
          plan: a.plan,
          estimates: a.estimates,
          sequentialRunMin: comparisonMs === null ? null : comparisonMs / MINUTE,
          n: a.n,
          unknowns: a.unknowns,
          inProgress: a.inProgress,
        })
      : buildSerialRow(
          phase,
          phase === 'integration' ? attempts.intervals : (phaseIntervals.get(phase) ?? []),
          a.estimates[phase] ?? null,
          a.unknowns,
        ),
  );
}

/** The worksheet: its rows, best-of-N, and the total (no speedup while a feature did not complete). */
function worksheetOf(rows: WorksheetRow[], features: readonly FeatureReport[], n: number | null): Worksheet {
  // No speedup in total either for unfinished work, or for agents' times that exceed what N can record.
  const withheld =
    incompleteFeatures(features).length > 0 ||
    agentTimeExceedsN(
      rows.find((r) => r.phase === 'implementation'),
      n,
    );
  return { rows, best_of_n: summariseBestOfN(features), total: totalOf(rows, n, withheld) };
}

/** Where the timeline ends: the last event or feature end, in minutes from the origin. */
function timelineEnd(
  events: readonly LogEvent[],
  features: readonly FeatureReport[],
  origin: number | null,
): number | null {
  if (origin === null) return null;
  const times = events.map((e) => timeOf(e) ?? Number.NaN).filter(Number.isFinite);
  const ends = features.map((f) => f.end_min ?? Number.NaN).filter(Number.isFinite);
  const last = extent(times)?.max;
  return extent([...(last === undefined ? [] : [(last - origin) / MINUTE]), ...ends])?.max ?? null;
}

/** The unknown the spans stamped backwards add, each counted as 0. */
function clockBackwardsNote(spans: string[]): string {
  return (
    `The ${CLOCK_BACKWARDS} in the log (an end stamped before its start, or a negative duration: a forged line or clock skew): ` +
    `${spans.join(', ')}; each counted as 0.`
  );
}

/** The unknown the durations no timestamps can support add, each left out of every sum. */
function implausibleNote(what: string[]): string {
  return (
    `Durations ${LONGER_THAN_LOGGED} (not a number, or longer than the span between the events that bound them: a forged line): ` +
    `${what.join(', ')}; each is unknown.`
  );
}

/** The phase intervals and the integration attempts of the log, each interval clamped (backwards ones noted). */
function clampedIntervals(events: readonly LogEvent[], split: IntegrationAttempts, backwards: string[]) {
  const phaseIntervals = new Map(
    [...collectPhaseIntervals(events)].map(([name, list]) => [
      name,
      list.map((i) => clampInterval(i, `phase ${name}`, backwards)),
    ]),
  );
  const attempts = {
    ...split,
    intervals: split.intervals.map((i) => clampInterval(i, 'integration span', backwards)),
  };
  return { phaseIntervals, attempts };
}

/** The report's features: each one's row, its escapes, and its best-of-N attempts (pure). */
function reportFeatures(
  ids: readonly string[],
  ctx: Omit<FeatureContext, 'escaped' | 'trust'>,
  trustWorkers: boolean,
): FeatureReport[] {
  const escaped = escapesByFeature(ctx.state);
  return ids.map((id) => ({
    ...buildFeature(id, { ...ctx, escaped, trust: { trustWorkers } }),
    best_of_n: buildBestOfN(id, ctx.state, ctx.scans, ctx),
  }));
}

/** The run's features in plan order, and those the log names outside it (noted among the unknowns). */
function runMembers(
  events: readonly LogEvent[],
  scans: ReadonlyMap<string, unknown>,
  plan: Plan | undefined,
  unknowns: string[],
): { ids: string[]; outside: string[] } {
  const members = runFeatures(
    events,
    [...scans.keys()].filter((id) => !isAttemptUnit(id)),
  );
  if (members.outside.length > 0) unknowns.push(outsideNote(members.outside));
  return { ids: orderFeatures(members.ids, plan), outside: members.outside };
}

/** Each feature's agent spans (`agentSpans`): the wall-clock the measured critical path covered. */
function agentSpansById(ids: readonly string[], ctx: Pick<FeatureContext, 'state' | 'scans' | 'origin'>) {
  return new Map(
    ids.map((id) => [id, agentSpans(id, ctx.scans.get(id), ctx.state.features[id], ctx.origin)]),
  );
}

/** Adds to the report's unknowns what its doubtful times are: spans clamped to 0, durations made unknown. */
function noteDoubtfulTimes(report: Report): void {
  if (report.clock_backwards.length > 0) report.unknowns.push(clockBackwardsNote(report.clock_backwards));
  if (report.implausible_durations.length > 0)
    report.unknowns.push(implausibleNote(report.implausible_durations));
}

/** Computes the whole report from events (pure: no file, no clock; the same input gives the same report). */
export function computeReport(input: ReportInput): Report {
  const unknowns: string[] = [];
  const backwards: string[] = [];
  const implausible: string[] = [];
  const { segment, events } = selectEvents(input, unknowns);
  const plan = input.plan;
  const estimates = input.estimates ?? {};
  const state = foldEvents(events);
  // Best-of-N attempts are units of their own in the log; the report's features are the features,
  // each standing on its winner's work.
  const scans = withWinnerScans(state, scanFeatures(events));
  const { ids: featureIds, outside } = runMembers(events, scans, plan, unknowns);
  const run = describeRun(events, input, segment, featureIds);
  unknowns.push(...unendedRunNotes(events, run.in_progress));
  const origin = firstRunStart(events) ?? earliestStart(scans);
  // The features the implementation covers: the run's, or every contract's when the log names none.
  const scope = featureIds.length > 0 ? featureIds : plan ? [...plan.order] : [];
  const n = scope.length === 0 ? null : Math.min(run.concurrency ?? scope.length, scope.length);
  // The delivered integration attempts' conflicts (`countConflicts`): the same ones everywhere below.
  const split = splitIntegrationAttempts(events);
  const ctx = { state, scans, plan, origin, conflicts: split.conflicts, unknowns, backwards, implausible };
  const features = reportFeatures(featureIds, ctx, input.trustWorkers === true);

  const { phaseIntervals, attempts } = clampedIntervals(events, split, backwards);
  const rows = worksheetRows({
    events,
    phaseIntervals,
    attempts,
    // A feature outside the run does not stretch its wall-clock either.
    scans: new Map([...scans].filter(([id]) => !outside.includes(id))),
    features,
    scope,
    plan,
    estimates,
    n,
    unknowns,
    backwards,
    inProgress: run.in_progress,
  });
  const worksheet = worksheetOf(rows, features, n);
  const implementation = rows.find((r) => r.phase === 'implementation');
  const planned = plannedCriticalPath(plan, featureIds);
  const report: Report = {
    run,
    headline: headlineSpeedup(implementation, n, { features, in_progress: run.in_progress }),
    worksheet,
    features,
    conflicts: buildConflicts(split, scope, plan),
    collisions: summariseCollisions(events, split.delivered, state),
    escaped_unknown: unattributedEscapes(state),
    interventions: countInterventions(events),
    integration: buildIntegration({
      attempts,
      row: rows.find((r) => r.phase === 'integration'),
      implementation,
      failedIntegrationChecks: features.reduce((k, f) => k + f.integration_checks.failed, 0),
      flags: { backwards, implausible },
    }),
    amdahl: buildAmdahl(worksheet, n, features),
    critical_path: {
      planned: planned.path,
      planned_unknown: planned.unknown,
      measured: measuredCriticalPath(features, plan, agentSpansById(featureIds, ctx)),
    },
    graph: buildGraph(plan, featureIds),
    timeline: {
      origin: origin === null ? null : new Date(origin).toISOString(),
      end_min: timelineEnd(events, features, origin),
      phases: timelinePhases(phaseIntervals, attempts.intervals, origin),
    },
    totals: sumUsage(features),
    diagnosis: [],
    unknowns,
    clock_backwards: [...new Set(backwards)],
    implausible_durations: [...new Set(implausible)],
  };
  noteDoubtfulTimes(report);
  report.diagnosis = diagnoseReport(report);
  return report;
}

import { compileOwns, filesOutsideOwns } from '../contracts/owns.js';
import type { Contract } from '../contracts/schema.js';
import { unreachable } from '../errors.js';
import type { Plan } from '../graph/types.js';
import type { AgentExited, BatonEvent, FeatureStatus, LogEvent, MergeConflict } from '../log/events.js';
import { TERMINAL_STATUSES } from '../log/events.js';
import { countChecks, foldEvents, normaliseStatus } from '../log/fold.js';
import { parseLogEvent } from '../log/parse-event.js';
import { summariseCollisions } from './collisions.js';
import { diagnoseReport } from './diagnose.js';
import { formatMinutes } from './format.js';
import {
  collectIntegrationIntervals,
  collectPhaseIntervals,
  collectRunIntervals,
  coveredMs,
  type Interval,
  timeOf,
} from './intervals.js';
import { selectRun } from './runs.js';
import type {
  AmdahlReport,
  ConflictPair,
  ConflictReport,
  CriticalPath,
  FeatureReport,
  GraphReport,
  IntegrationReport,
  IntegrationVerdict,
  Report,
  TimelinePhase,
  UsageTotals,
  Worksheet,
  WorksheetRow,
} from './types.js';

/** What the report is computed from: the log's events, and optionally the plan and phase estimates. */
export interface ReportInput {
  events: readonly LogEvent[];
  /** The contracts' plan: estimates, dependency edges, owned paths. */
  plan?: Plan;
  /** Sequential estimates per phase, minutes (config `estimates`). */
  estimates?: Record<string, number>;
  /** The run to report on; default the latest. */
  runId?: string;
}

/** The phases of the method, in the order the worksheet lists them. */
export const METHOD_PHASES = ['specification', 'planning', 'implementation', 'integration'] as const;

/** The healthy band of integration time ÷ execution time. */
export const HEALTHY_INTEGRATION = { low: 0.15, high: 0.2 } as const;
/** Above this ratio integration is a symptom, not a cost: contracts left interfaces to merge time. */
export const HIGH_INTEGRATION = 0.3;

const MINUTE = 60_000;

interface FeatureScan {
  starts: number[];
  launches: number;
  /** Something worked on the feature (a `feature.ended` alone may only say it was skipped). */
  worked: boolean;
  exits: AgentExited[];
  endedAt: number | null;
}

/** Computes the whole report from events (pure: no file, no clock; the same input gives the same report). */
export function computeReport(input: ReportInput): Report {
  const unknowns: string[] = [];
  const segment = selectRun(input.events, input.runId);
  if (!segment) {
    unknowns.push(
      input.runId === undefined
        ? 'The log is empty: nothing was recorded yet.'
        : `Run ${input.runId} is not in the log.`,
    );
  }
  const { kept: events, dropped } = keepWellFormed(segment?.events ?? []);
  if (dropped > 0) {
    unknowns.push(
      `${dropped} event${dropped === 1 ? '' : 's'} of this run had fields of the wrong shape and were left out.`,
    );
  }
  const plan = input.plan;
  const estimates = input.estimates ?? {};
  const state = foldEvents(events);

  // Run facts.
  const runStarts = events.filter((e) => e.type === 'run.started');
  const runEnds = events.filter((e) => e.type === 'run.ended');
  const lastStart = runStarts.at(-1);
  const lastEnd = runEnds.at(-1);
  const unfinished =
    lastStart !== undefined && (lastEnd === undefined || events.indexOf(lastEnd) < events.indexOf(lastStart));
  const runId = segment?.run_id ?? input.runId ?? null;
  if (unfinished) {
    unknowns.push(
      `Run ${runId} has no run.ended event (the orchestrator stopped before it could record the end): ` +
        'its wall-clock time is unknown.',
    );
  }

  // Features: the run's list first (in plan order when there is one), then any other feature seen.
  const scans = scanFeatures(events);
  const listed = unique(runStarts.flatMap((e) => e.feature_ids));
  const seen = [...scans.keys()];
  let featureIds = unique([...listed, ...seen]);
  if (plan) {
    const rank = new Map(plan.order.map((id, i) => [id, i]));
    featureIds = [...featureIds].sort(
      (a, b) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER),
    );
  }

  const origin = firstRunStart(events) ?? earliestStart(scans);
  const lastEventAt = Math.max(...events.map((e) => timeOf(e) ?? Number.NEGATIVE_INFINITY));

  // The features the implementation covers: the run's, or every contract's when the log names none.
  const scope = featureIds.length > 0 ? featureIds : plan ? [...plan.order] : [];

  const conflictEvents = distinctConflicts(events);
  const features = featureIds.map((id) =>
    buildFeature(id, { state, scans, plan, origin, conflicts: conflictEvents, unknowns }),
  );

  // Worksheet.
  const phaseIntervals = collectPhaseIntervals(events);
  const runIntervals = collectRunIntervals(events);
  const integrationIntervals = collectIntegrationIntervals(events);
  const hasImplementation = scope.length > 0 || runStarts.length > 0;
  const hasIntegration = integrationIntervals.length > 0;
  const phaseNames = orderPhases([
    ...phaseIntervals.keys(),
    ...(hasImplementation ? ['implementation'] : []),
    ...(hasIntegration ? ['integration'] : []),
    ...Object.keys(estimates),
  ]);

  const rows: WorksheetRow[] = phaseNames.map((phase) => {
    const own = phaseIntervals.get(phase) ?? [];
    if (phase === 'implementation') {
      return buildImplementationRow({
        intervals: [...runIntervals, ...own, ...featureSpan(scans)],
        features,
        scope,
        plan,
        estimates,
        unknowns,
      });
    }
    const intervals = phase === 'integration' ? [...integrationIntervals, ...own] : own;
    const estimate = estimates[phase] ?? null;
    const actual = measurePhase(phase, intervals, estimate, unknowns);
    return {
      phase,
      parallel: false,
      recorded: intervals.length > 0,
      sequential_estimate_min: estimate,
      sequential_measured_min: null,
      parallel_actual_min: actual,
      ...speedupOf(null, estimate, actual),
    };
  });
  const worksheet: Worksheet = { rows, total: totalOf(rows) };

  const implementationRow = rows.find((r) => r.phase === 'implementation');
  const integrationRow = rows.find((r) => r.phase === 'integration');

  const conflicts = buildConflicts(conflictEvents, scope, plan);
  const integration = buildIntegration({
    events,
    state,
    row: integrationRow,
    implementation: implementationRow,
    conflicts: conflictEvents.length,
    failedIntegrationChecks: features.reduce((n, f) => n + f.integration_checks.failed, 0),
  });

  const concurrency = lastStart?.concurrency ?? null;
  const n = scope.length === 0 ? null : Math.min(concurrency ?? scope.length, scope.length);
  const amdahl = buildAmdahl(rows, worksheet, n);

  const criticalPath = {
    planned: plannedCriticalPath(plan, featureIds),
    measured: measuredCriticalPath(features, plan),
  };

  const ends = features.map((f) => f.end_min ?? Number.NEGATIVE_INFINITY);
  const runEndMin =
    origin !== null && lastEnd && !unfinished ? ((timeOf(lastEnd) ?? origin) - origin) / MINUTE : null;
  const lastEventMin =
    origin !== null && Number.isFinite(lastEventAt)
      ? (lastEventAt - origin) / MINUTE
      : Number.NEGATIVE_INFINITY;
  const endCandidates = [runEndMin ?? Number.NEGATIVE_INFINITY, lastEventMin, ...ends].filter(
    Number.isFinite,
  );

  const report: Report = {
    run: {
      run_id: runId,
      started_at: lastStart?.ts ?? null,
      ended_at: unfinished ? null : (lastEnd?.ts ?? null),
      outcome: unfinished ? null : (lastEnd?.outcome ?? null),
      unfinished,
      concurrency,
      feature_ids: featureIds,
      with_plan: plan !== undefined,
    },
    worksheet,
    features,
    conflicts,
    collisions: summariseCollisions(events),
    integration,
    amdahl,
    critical_path: criticalPath,
    graph: buildGraph(plan, featureIds),
    timeline: {
      origin: origin === null ? null : new Date(origin).toISOString(),
      end_min: endCandidates.length > 0 ? Math.max(...endCandidates) : null,
      phases: timelinePhases(phaseIntervals, integrationIntervals, origin),
    },
    totals: sumUsage(features),
    diagnosis: [],
    unknowns,
  };
  report.diagnosis = diagnoseReport(report);
  return report;
}

const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The fields the report reads, per event type; a hand-edited line missing one is left out, not trusted. */
const REQUIRED: Record<string, Record<string, (v: unknown) => boolean>> = {
  'run.started': { run_id: (v) => typeof v === 'string', feature_ids: isStrings },
  'run.ended': { duration_ms: Number.isFinite },
  'phase.started': { phase: (v) => typeof v === 'string' },
  'phase.ended': { phase: (v) => typeof v === 'string' },
  'agent.exited': {
    feature_id: (v) => typeof v === 'string',
    duration_ms: Number.isFinite,
    files: isStrings,
  },
  'merge.conflict': { feature_id: (v) => typeof v === 'string', files: isStrings, with: isStrings },
  'integration.started': { order: isStrings },
  'integration.ended': { duration_ms: Number.isFinite },
};

function keepWellFormed(events: readonly LogEvent[]): { kept: LogEvent[]; dropped: number } {
  const kept: LogEvent[] = [];
  let dropped = 0;
  for (const e of events) {
    const rules = e.type === undefined ? undefined : REQUIRED[e.type];
    const record = e as unknown as Record<string, unknown>;
    // The fold trusts its input (no catch-all): what does not fit its event's schema stays out.
    const featureOk =
      parseLogEvent(e) !== undefined && (!('feature_id' in record) || typeof record.feature_id === 'string');
    if (featureOk && (!rules || Object.entries(rules).every(([k, ok]) => ok(record[k])))) kept.push(e);
    else dropped++;
  }
  return { kept, dropped };
}

/** Serial phases that began once the timeline had (the features have rows of their own), overlaps merged. */
function timelinePhases(
  phases: ReadonlyMap<string, Interval[]>,
  integration: readonly Interval[],
  origin: number | null,
): TimelinePhase[] {
  if (origin === null) return [];
  const out: TimelinePhase[] = [];
  const add = (phase: string, intervals: readonly Interval[]) => {
    const spans = intervals
      .filter((i): i is { start: number; end: number | null } => i.start !== null && i.start >= origin)
      .sort((a, b) => a.start - b.start);
    let cur: { start: number; end: number | null } | undefined;
    const flush = () => {
      if (cur) {
        out.push({
          phase,
          start_min: (cur.start - origin) / MINUTE,
          end_min: cur.end === null ? null : (cur.end - origin) / MINUTE,
        });
      }
    };
    for (const sp of spans) {
      if (cur && (cur.end === null || sp.start <= cur.end)) {
        cur = {
          start: cur.start,
          end: cur.end === null || sp.end === null ? null : Math.max(cur.end, sp.end),
        };
      } else {
        flush();
        cur = { ...sp };
      }
    }
    flush();
  };
  for (const [name, intervals] of phases) {
    if (name === 'implementation') continue;
    // integrate's own events and the integration phase cover one span; merged, it is drawn once.
    add(name, name === 'integration' ? [...intervals, ...integration] : intervals);
  }
  if (!phases.has('integration')) add('integration', integration);
  return out.sort((a, b) => a.start_min - b.start_min);
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function firstRunStart(events: readonly LogEvent[]): number | null {
  for (const e of events) if (e.type === 'run.started') return timeOf(e);
  return null;
}

/**
 * Without a run or a phase to time the implementation (hand-written hooks only), the span from the
 * first feature's start to the last one's end is its wall-clock, provided every started feature ended.
 */
function featureSpan(scans: Map<string, FeatureScan>): Interval[] {
  const started = [...scans.values()].filter((s) => s.starts.length > 0);
  if (started.length === 0 || started.some((s) => s.endedAt === null)) return [];
  return [
    {
      start: Math.min(...started.flatMap((s) => s.starts)),
      end: Math.max(...started.map((s) => s.endedAt ?? Number.NEGATIVE_INFINITY)),
    },
  ];
}

function earliestStart(scans: Map<string, FeatureScan>): number | null {
  const starts = [...scans.values()].flatMap((s) => s.starts);
  return starts.length > 0 ? Math.min(...starts) : null;
}

function scanFeatures(events: readonly LogEvent[]): Map<string, FeatureScan> {
  const scans = new Map<string, FeatureScan>();
  const scan = (id: string) => {
    let s = scans.get(id);
    if (!s) {
      s = { starts: [], launches: 0, worked: false, exits: [], endedAt: null };
      scans.set(id, s);
    }
    return s;
  };
  for (const e of events) {
    const t = timeOf(e);
    if (e.type === undefined) {
      const s = scan(String(e.feature_id));
      s.worked = true; // only an agent's hook writes a status line
      const status = normaliseStatus(String(e.status));
      if (status === 'running' && t !== null) s.starts.push(t);
      if (status && TERMINAL_STATUSES.has(status) && t !== null) s.endedAt = t;
      continue;
    }
    try {
      scanEvent(scan, e as BatonEvent, t);
    } catch {
      // A type this version does not know (a newer Baton wrote it) says nothing about a feature's work.
    }
  }
  return scans;
}

function scanEvent(scan: (id: string) => FeatureScan, ev: BatonEvent, t: number | null): void {
  switch (ev.type) {
    case 'feature.started': {
      const s = scan(ev.feature_id);
      s.launches++;
      s.worked = true;
      if (t !== null) s.starts.push(t);
      break;
    }
    case 'agent.exited': {
      const s = scan(ev.feature_id);
      s.exits.push(ev);
      s.worked = true;
      break;
    }
    case 'hook':
      scan(ev.feature_id).worked = true;
      break;
    case 'feature.ended':
      scan(ev.feature_id).endedAt = t;
      break;
    case 'worktree.created':
    case 'feature.escaped':
    case 'user.intervention':
    case 'check.passed':
    case 'check.failed':
    case 'check.unverifiable':
      scan(ev.feature_id);
      break;
    case 'run.started':
    case 'run.ended':
    case 'phase.started':
    case 'phase.ended':
    case 'integration.started':
    case 'merge.clean':
    case 'merge.conflict':
    case 'merge.skipped':
    case 'integration.tested':
    case 'integration.ended':
    case 'integration.discarded':
    case 'collision.detected':
    case 'collision.resolved':
    case 'queue.job':
      // These describe the run and its integration, not one feature's work.
      break;
    default:
      unreachable(ev);
  }
}

interface FeatureContext {
  state: ReturnType<typeof foldEvents>;
  scans: Map<string, FeatureScan>;
  plan: Plan | undefined;
  origin: number | null;
  conflicts: MergeConflict[];
  unknowns: string[];
}

function buildFeature(id: string, ctx: FeatureContext): FeatureReport {
  const f = ctx.state.features[id];
  const scan = ctx.scans.get(id);
  const contract = ctx.plan?.byId.get(id);
  const exits = scan?.exits ?? [];
  const status: FeatureStatus = f?.status ?? 'pending';

  let durationMs: number | null = null;
  if (exits.length > 0) {
    // A launch with no exit after it is agent time the log never measured.
    durationMs =
      (scan?.launches ?? 0) > exits.length ? null : exits.reduce((sum, e) => sum + e.duration_ms, 0);
  } else if (f?.duration_ms !== undefined && TERMINAL_STATUSES.has(status)) {
    durationMs = f.duration_ms;
  }
  const launched = scan?.worked ?? false;
  if (durationMs === null && launched) {
    ctx.unknowns.push(
      `${id}: agent time unknown (${TERMINAL_STATUSES.has(status) ? 'no agent.exited event recorded its duration' : 'started and never recorded an end'}).`,
    );
  }

  const files = unique(exits.flatMap((e) => e.files));
  const usages = exits.map((e) => e.usage).filter((u) => u !== undefined);
  const sumField = (k: 'cost_usd' | 'input_tokens' | 'output_tokens' | 'turns'): number | null => {
    const vals = usages.map((u) => u[k]).filter((v): v is number => typeof v === 'number');
    return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0);
  };
  const denials = usages.filter((u) => u.permission_denials !== undefined);

  const firstStart = scan && scan.starts.length > 0 ? Math.min(...scan.starts) : null;
  const lastExit = exits.length > 0 ? timeOf(exits.at(-1)!) : null;
  const exitedLast = exits.length > 0 && (scan?.launches ?? 0) <= exits.length;
  const endAt = scan?.endedAt ?? (exitedLast ? lastExit : null);
  const rel = (t: number | null) => (t === null || ctx.origin === null ? null : (t - ctx.origin) / MINUTE);

  return {
    feature_id: id,
    title: contract?.title ?? null,
    agent: f?.agent ?? null,
    status,
    launched,
    attempts: Math.max(scan?.launches ?? 0, exits.length),
    duration_min: durationMs === null ? null : durationMs / MINUTE,
    estimate_min: contract?.estimate_minutes ?? null,
    exit_code: f?.exit_code ?? null,
    signal: f?.signal ?? null,
    reason: f?.reason ?? null,
    checks: f ? countChecks(f, 'worktree') : { passed: 0, failed: 0, unverifiable: 0, total: 0 },
    integration_checks: f
      ? countChecks(f, 'integration')
      : { passed: 0, failed: 0, unverifiable: 0, total: 0 },
    files_changed: files,
    outside_owns: contract ? outsideOwns(contract, files) : null,
    conflicts: ctx.conflicts.filter((c) => c.feature_id === id || c.with.includes(id)).length,
    cost_usd: sumField('cost_usd'),
    input_tokens: sumField('input_tokens'),
    output_tokens: sumField('output_tokens'),
    turns: sumField('turns'),
    permission_denials:
      denials.length === 0 ? null : denials.reduce((n, u) => n + (u.permission_denials?.length ?? 0), 0),
    start_min: rel(firstStart),
    end_min: firstStart === null ? null : rel(endAt),
  };
}

function outsideOwns(contract: Contract, files: readonly string[]): string[] | null {
  if (contract.owns.length === 0) return null;
  return filesOutsideOwns(files, contract.owns);
}

function ownersOf(plan: Plan, file: string): string[] {
  return plan.features.filter((c) => compileOwns(c.owns)(file)).map((c) => c.feature_id);
}

/** Merge conflicts, each counted once even if integrate was run again and hit it again. */
function distinctConflicts(events: readonly LogEvent[]): MergeConflict[] {
  const seen = new Set<string>();
  const out: MergeConflict[] = [];
  for (const e of events) {
    if (e.type !== 'merge.conflict') continue;
    const key = JSON.stringify([e.feature_id, [...e.with].sort(), [...e.files].sort()]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

function buildConflicts(
  conflicts: readonly MergeConflict[],
  featureIds: readonly string[],
  plan: Plan | undefined,
): ConflictReport {
  const n = featureIds.length;
  const inRun = new Set(featureIds);
  const edges = plan ? plan.edges.filter((e) => inRun.has(e.from) && inRun.has(e.to)) : null;
  const linked = (a: string, b: string) =>
    edges ? edges.some((e) => (e.from === a && e.to === b) || (e.from === b && e.to === a)) : null;
  const pairs: ConflictPair[] = [];
  for (const c of conflicts) {
    const files = c.files.map((file) => ({ file, owners: plan ? ownersOf(plan, file) : null }));
    const partners = c.with.length > 0 ? c.with : [null];
    for (const w of partners) {
      pairs.push({
        feature_id: c.feature_id,
        with: w,
        files,
        dependent: w === null ? null : linked(c.feature_id, w),
      });
    }
  }
  const distinctPairs = new Set(
    pairs.filter((p) => p.with !== null).map((p) => [p.feature_id, p.with].sort().join('\u0000')),
  );
  return {
    count: conflicts.length,
    pairs,
    files: unique(conflicts.flatMap((c) => c.files)).sort(),
    potential_points: (n * (n - 1)) / 2,
    conflicting_pairs: distinctPairs.size,
    declared_points: edges ? edges.length : null,
    predicted_overlaps: plan
      ? plan.integration_points.overlaps
          .filter((o) => inRun.has(o.a) && inRun.has(o.b))
          .map((o) => ({ a: o.a, b: o.b, pattern: o.pattern }))
      : null,
  };
}

function orderPhases(names: readonly string[]): string[] {
  const all = unique(names);
  const method = METHOD_PHASES.filter((p) => all.includes(p));
  return [...method, ...all.filter((p) => !(METHOD_PHASES as readonly string[]).includes(p))];
}

function measurePhase(
  phase: string,
  intervals: readonly Interval[],
  estimate: number | null,
  unknowns: string[],
): number | null {
  if (intervals.length === 0) {
    unknowns.push(
      `Phase ${phase} was not recorded${estimate === null ? '' : ` (estimated at ${estimate} min)`}, so the totals ` +
        `and Amdahl's bound leave it out: run \`baton phase start ${phase}\` and \`baton phase end ${phase}\` around it.`,
    );
    return null;
  }
  const ms = coveredMs(intervals);
  if (ms === null) {
    const open = intervals.some((i) => i.end === null);
    unknowns.push(
      open
        ? `Phase ${phase} started and never ended: its time is unknown.`
        : `Phase ${phase} ended without a recorded start: its time is unknown.`,
    );
    return null;
  }
  return ms / MINUTE;
}

function speedupOf(
  measured: number | null,
  estimate: number | null,
  actual: number | null,
): Pick<WorksheetRow, 'speedup_estimate' | 'speedup_measured' | 'speedup' | 'speedup_basis'> {
  const ok = actual !== null && actual > 0;
  const byEstimate = ok && estimate !== null ? estimate / actual : null;
  const byMeasure = ok && measured !== null ? measured / actual : null;
  // The method's worksheet compares estimates with actuals; measured time stands in where there is no estimate.
  return {
    speedup_estimate: byEstimate,
    speedup_measured: byMeasure,
    speedup: byEstimate ?? byMeasure,
    speedup_basis: byEstimate !== null ? 'estimate' : byMeasure !== null ? 'measured' : null,
  };
}

function buildImplementationRow(args: {
  intervals: Interval[];
  features: readonly FeatureReport[];
  scope: readonly string[];
  plan: Plan | undefined;
  estimates: Record<string, number>;
  unknowns: string[];
}): WorksheetRow {
  const { features, plan, estimates, unknowns } = args;
  const recorded = args.intervals.length > 0;
  const actualMs = recorded ? coveredMs(args.intervals) : null;
  if (!recorded) {
    unknowns.push(
      'No run.started or implementation phase recorded: the implementation wall-clock is unknown, ' +
        "and the totals and Amdahl's bound leave it out.",
    );
  }
  const actual = actualMs === null ? null : actualMs / MINUTE;

  let estimate: number | null = null;
  if (plan && args.scope.length > 0) {
    const minutes = args.scope.map((id) => plan.byId.get(id)?.estimate_minutes ?? null);
    const missing = args.scope.filter((_, i) => minutes[i] === null);
    if (missing.length === 0) estimate = minutes.reduce<number>((s, m) => s + (m ?? 0), 0);
    else if (estimates.implementation === undefined) {
      unknowns.push(
        `No estimate_minutes in the contracts of ${missing.join(', ')}: the implementation estimate is unknown.`,
      );
    }
  }
  estimate ??= estimates.implementation ?? null;

  // Features that never launched spent no agent time; one that launched and never ended makes the sum unknown.
  const ran = features.filter((f) => f.launched);
  const measured =
    ran.length === 0 || ran.some((f) => f.duration_min === null)
      ? null
      : ran.reduce((s, f) => s + (f.duration_min ?? 0), 0);
  const neverRan = features.filter((f) => !ran.includes(f)).map((f) => f.feature_id);
  if (measured !== null && neverRan.length > 0) {
    unknowns.push(
      `Never launched: ${neverRan.join(', ')}; the measured sequential time covers the ${ran.length} that ran.`,
    );
  }
  return {
    phase: 'implementation',
    parallel: true,
    recorded,
    sequential_estimate_min: estimate,
    sequential_measured_min: measured,
    parallel_actual_min: actual,
    ...speedupOf(measured, estimate, actual),
  };
}

function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return values.reduce<number>((s, v) => s + (v ?? 0), 0);
}

function totalOf(all: readonly WorksheetRow[]): Worksheet['total'] {
  // A phase never recorded is left out on both sides, so the ratio still compares like with like.
  const rows = all.filter((r) => r.recorded);
  const estimate = sumOrNull(rows.map((r) => r.sequential_estimate_min));
  // Serial phases take as long sequentially as they did here; only implementation is parallel.
  const measured = sumOrNull(
    rows.map((r) => (r.parallel ? r.sequential_measured_min : r.parallel_actual_min)),
  );
  const actual = sumOrNull(rows.map((r) => r.parallel_actual_min));
  return {
    sequential_estimate_min: estimate,
    sequential_measured_min: measured,
    parallel_actual_min: actual,
    ...speedupOf(measured, estimate, actual),
    excluded: all.filter((r) => !r.recorded).map((r) => r.phase),
  };
}

function buildIntegration(args: {
  events: readonly LogEvent[];
  state: ReturnType<typeof foldEvents>;
  row: WorksheetRow | undefined;
  implementation: WorksheetRow | undefined;
  conflicts: number;
  failedIntegrationChecks: number;
}): IntegrationReport {
  const { events, state, row, implementation } = args;
  const attempts = events.filter((e) => e.type === 'integration.started').length;
  const duration = row?.parallel_actual_min ?? null;
  const execution = implementation?.parallel_actual_min ?? null;
  const ratio = duration !== null && execution !== null && execution > 0 ? duration / execution : null;
  const verdict = judgeIntegration(ratio);
  const merges = state.integration.merges;
  const tested = events.filter((e) => e.type === 'integration.tested');
  const testsMin = tested.length === 0 ? null : tested.reduce((n, e) => n + e.duration_ms, 0) / MINUTE;
  // Integrate ran and nothing went wrong: a long integration is then not a sign of missing interfaces.
  const uneventful =
    attempts > 0 &&
    args.conflicts === 0 &&
    args.failedIntegrationChecks === 0 &&
    tested.every((e) => e.passed);
  return {
    ran: row !== undefined && (attempts > 0 || duration !== null),
    attempts,
    outcome: state.integration.outcome ?? null,
    duration_min: duration,
    execution_min: execution,
    ratio,
    verdict,
    verdict_text: describeVerdict(
      verdict,
      ratio,
      uneventful ? { tests_min: testsMin, duration_min: duration } : null,
    ),
    tests_min: testsMin,
    merges: {
      clean: merges.filter((m) => m.outcome === 'clean').length,
      conflict: merges.filter((m) => m.outcome === 'conflict').length,
      skipped: merges.filter((m) => m.outcome === 'skipped').length,
    },
    tests: {
      passed: state.integration.tests.filter((t) => t.passed).length,
      failed: state.integration.tests.filter((t) => !t.passed).length,
    },
  };
}

/** Places integration ÷ execution against the healthy 15–20 % band (pure). */
export function judgeIntegration(ratio: number | null): IntegrationVerdict {
  if (ratio === null) return 'unknown';
  if (ratio < HEALTHY_INTEGRATION.low) return 'low';
  if (ratio <= HEALTHY_INTEGRATION.high) return 'healthy';
  if (ratio <= HIGH_INTEGRATION) return 'elevated';
  return 'high';
}

function describeVerdict(
  verdict: IntegrationVerdict,
  ratio: number | null,
  uneventful: { tests_min: number | null; duration_min: number | null } | null,
): string {
  const pct = ratio === null ? '' : `${Math.round(ratio * 100)} %`;
  if (uneventful && (verdict === 'elevated' || verdict === 'high')) {
    const where =
      uneventful.tests_min !== null
        ? `post-merge tests took ${formatMinutes(uneventful.tests_min)} of the ${formatMinutes(uneventful.duration_min)} — ` +
          'the cost is the test suite, not the interfaces'
        : 'look at what else the integration waited on';
    return (
      `${pct}, above the healthy 15–20 %, yet no conflict, failing post-merge test or failed integration ` +
      `criterion was recorded: the contracts held at merge time, and ${where}.`
    );
  }
  switch (verdict) {
    case 'unknown':
      return 'Integration ÷ execution is unknown: one of the two times was not recorded.';
    case 'low':
      return `${pct}, below the healthy 15–20 %: the contracts held and integration was cheap.`;
    case 'healthy':
      return `${pct}, within the healthy 15–20 %.`;
    case 'elevated':
      return `${pct}, above the healthy 15–20 %: some interfaces were settled at merge time; tighten the contracts they touched.`;
    case 'high':
      return (
        `${pct}, far above the healthy 15–20 %: the contracts are probably under-specified — ` +
        'interfaces were discovered at merge time instead of being agreed in the contracts.'
      );
    default:
      return verdict satisfies never;
  }
}

function buildAmdahl(rows: readonly WorksheetRow[], worksheet: Worksheet, n: number | null): AmdahlReport {
  const implementation = rows.find((r) => r.parallel);
  const serialRows = rows.filter((r) => !r.parallel && r.recorded);
  const serial = serialRows.length === 0 ? 0 : sumOrNull(serialRows.map((r) => r.parallel_actual_min));
  const parallelisable = implementation
    ? (implementation.sequential_measured_min ?? implementation.sequential_estimate_min)
    : null;
  const work = serial !== null && parallelisable !== null ? serial + parallelisable : null;
  const s = work !== null && work > 0 ? (serial ?? 0) / work : null;
  const bound = s !== null && n !== null && n > 0 ? 1 / (s + (1 - s) / n) : null;
  // Achieved needs the implementation's own wall-clock inside the total.
  const elapsed = implementation?.recorded ? worksheet.total.parallel_actual_min : null;
  return {
    n,
    serial_min: serial,
    parallelisable_min: parallelisable,
    serial_fraction: s,
    bound,
    // The same work measured the same way as the bound: serial phases as they took plus the parallel part.
    achieved: work !== null && elapsed !== null && elapsed > 0 ? work / elapsed : null,
    implementation_speedup: implementation
      ? (implementation.speedup_measured ?? implementation.speedup_estimate)
      : null,
  };
}

function plannedCriticalPath(plan: Plan | undefined, featureIds: readonly string[]): CriticalPath | null {
  if (!plan || plan.critical_path.feature_ids.length === 0) return null;
  const inRun = new Set(featureIds);
  if (!plan.critical_path.feature_ids.every((id) => inRun.has(id))) return null;
  return { feature_ids: [...plan.critical_path.feature_ids], minutes: plan.critical_path.minutes };
}

/** The longest chain of dependent features by measured agent time (without a plan, the longest feature). */
function measuredCriticalPath(
  features: readonly FeatureReport[],
  plan: Plan | undefined,
): CriticalPath | null {
  const ran = features.filter((f) => f.launched);
  if (ran.length === 0 || ran.some((f) => f.duration_min === null)) return null;
  const weight = new Map(ran.map((f) => [f.feature_id, f.duration_min ?? 0]));
  const order = plan ? plan.order.filter((id) => weight.has(id)) : [];
  for (const f of ran) if (!order.includes(f.feature_id)) order.push(f.feature_id);
  const deps = new Map<string, string[]>();
  for (const e of plan?.edges ?? []) {
    if (weight.has(e.from) && weight.has(e.to)) deps.set(e.to, [...(deps.get(e.to) ?? []), e.from]);
  }
  const best = new Map<string, { minutes: number; path: string[] }>();
  for (const id of order) {
    let prev: { minutes: number; path: string[] } = { minutes: 0, path: [] };
    for (const d of deps.get(id) ?? []) {
      const b = best.get(d);
      if (b && b.minutes > prev.minutes) prev = b;
    }
    best.set(id, { minutes: prev.minutes + (weight.get(id) ?? 0), path: [...prev.path, id] });
  }
  let top: { minutes: number; path: string[] } | undefined;
  for (const v of best.values()) if (!top || v.minutes > top.minutes) top = v;
  return top ? { feature_ids: top.path, minutes: top.minutes } : null;
}

function buildGraph(plan: Plan | undefined, featureIds: readonly string[]): GraphReport | null {
  if (!plan) return null;
  const inRun = new Set(featureIds.length > 0 ? featureIds : plan.order);
  return {
    waves: plan.waves.map((w) => w.filter((id) => inRun.has(id))).filter((w) => w.length > 0),
    edges: plan.edges
      .filter((e) => inRun.has(e.from) && inRun.has(e.to))
      .map((e) => ({ from: e.from, to: e.to })),
    critical: plan.critical_path.feature_ids.filter((id) => inRun.has(id)),
  };
}

function sumUsage(features: readonly FeatureReport[]): UsageTotals {
  const sum = (k: 'cost_usd' | 'input_tokens' | 'output_tokens') => {
    const vals = features.map((f) => f[k]).filter((v): v is number => v !== null);
    return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0);
  };
  return {
    cost_usd: sum('cost_usd'),
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
  };
}

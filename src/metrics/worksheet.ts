import type { Plan } from '../graph/types.js';
import { formatMinutes } from './format.js';
import { agentTimeExceedsN, incompleteFeatures } from './headline.js';
import { coveredMs, type Interval } from './intervals.js';
import type { FeatureReport, SequentialBasis, SpeedupBasis, Worksheet, WorksheetRow } from './types.js';

/** The phases of the method, in the order the worksheet lists them. */
export const METHOD_PHASES = ['specification', 'planning', 'implementation', 'integration'] as const;

/**
 * The phase `baton demo --compare` records around its `-j 1` run: a measurement of the sequential
 * time, drawn on the timeline, never a phase of the work (not in the worksheet nor Amdahl).
 */
export const COMPARISON_PHASE = 'sequential-comparison';

/** An estimate more than this many times off the measured time is another kind of number. */
const KIND_FACTOR = 10;

const MINUTE = 60_000;

/**
 * Whether an estimate and a measured time are of the same kind (pure): within a factor of ten of
 * each other, or of `allowance` times that when the reference is a parallel wall-clock that N
 * agents may have shortened up to N times. Null when either is unknown.
 */
export function estimateComparable(
  estimate: number | null,
  reference: number | null,
  allowance = 1,
): boolean | null {
  if (estimate === null || reference === null || reference <= 0 || estimate <= 0) return null;
  const ratio = estimate / reference;
  return ratio <= KIND_FACTOR * Math.max(1, allowance) && ratio >= 1 / KIND_FACTOR;
}

type SpeedupFields = Pick<
  WorksheetRow,
  'speedup_estimate' | 'estimate_comparable' | 'speedup_measured' | 'speedup' | 'speedup_basis'
>;

/** A row's speedups (pure): measured first; the estimate-based one only when it is comparable. */
export function speedupOf(
  measured: number | null,
  estimate: number | null,
  actual: number | null,
  allowance = 1,
): SpeedupFields {
  const ok = actual !== null && actual > 0;
  const comparable = estimateComparable(estimate, measured ?? actual, measured === null ? allowance : 1);
  const byEstimate = ok && estimate !== null && comparable !== false ? estimate / actual : null;
  const byMeasure = ok && measured !== null ? measured / actual : null;
  return {
    speedup_estimate: byEstimate,
    estimate_comparable: comparable,
    speedup_measured: byMeasure,
    speedup: byMeasure ?? byEstimate,
    speedup_basis:
      byMeasure !== null ? 'measured' : byEstimate !== null ? ('estimate' satisfies SpeedupBasis) : null,
  };
}

/** Method phases first, in the method's order, then the others in order of appearance (pure). */
export function orderPhases(names: readonly string[]): string[] {
  const all = [...new Set(names)].filter((p) => p !== COMPARISON_PHASE);
  const method = METHOD_PHASES.filter((p) => all.includes(p));
  return [...method, ...all.filter((p) => !(METHOD_PHASES as readonly string[]).includes(p))];
}

/** A serial phase's wall-clock in minutes, or null with the reason added to `unknowns`. */
export function measurePhase(
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

/** What the implementation row is computed from. */
export interface ImplementationInput {
  intervals: Interval[];
  features: readonly FeatureReport[];
  scope: readonly string[];
  plan: Plan | undefined;
  estimates: Record<string, number>;
  /** The `-j 1` run's wall-clock in minutes, when one was recorded. */
  sequentialRunMin: number | null;
  /** Features that could run at once. */
  n: number | null;
  unknowns: string[];
  /** The run's orchestrator is still working: its features may complete yet. */
  inProgress?: boolean;
}

function implementationEstimate(a: ImplementationInput): number | null {
  let estimate: number | null = null;
  if (a.plan && a.scope.length > 0) {
    const minutes = a.scope.map((id) => a.plan?.byId.get(id)?.estimate_minutes ?? null);
    const missing = a.scope.filter((_, i) => minutes[i] === null);
    if (missing.length === 0) estimate = minutes.reduce<number>((s, m) => s + (m ?? 0), 0);
    else if (a.estimates.implementation === undefined) {
      a.unknowns.push(
        `No estimate_minutes in the contracts of ${missing.join(', ')}: the implementation estimate is unknown.`,
      );
    }
  }
  return estimate ?? a.estimates.implementation ?? null;
}

function agentTimeSum(a: ImplementationInput): number | null {
  // Features that never launched spent no agent time; one that launched and never ended makes the sum unknown.
  const ran = a.features.filter((f) => f.launched);
  const measured =
    ran.length === 0 || ran.some((f) => f.duration_min === null)
      ? null
      : ran.reduce((s, f) => s + (f.duration_min ?? 0), 0);
  const neverRan = a.features.filter((f) => !ran.includes(f)).map((f) => f.feature_id);
  if (measured !== null && neverRan.length > 0 && a.sequentialRunMin === null) {
    a.unknowns.push(
      `Never launched: ${neverRan.join(', ')}; the measured sequential time covers the ${ran.length} that ran.`,
    );
  }
  return measured;
}

/** The implementation row: parallel wall-clock against the sequential run or the agents' summed time. */
export function buildImplementationRow(a: ImplementationInput): WorksheetRow {
  const recorded = a.intervals.length > 0;
  const actualMs = recorded ? coveredMs(a.intervals) : null;
  if (!recorded) {
    a.unknowns.push(
      'No run.started or implementation phase recorded: the implementation wall-clock is unknown, ' +
        "and the totals and Amdahl's bound leave it out.",
    );
  }
  const actual = actualMs === null ? null : actualMs / MINUTE;
  const estimate = implementationEstimate(a);
  const agentTime = agentTimeSum(a);
  const measured = a.sequentialRunMin ?? agentTime;
  const basis: SequentialBasis | null =
    a.sequentialRunMin !== null ? 'sequential-run' : agentTime !== null ? 'agent-time' : null;
  // The headline's rule: a run with a feature that did not complete has no speedup, measured or
  // estimated, for work it did not finish (the times themselves stay in the row).
  const incomplete = incompleteFeatures(a.features);
  if (incomplete.length > 0)
    a.unknowns.push(incompleteNote(incomplete.length, a.features.length, a.inProgress === true));
  // Nor does a run whose agents' times add up to more than N agents can record: those times are wrong.
  const beyondN = agentTimeExceedsN(
    { sequential_basis: basis, sequential_measured_min: measured, parallel_actual_min: actual },
    a.n,
  );
  if (beyondN && incomplete.length === 0) a.unknowns.push(beyondNNote(measured, actual, a.n));
  const speedups =
    incomplete.length > 0 || beyondN
      ? speedupOf(null, null, actual)
      : speedupOf(measured, estimate, actual, a.n ?? 1);
  if (speedups.estimate_comparable === false && estimate !== null) {
    a.unknowns.push(
      `The contracts' estimates (${formatMinutes(estimate)} of implementation) and the measured time ` +
        `(${formatMinutes(measured ?? actual)}) are not of the same kind, so the estimate-based speedup is ` +
        'not comparable and not shown: estimate in the units your agents really take.',
    );
  }
  return {
    phase: 'implementation',
    parallel: true,
    recorded,
    sequential_estimate_min: estimate,
    sequential_measured_min: measured,
    sequential_basis: basis,
    parallel_actual_min: actual,
    ...speedups,
  };
}

/** The unknown a run whose agents' times exceed N × its wall-clock adds (`agentTimeExceedsN`). */
function beyondNNote(measured: number | null, actual: number | null, n: number | null): string {
  return (
    `The agents' own times (${formatMinutes(measured)}) add up to more than N = ${n} agents side by side can record ` +
    `in the run's ${formatMinutes(actual)} of wall-clock: a clock stepped back during the run, or a duration was ` +
    'forged. The implementation has no speedup, measured or estimated, from these times.'
  );
}

/** The unknown a run with unfinished features adds: why the implementation has no speedup. */
function incompleteNote(incomplete: number, total: number, inProgress: boolean): string {
  const features = `feature${total === 1 ? '' : 's'}`;
  if (inProgress) {
    return `The run is in progress, ${incomplete} of ${total} ${features} not complete yet: the implementation has no speedup, measured or estimated, until its work is done.`;
  }
  const which =
    incomplete === total
      ? 'No feature of the run completed'
      : `${incomplete} of ${total} ${features} of the run did not complete`;
  return `${which}: the implementation has no speedup, measured or estimated, for work that did not finish.`;
}

/** A serial phase's row: it takes as long sequentially as it did here. */
export function buildSerialRow(
  phase: string,
  intervals: readonly Interval[],
  estimate: number | null,
  unknowns: string[],
): WorksheetRow {
  const actual = measurePhase(phase, intervals, estimate, unknowns);
  return {
    phase,
    parallel: false,
    recorded: intervals.length > 0,
    sequential_estimate_min: estimate,
    sequential_measured_min: null,
    sequential_basis: null,
    parallel_actual_min: actual,
    ...speedupOf(null, estimate, actual),
  };
}

/** The sum, or null when any value is unknown (a partial sum would pass for a measurement). */
export function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return values.reduce<number>((s, v) => s + (v ?? 0), 0);
}

/**
 * The worksheet's total over the recorded phases (pure); `withheld`: the implementation has no speedup
 * (a feature of the run did not complete, `incompleteFeatures`, or its agents' times exceed what N can
 * record, `agentTimeExceedsN`), so the total has none either.
 */
export function totalOf(
  all: readonly WorksheetRow[],
  n: number | null,
  withheld = false,
): Worksheet['total'] {
  // A phase never recorded is left out on both sides, so the ratio still compares like with like.
  const rows = all.filter((r) => r.recorded);
  // Estimates that are not of the kind measured cannot enter the total either.
  const estimate = rows.some((r) => r.estimate_comparable === false)
    ? null
    : sumOrNull(rows.map((r) => r.sequential_estimate_min));
  // Serial phases take as long sequentially as they did here; only implementation is parallel.
  const measured = sumOrNull(
    rows.map((r) => (r.parallel ? r.sequential_measured_min : r.parallel_actual_min)),
  );
  const actual = sumOrNull(rows.map((r) => r.parallel_actual_min));
  const notComparable = rows.some((r) => r.estimate_comparable === false);
  // A run whose implementation has no speedup has none in total either (the headline's rule).
  const speedups = withheld ? speedupOf(null, null, actual) : speedupOf(measured, estimate, actual, n ?? 1);
  return {
    sequential_estimate_min: estimate,
    sequential_measured_min: measured,
    parallel_actual_min: actual,
    ...speedups,
    estimate_comparable: notComparable ? false : speedups.estimate_comparable,
    excluded: all.filter((r) => !r.recorded).map((r) => r.phase),
  };
}

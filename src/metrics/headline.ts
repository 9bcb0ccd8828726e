import { formatMinutes, formatSpeedup } from './format.js';
import type { FeatureReport, Headline, WorksheetRow } from './types.js';

/**
 * Whether a run finished no work (pure): it had features and none of them completed. Then no speedup
 * is measured for it, neither the headline's nor the whole method's (Amdahl's "achieved").
 */
export function finishedNoWork(features: readonly Pick<FeatureReport, 'status'>[]): boolean {
  return features.length > 0 && !features.some((f) => f.status === 'complete');
}

/**
 * THE headline speedup (pure), the one number `run`, `demo`, the markdown, JSON and HTML report
 * and the dashboard lead with: the implementation's sequential measurement (a `-j 1` run when one
 * was recorded, else the agents' summed time) over its parallel wall-clock. Estimates never make
 * the headline, and neither does a run none of whose `features` completed: it sped up no finished
 * work. A speedup above N is flagged: parallelism alone cannot give it.
 */
export function headlineSpeedup(
  implementation: WorksheetRow | undefined,
  n: number | null,
  features: readonly (Pick<FeatureReport, 'status'> &
    Partial<Pick<FeatureReport, 'feature_id' | 'launched' | 'duration_min'>>)[] = [],
): Headline {
  const actual = implementation?.parallel_actual_min ?? null;
  const sequential = implementation?.sequential_measured_min ?? null;
  const basis = implementation?.sequential_basis ?? null;
  const nothingDone = finishedNoWork(features);
  const speedup =
    !nothingDone && actual !== null && actual > 0 && sequential !== null ? sequential / actual : null;
  const superlinear = speedup !== null && n !== null && speedup > n;
  const estimate = implementation?.speedup_estimate ?? null;
  return {
    speedup,
    basis: speedup === null ? null : basis,
    n,
    superlinear,
    text: describeHeadline({
      speedup,
      basis,
      n,
      superlinear,
      sequential,
      actual,
      estimate,
      incomplete: nothingDone ? features.length : null,
      untimed: features.filter((f) => f.launched && f.duration_min === null).map((f) => f.feature_id ?? '?'),
    }),
  };
}

function describeHeadline(h: {
  speedup: number | null;
  basis: Headline['basis'];
  n: number | null;
  superlinear: boolean;
  sequential: number | null;
  actual: number | null;
  estimate: number | null;
  /** How many features the run had when none of them completed. */
  incomplete: number | null;
  /** Features that ran without a known agent time. */
  untimed: readonly string[];
}): string {
  const { speedup, basis, n, superlinear, sequential, actual } = h;
  if (h.incomplete !== null) {
    // A -j 1 run's time is another run's: only the agents' own summed time is what this run's agents ran.
    const times =
      actual === null || sequential === null
        ? ''
        : basis === 'sequential-run'
          ? ` (it ran ${formatMinutes(actual)} of wall-clock; the -j 1 run took ${formatMinutes(sequential)})`
          : ` (its agents ran ${formatMinutes(sequential)} in ${formatMinutes(actual)} of wall-clock)`;
    return `Implementation speedup not measured: no feature completed (0 of ${h.incomplete}), so the run finished no work to speed up${times}.`;
  }
  if (speedup === null) {
    return (
      `Implementation speedup not measured: ${actual === null ? 'the parallel wall-clock was not recorded' : `no sequential measurement was recorded (no -j 1 run, ${missingTimes(h.untimed)})`}` +
      (h.estimate === null ? '.' : `; the contracts' estimates alone give ${formatSpeedup(h.estimate)}.`)
    );
  }
  const against =
    basis === 'sequential-run'
      ? `the same agents run one at a time (-j 1) took ${formatMinutes(sequential)}`
      : `the agents' own times add up to ${formatMinutes(sequential)}`;
  const head = `Implementation speedup ${formatSpeedup(speedup)} (measured): ${formatMinutes(actual)} in parallel; ${against}`;
  if (!superlinear) return `${head}.`;
  return (
    `${head}. That is above N = ${n}, more than parallelism alone can give (superlinear): ` +
    'the sequential run was likely slowed by something else (machine load, cold caches), so read it as an upper bound.'
  );
}

/** Why the agents' times give no sequential measurement: whose time is unknown, when the report knows. */
function missingTimes(untimed: readonly string[]): string {
  if (untimed.length === 0) return "no agents' times";
  return `the agent time of ${untimed.join(', ')} unknown`;
}

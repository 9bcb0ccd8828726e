import { markdownCode } from '../text/markdown-code.js';
import { someOf } from '../text/some-of.js';
import { formatMinutes, formatSpeedup } from './format.js';
import type { FeatureReport, Headline, WorksheetRow } from './types.js';

/**
 * The run's features that did not complete (pure). While one did not, the run has no speedup: not the
 * headline's, not the worksheet's, not the whole method's (Amdahl's "achieved"). A speedup compares
 * the same work done one after another and in parallel, "with zero quality sacrifice": the agents'
 * time on a feature that failed, was interrupted or is still running delivered nothing yet, and the
 * wall-clock is not yet the time of the run's work. Every number that withholds a speedup asks this.
 */
export function incompleteFeatures<F extends Pick<FeatureReport, 'status'>>(features: readonly F[]): F[] {
  return features.filter((f) => f.status !== 'complete');
}

/**
 * Whether the agents' own times, summed, are more than the run's N agents can have recorded in its
 * wall-clock (pure): N agents side by side record at most N × the wall-clock, so more (a speedup above
 * N on the agent-time basis) is no measurement but wrong times: a clock that stepped back during the
 * run, or a forged duration. No speedup is claimed from them (the headline, the worksheet, Amdahl).
 * A `-j 1` run can really be slower than its agents' times (load, cold caches): that is not this.
 */
export function agentTimeExceedsN(
  implementation:
    | Pick<WorksheetRow, 'sequential_basis' | 'sequential_measured_min' | 'parallel_actual_min'>
    | undefined,
  n: number | null,
): boolean {
  const actual = implementation?.parallel_actual_min ?? null;
  const sequential = implementation?.sequential_measured_min ?? null;
  return (
    implementation?.sequential_basis === 'agent-time' &&
    actual !== null &&
    actual > 0 &&
    sequential !== null &&
    n !== null &&
    sequential > n * actual
  );
}

/**
 * THE headline speedup (pure), the one number `run`, `demo`, the markdown, JSON and HTML report
 * and the dashboard lead with: the implementation's sequential measurement (a `-j 1` run when one
 * was recorded, else the agents' summed time) over its parallel wall-clock. Estimates never make
 * the headline, and neither does a run one of whose `features` did not complete (`incompleteFeatures`):
 * the sentence then says which and why. A speedup above N is flagged: parallelism alone cannot give it.
 */
export function headlineSpeedup(
  implementation: WorksheetRow | undefined,
  n: number | null,
  run: HeadlineRun = {},
): Headline {
  const features = run.features ?? [];
  const actual = implementation?.parallel_actual_min ?? null;
  const sequential = implementation?.sequential_measured_min ?? null;
  const basis = implementation?.sequential_basis ?? null;
  const incomplete = incompleteFeatures(features);
  const inProgress = run.in_progress === true;
  const beyondN = agentTimeExceedsN(implementation, n);
  const speedup =
    incomplete.length === 0 && !inProgress && !beyondN && actual !== null && actual > 0 && sequential !== null
      ? sequential / actual
      : null;
  const superlinear = speedup !== null && n !== null && speedup > n;
  const estimate = implementation?.speedup_estimate ?? null;
  const facts = { speedup, basis, n, superlinear, sequential, actual, estimate, beyondN };
  return {
    speedup,
    basis: speedup === null ? null : basis,
    n,
    superlinear,
    text:
      incomplete.length > 0 || inProgress
        ? describeIncomplete(facts, incomplete, { total: features.length, inProgress })
        : describeHeadline({
            ...facts,
            untimed: features
              .filter((f) => f.launched && f.duration_min === null)
              .map((f) => f.feature_id ?? '?'),
          }),
  };
}

/** A feature as the headline needs it: its status, and for the sentence its id and agent time. */
type HeadlineFeature = Pick<FeatureReport, 'status'> &
  Partial<Pick<FeatureReport, 'feature_id' | 'launched' | 'duration_min'>>;

/** What the headline knows of the run besides its implementation row. */
export interface HeadlineRun {
  /** The run's features (`incompleteFeatures` decides whether a speedup can be claimed). */
  features?: readonly HeadlineFeature[];
  /** Whether the run's orchestrator is still working (`RunReport.in_progress`). */
  in_progress?: boolean;
}

/** What the headline sentence is made of. */
interface HeadlineFacts {
  speedup: number | null;
  basis: Headline['basis'];
  n: number | null;
  superlinear: boolean;
  sequential: number | null;
  actual: number | null;
  estimate: number | null;
  /** The agents' own times add up to more than N agents can record (`agentTimeExceedsN`). */
  beyondN: boolean;
}

/**
 * Why a run with unfinished work has no speedup: which features did not complete and in what state,
 * with the times it did measure (none of them a speedup).
 */
function describeIncomplete(
  h: HeadlineFacts,
  incomplete: readonly HeadlineFeature[],
  run: { total: number; inProgress: boolean },
): string {
  const { basis, sequential, actual } = h;
  // A -j 1 run's time is another run's: only the agents' own summed time is what this run's agents ran.
  const times =
    actual === null || sequential === null
      ? ''
      : basis === 'sequential-run'
        ? ` (it ran ${formatMinutes(actual)} of wall-clock; the -j 1 run took ${formatMinutes(sequential)})`
        : ` (its agents ran ${formatMinutes(sequential)} in ${formatMinutes(actual)} of wall-clock)`;
  const { total } = run;
  if (run.inProgress) {
    const open =
      incomplete.length === 0
        ? ''
        : `, ${incomplete.length} of ${total} feature${total === 1 ? '' : 's'} not complete (${byStatus(incomplete)})`;
    return `Implementation speedup not measured yet: the run is in progress${open}.`;
  }
  if (incomplete.length === total) {
    return `Implementation speedup not measured: no feature completed (0 of ${total}), so the run finished no work to speed up${times}.`;
  }
  return (
    `Implementation speedup not measured: ${incomplete.length} of ${total} features did not complete ` +
    `(${byStatus(incomplete)}), so a speedup would count agent time that delivered nothing yet${times}.`
  );
}

/** Features named by status: `` `b`, `c` interrupted; `d` failed-checks `` (at most five names a status). */
function byStatus(features: readonly HeadlineFeature[]): string {
  const groups = new Map<string, string[]>();
  for (const f of features) {
    const ids = groups.get(f.status) ?? [];
    ids.push(markdownCode(f.feature_id ?? '?'));
    groups.set(f.status, ids);
  }
  return [...groups].map(([status, ids]) => `${someOf(ids, 5)} ${status}`).join('; ');
}

function describeHeadline(h: HeadlineFacts & { untimed: readonly string[] }): string {
  const { speedup, basis, n, superlinear, sequential, actual } = h;
  if (speedup === null) {
    return (
      `Implementation speedup not measured: ${whyUnmeasured(h)}` +
      (h.estimate === null || h.beyondN
        ? '.'
        : `; the contracts' estimates alone give ${formatSpeedup(h.estimate)}.`)
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

/** Why a run whose features all completed has no speedup: which of the two times is missing or wrong. */
function whyUnmeasured(h: HeadlineFacts & { untimed: readonly string[] }): string {
  const { sequential, actual, n } = h;
  if (actual === null) return 'the parallel wall-clock was not recorded';
  if (actual <= 0) {
    return (
      "the run's end is stamped at or before its start, so its parallel wall-clock was not measured " +
      '(a clock that went backwards during the run, or forged timestamps)'
    );
  }
  if (h.beyondN && sequential !== null) {
    return (
      `the agents' own times add up to ${formatMinutes(sequential)} in ${formatMinutes(actual)} of wall-clock ` +
      `(${formatSpeedup(sequential / actual)}), more than N = ${n} agents side by side can record ` +
      '(N × the wall-clock at most): a clock stepped back during the run, or a duration was forged, ' +
      'so these times measure no speedup'
    );
  }
  return `no sequential measurement was recorded (no -j 1 run, ${missingTimes(h.untimed)})`;
}

/** Why the agents' times give no sequential measurement: whose time is unknown, when the report knows. */
function missingTimes(untimed: readonly string[]): string {
  if (untimed.length === 0) return "no agents' times";
  return `the agent time of ${untimed.join(', ')} unknown`;
}

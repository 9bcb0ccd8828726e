/**
 * Why checks failed, in words: one rule for the run's verdict (`runner/outcome.ts`), the fold after a
 * `baton verify`, and integration's "not merged"; and why checks that passed vouch for no commit.
 */
import { clipLine } from '../text/one-line.js';
import { someOf } from '../text/some-of.js';
import type { CheckResult, FeatureState } from './state.js';

/** The first failed criterion's id and message, and which others failed; undefined for none (pure). */
export function checkFailuresReason(
  failures: ReadonlyArray<{ criterion_id: string; message: string }>,
): string | undefined {
  const [first, ...rest] = failures;
  if (!first) return undefined;
  const more = rest.length > 0 ? ` (and ${rest.map((f) => f.criterion_id).join(', ')} failed too)` : '';
  return `${first.criterion_id}: ${clipLine(first.message)}${more}`;
}

/** The same, from a feature's folded checks (pure). */
export function failedChecksReason(checks: Readonly<Record<string, CheckResult>>): string | undefined {
  return checkFailuresReason(Object.values(checks).filter((c) => c.outcome === 'failed'));
}

/** Why a feature's passing checks vouch for no commit, and what to do about it. */
export interface UncommittedChecks {
  reason: string;
  hint: string;
}

/**
 * Whether a feature's last worktree checks ran on changes not committed in its worktree, and so
 * checked no commit (pure). One rule for integrate's "not merged" (`uncheckedReason`), the warning
 * `baton verify` prints and the note on `baton status`'s row: integrate merges only committed work.
 */
export function uncommittedChecks(
  f: Pick<FeatureState, 'feature_id' | 'checked_dirty'> | undefined,
): UncommittedChecks | undefined {
  if (!f?.checked_dirty) return undefined;
  return {
    reason: 'its last checks ran on changes not committed in its worktree',
    hint: `commit them, then run \`baton verify ${f.feature_id}\``,
  };
}

/** The same in one line: the reason, then the hint. */
export function uncommittedChecksReason(
  f: Pick<FeatureState, 'feature_id' | 'checked_dirty'> | undefined,
): string | undefined {
  const u = uncommittedChecks(f);
  return u && `${u.reason}; ${u.hint}`;
}

/**
 * Whether a feature's acceptance checks never ran although its contract has `planned` worktree
 * criteria: the log holds no result of any (pure). A `complete` one ended so on a run with
 * `--no-verify`, or a hook's word: one rule for integrate, which leaves it out, and for `baton status`
 * (table and JSON) and the dashboard, which call it `unverified`.
 */
export function checksNeverRan(f: Pick<FeatureState, 'checks'>, planned: number): boolean {
  return planned > 0 && Object.keys(f.checks).length === 0;
}

/** Why such a feature is not taken as passing, and what to run (integrate's reason, status's note). */
export function checksNeverRanReason(featureId: string): string {
  return `its acceptance checks never ran (a run with --no-verify, or a hook's word); run \`baton verify ${featureId}\``;
}

/**
 * A worktree criterion as its contract now defines it (`plannedCriteria`): `Criterion`'s id, kind and
 * text, and the digest of its definition (`criterionDigest`): what a result is of.
 */
export interface PlannedCriterion {
  id: string;
  kind: CheckResult['kind'];
  text: string;
  digest: string;
}

/** Each feature's worktree criteria (`criteriaFor`, `owns` included), by feature id: "checks n/m"'s m is their number. */
export type PlannedCriteria = Readonly<Record<string, readonly PlannedCriterion[]>>;

/**
 * A criterion's result in a feature's checks, when it is of the criterion as its contract now defines
 * it (same kind, text and definition digest; a result of a log older than the digest is matched by the
 * rest); undefined when none is (pure). A criterion added, reworded or changed since its checks ran
 * (its command, thresholds, timeout, files, or the `owns` it checks), or one they never ran (a worker
 * that reports `complete` without checks), has none.
 */
export function resultOf(
  c: PlannedCriterion,
  checks: Readonly<Record<string, CheckResult>>,
): CheckResult | undefined {
  const r = Object.hasOwn(checks, c.id) ? checks[c.id] : undefined;
  return r !== undefined &&
    r.kind === c.kind &&
    r.text === c.text &&
    (r.digest === undefined || r.digest === c.digest)
    ? r
    : undefined;
}

/**
 * The results that speak for a feature now (pure): with `planned` (its contract's criteria at the
 * place, when known), each one's result as `resultOf` finds it, so a result of a criterion removed or
 * changed since counts for nothing; without, every result recorded.
 */
export function plannedResults(
  checks: Readonly<Record<string, CheckResult>>,
  planned: readonly PlannedCriterion[] | undefined,
): CheckResult[] {
  return planned === undefined ? Object.values(checks) : planned.flatMap((c) => resultOf(c, checks) ?? []);
}

/**
 * The criteria with no result in a feature's checks (`resultOf`; pure). One rule for integrate's "not
 * merged", a queued run's end (`settleCompleted`) and `complete (unverified)` (`unverifiedReason`).
 */
export function criteriaWithoutResult<C extends PlannedCriterion>(
  criteria: readonly C[],
  checks: Readonly<Record<string, CheckResult>>,
): C[] {
  return criteria.filter((c) => resultOf(c, checks) === undefined);
}

/** Why criteria without a result keep a feature from passing, and what to run (pure). */
export function noResultReason(featureId: string, ids: readonly string[]): string {
  const one = ids.length === 1;
  return `${one ? 'criterion' : 'criteria'} ${someOf(ids, 3)} of its contract ${one ? 'has' : 'have'} no result from its last checks (never run, or added or changed since they ran); run \`baton verify ${featureId}\``;
}

/** Whether `config.trust_workers` takes a worker's checks as passed (docs/distributed.md): a trust decision. */
export interface WorkerTrust {
  trustWorkers: boolean;
}

/**
 * Why a feature's passing worktree checks vouch for nothing here: one of them a `baton worker` ran and
 * reported (`by: 'worker'`), and no check on this machine (`baton verify`) has replaced it since (pure).
 * Undefined when every passing result ran here, or when the config trusts workers. One rule for
 * integrate's "not merged", `baton status`, the dashboard, the report and the end of `run --queue`.
 */
export function workerChecksReason(
  f: Pick<FeatureState, 'feature_id' | 'checks' | 'queue'>,
  trust: WorkerTrust,
): string | undefined {
  if (trust.trustWorkers) return undefined;
  const fromWorker = Object.values(f.checks).some((c) => c.outcome === 'passed' && c.by === 'worker');
  if (!fromWorker) return undefined;
  const q = f.queue;
  const who = q?.worker
    ? `worker ${q.worker}${q.host ? ` (host ${q.host})` : ''}`
    : q?.host
      ? `a worker on host ${q.host}`
      : 'a worker';
  return `its checks passed on ${who}, unverified here; run \`baton verify ${f.feature_id}\``;
}

/**
 * Why a `complete` feature is not taken as passing although nothing failed (pure): its checks never ran
 * (`checksNeverRan`), one of its `criteria` has no result (`criteriaWithoutResult`, integrate's rule),
 * or they passed only on a worker (`workerChecksReason`). `criteria` are its contract's worktree ones,
 * undefined when unknown (then only a worker's word is judged). Shown as `complete (unverified)` with
 * this reason by `baton status`, the live run table, the end of `run --queue` and the dashboard.
 */
export function unverifiedReason(
  f: Pick<FeatureState, 'feature_id' | 'status' | 'checks' | 'queue'>,
  criteria: readonly PlannedCriterion[] | undefined,
  trust: WorkerTrust,
): string | undefined {
  if (f.status !== 'complete') return undefined;
  if (checksNeverRan(f, criteria?.length ?? 0)) return checksNeverRanReason(f.feature_id);
  const missing = criteria === undefined ? [] : criteriaWithoutResult(criteria, f.checks);
  if (missing.length > 0)
    return noResultReason(
      f.feature_id,
      missing.map((c) => c.id),
    );
  return workerChecksReason(f, trust);
}

/** Whether a feature is `complete` but unverified (`unverifiedReason`): shown `complete (unverified)`. */
export function unverifiedComplete(
  f: Pick<FeatureState, 'feature_id' | 'status' | 'checks' | 'queue'>,
  criteria: readonly PlannedCriterion[] | undefined,
  trust: WorkerTrust,
): boolean {
  return unverifiedReason(f, criteria, trust) !== undefined;
}

/** Checks counted as none ran (`countChecks`'s shape), for a feature the log never names. */
export const NO_CHECKS = { passed: 0, failed: 0, unverifiable: 0, total: 0 };

/**
 * Counts a feature's checks: passed, failed and unverifiable, and `total`, the m of "checks n/m".
 * With `planned` (its contract's criteria at `on`, the implicit `owns` one included on a worktree,
 * when known): each criterion's result as `resultOf` finds it (`plannedResults`), so a criterion added
 * or changed since the checks ran counts as not passed and a result of one the contract no longer has
 * counts for nothing, and on a worktree `total` is their number. Without: the results recorded. On the
 * integration branch `total` counts results, what the last integration said (none before one ran
 * them). Status, the report and the dashboard all show this.
 */
export function countChecks(
  f: FeatureState,
  on: 'worktree' | 'integration' = 'worktree',
  planned?: readonly PlannedCriterion[],
): {
  passed: number;
  failed: number;
  unverifiable: number;
  total: number;
} {
  const recorded = on === 'worktree' ? f.checks : f.integration_checks;
  const results = plannedResults(recorded, planned);
  const passed = results.filter((r) => r.outcome === 'passed').length;
  const failed = results.filter((r) => r.outcome === 'failed').length;
  const unverifiable = results.filter((r) => r.outcome === 'unverifiable').length;
  const total = on === 'worktree' ? (planned?.length ?? results.length) : results.length;
  return { passed, failed, unverifiable, total };
}

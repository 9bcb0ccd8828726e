/**
 * Which features an integration takes: by default only those whose folded status is `complete`;
 * `--include` opts other statuses in. Pure: the caller folds the log and asks git for branches.
 */

import { undecidedReason } from '../attempts/pick.js';
import { criteriaFor, plannedCriteria } from '../checks/criteria.js';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { attemptBranch, featureBranch } from '../git/refs.js';
import { dependentsOf, orderForIntegration } from '../graph/integration-order.js';
import type { Plan } from '../graph/types.js';
import {
  checkFailuresReason,
  checksNeverRan,
  checksNeverRanReason,
  criteriaWithoutResult,
  failedChecksReason,
  noResultReason,
  resultOf,
  uncommittedChecksReason,
  type WorkerTrust,
  workerChecksReason,
} from '../log/check-reason.js';
import { FEATURE_STATUSES, type FeatureStatus, type IntegrationExclusion } from '../log/events.js';
import type { FeatureState } from '../log/fold.js';
import { resumeRunCommand } from '../runner/resume-command.js';
import type { HeldWork } from './carried-work.js';
import { movedSinceFailedChecks, movedSinceFailureWords } from './moved-since-failure.js';

/** Statuses `--include` accepts: every status but `complete`, which is always taken. */
export const INCLUDABLE_STATUSES: readonly FeatureStatus[] = FEATURE_STATUSES.filter((s) => s !== 'complete');

/** Reads `--include failed,empty` (repeatable, comma-separated); an unknown status is a usage error. */
export function parseInclude(values: readonly string[]): FeatureStatus[] {
  const words = values.flatMap((v) => v.split(',')).map((w) => w.trim().toLowerCase());
  const out: FeatureStatus[] = [];
  for (const w of words.filter((x) => x !== '')) {
    if (w === 'complete') continue;
    if (!(INCLUDABLE_STATUSES as readonly string[]).includes(w)) {
      throw new UserError('integrate/bad-include', `--include takes feature statuses, got "${w}"`, {
        exitCode: 2,
        hint: `Use any of: ${INCLUDABLE_STATUSES.join(', ')} (comma-separated).`,
      });
    }
    if (!out.includes(w as FeatureStatus)) out.push(w as FeatureStatus);
  }
  return out;
}

/** Why a feature that is not `complete` did not pass, in a few words from its folded state (pure). */
export function notPassedReason(f: FeatureState | undefined): string {
  if (f === undefined || f.status === 'pending') return 'no run recorded in the log';
  switch (f.status) {
    case 'failed-checks':
      return failedChecksReason(f.checks) ?? f.reason ?? 'its acceptance checks failed';
    case 'failed':
      return f.reason ?? (f.exit_code != null ? `agent exit ${f.exit_code}` : 'the agent failed');
    case 'empty':
      return f.reason ?? 'the agent changed nothing';
    case 'timeout':
      return f.reason ?? 'the agent timed out';
    case 'interrupted':
      return f.reason ?? 'the run was interrupted';
    case 'collision':
      return f.reason ?? 'the collision radar stopped it';
    case 'running':
      return 'its agent is still running';
    case 'needs-input':
      return 'its agent is waiting for input';
    case 'verifying':
      return 'its checks are still running';
    case 'complete':
      return 'complete';
  }
}

/** What an integration takes, leaves out, and opts in. */
export interface IntegrationSelection {
  /** Features to merge, in plan order. */
  merge: string[];
  /** Selected features without a branch `baton/<id>`. */
  notRun: string[];
  /**
   * Of `notRun`, the best-of-N features whose run ended before a winner was chosen, with why
   * (`undecidedReason`): their attempts ran, and `baton run --resume <id>` decides them.
   */
  undecided?: Readonly<Record<string, string>>;
  /** Selected features with a branch that are left out, with their status and why. */
  excluded: IntegrationExclusion[];
  /** Of `excluded`, those whose branch moved since their checks failed (`movedSinceFailedChecks`): to verify. */
  recheck?: string[];
  /** Features in `merge` whose status is not `complete`, let in by `include`. */
  included: Array<{ feature_id: string; status: FeatureStatus }>;
}

/** Inputs of `selectForIntegration`. */
export interface SelectionInput {
  plan: Plan;
  /** Selected ids (all of the plan when undefined). */
  selected: readonly string[] | undefined;
  hasBranch: (id: string) => boolean;
  /** The folded state of each feature (undefined: the log never mentions it). */
  stateOf: (id: string) => FeatureState | undefined;
  include: readonly FeatureStatus[];
  /** The commit each selected branch is at now (undefined: unknown). */
  tipOf: (id: string) => string | undefined;
  /** Dependencies of selected features, not merged in this integration, whose work the base already holds. */
  inBase: ReadonlySet<string>;
  /** The config's `trust_workers`: checks a worker reported count as passed. */
  trust: WorkerTrust;
  /**
   * Which of `leftOut`'s own work a selected feature's branch holds (`heldWorkFinder`); undefined
   * when git was not asked (no feature is left out).
   */
  holds?: ((id: string, leftOut: readonly string[]) => HeldWork | undefined) | undefined;
}

/**
 * Why a feature's recorded checks do not pass its contract's worktree criteria as they now stand
 * (pure): one of them failed (whatever a hook said of the feature's status since), or one has no
 * result (`criteriaWithoutResult`: a criterion added, or reworded, after its checks ran, or never run).
 * A words-only criterion's result is `unverifiable`, never counted as passed, and does not stop it here.
 */
export function criteriaNotPassed(contract: Contract, f: FeatureState): string | undefined {
  const id = contract.feature_id;
  const criteria = plannedCriteria(contract);
  const failed = criteria.flatMap((c) => {
    const r = resultOf(c, f.checks);
    return r?.outcome === 'failed' ? [r] : [];
  });
  const failures = checkFailuresReason(failed);
  if (failures !== undefined)
    return `its checks failed (${failures}); fix it, then run \`baton verify ${id}\``;
  const unchecked = criteriaWithoutResult(criteria, f.checks);
  return unchecked.length === 0
    ? undefined
    : noResultReason(
        id,
        unchecked.map((c) => c.id),
      );
}

/**
 * Why a `complete` feature's branch is not what its checks passed (pure): they never ran (`baton run
 * --no-verify`, or a hook reported it complete) although its contract has worktree criteria, they do
 * not pass its criteria as they now stand (`criteriaNotPassed`), they passed only on a worker and the
 * config does not trust workers (`workerChecksReason`), its last checks ran on uncommitted changes, or
 * the branch moved past the commit they checked. Undefined when the branch is that commit, or when
 * the log predates the record of which commit it was.
 */
export function uncheckedReason(
  contract: Contract | undefined,
  f: FeatureState | undefined,
  tip: string | undefined,
  trust: WorkerTrust,
): string | undefined {
  const id = contract?.feature_id ?? f?.feature_id ?? '';
  if (f && contract && checksNeverRan(f, criteriaFor(contract, 'worktree').length)) {
    return checksNeverRanReason(id);
  }
  const notPassed = f && contract ? criteriaNotPassed(contract, f) : undefined;
  if (notPassed !== undefined) return notPassed;
  const fromWorker = f && workerChecksReason(f, trust);
  if (fromWorker) return fromWorker;
  const uncommitted = uncommittedChecksReason(f);
  if (uncommitted !== undefined) return uncommitted;
  if (f?.commit === undefined || tip === undefined || tip === f.commit) return undefined;
  const branch = featureBranch(id);
  // Best-of-N: verify checks the winner's branch and moves baton/<id> on only fast-forward, so it alone may change nothing.
  const next = f.winner
    ? `run \`baton pick ${id} ${f.winner.attempt}\` to go back to the commit that attempt recorded, or merge ${branch} into ${attemptBranch(id, f.winner.attempt)} and run \`baton verify ${id}\``
    : `run \`baton verify ${id}\``;
  return `${branch} is at ${tip.slice(0, 10)}, but its checks passed on ${f.commit.slice(0, 10)}; ${next}`;
}

/**
 * Why a feature is not taken on its own account (pure): its status is neither `complete` nor one
 * `include` opts in, or it is `complete` but `commit` (what would be merged) is not what its checks
 * passed on. Undefined when it is taken.
 */
export function notTakenReason(
  contract: Contract | undefined,
  f: FeatureState | undefined,
  rule: { include: readonly FeatureStatus[]; trust: WorkerTrust },
  commit: string | undefined,
): string | undefined {
  const status = f?.status ?? 'pending';
  if (status === 'complete') return uncheckedReason(contract, f, commit, rule.trust);
  return rule.include.includes(status) ? undefined : notPassedReason(f);
}

/**
 * The features of an integration under way that would no longer be taken (pure), by the rule it
 * began with (`notTakenReason`, with its `include`), against the commit it recorded for each: a
 * feature whose checks failed since (`baton verify`), or whose last checks ran on another commit.
 */
export function noLongerTaken(
  plan: Plan,
  ids: readonly string[],
  stateOf: (id: string) => FeatureState | undefined,
  rule: { include: readonly FeatureStatus[]; trust: WorkerTrust },
  commits: Readonly<Record<string, string>>,
): IntegrationExclusion[] {
  return ids.flatMap((id) => {
    const f = stateOf(id);
    const reason = notTakenReason(plan.byId.get(id), f, rule, commits[id]);
    return reason === undefined ? [] : [{ feature_id: id, status: f?.status ?? 'pending', reason }];
  });
}

/**
 * Why a selected feature without a branch is left out, as the merge records it and the prediction
 * lists it; `undecided`: why its best-of-N has no winner yet (`undecidedReason`), when that is so.
 */
export function notRunReason(id: string, undecided?: string): string {
  if (undecided !== undefined)
    return `best-of-N not decided yet: ${undecided}; \`${resumeRunCommand([id])}\` selects its winner`;
  return `not run: no branch ${featureBranch(id)}`;
}

/** The selected features without a branch whose best-of-N is undecided, with why (pure). */
function undecidedOf(input: SelectionInput, notRun: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    notRun.flatMap((id) => {
      const why = undecidedReason(input.stateOf(id));
      return why === undefined ? [] : [[id, why] as const];
    }),
  );
}

/** Why a feature cannot be taken although it passed: a dependency neither merged here nor in the base (pure). */
function missingDependency(
  input: SelectionInput,
  id: string,
  order: readonly string[],
  notRun: readonly string[],
) {
  const deps = input.plan.byId.get(id)?.depends_on.features ?? [];
  const missing = deps.find((d) => !order.includes(d) && !input.inBase.has(d));
  if (missing === undefined) return undefined;
  const why = !notRun.includes(missing)
    ? 'not selected, and not in the base'
    : undecidedReason(input.stateOf(missing)) === undefined
      ? 'not run: no branch'
      : 'best-of-N not decided yet';
  return `depends on ${missing}, which is not merged (${why})`;
}

/**
 * Splits the selected features into those to merge and those left out (pure). A feature is taken
 * when its status is `complete` (and its branch is the commit its checks passed) or named in
 * `include`, and each of its dependencies is taken too or already in the base; a feature that depends
 * on one left out is left out too, since its branch may carry or assume the work that did not pass;
 * and so is one whose branch does carry a left-out feature's own commits (`holds`), declared or not.
 */
export function selectForIntegration(input: SelectionInput): IntegrationSelection {
  const { order, notRun } = orderForIntegration(input.plan, input.selected, input.hasBranch);
  const statusOf = (id: string): FeatureStatus => input.stateOf(id)?.status ?? 'pending';
  const excluded: IntegrationExclusion[] = [];
  const out = new Set<string>();
  const leaveOut = (id: string, reason: string) => {
    const status = statusOf(id);
    out.add(id);
    excluded.push({ feature_id: id, status, reason });
    for (const dep of dependentsOf(input.plan, id, order)) {
      if (out.has(dep)) continue;
      out.add(dep);
      excluded.push({
        feature_id: dep,
        status: statusOf(dep),
        reason: `depends on ${id}, which is not merged${status === 'complete' ? '' : ` (${status})`}`,
      });
    }
  };
  const recheck: string[] = [];
  for (const id of order) {
    if (out.has(id)) continue;
    const f = input.stateOf(id);
    const tip = input.tipOf(id);
    let reason = notTakenReason(input.plan.byId.get(id), f, input, tip);
    if (reason !== undefined && tip !== undefined && movedSinceFailedChecks(f, tip)) {
      reason = `${reason}; ${movedSinceFailureWords(id, tip, f.commit)}`;
      recheck.push(id);
    }
    const why = reason ?? missingDependency(input, id, order, notRun);
    if (why !== undefined) leaveOut(id, why);
  }
  for (const [id, why] of carriersOfLeftOut(input, order, out)) if (!out.has(id)) leaveOut(id, why);
  const merge = order.filter((id) => !out.has(id));
  const included = merge
    .filter((id) => statusOf(id) !== 'complete')
    .map((id) => ({ feature_id: id, status: statusOf(id) }));
  const rank = new Map(order.map((id, i) => [id, i]));
  excluded.sort((a, b) => (rank.get(a.feature_id) ?? 0) - (rank.get(b.feature_id) ?? 0));
  const undecided = undecidedOf(input, notRun);
  return {
    merge,
    notRun,
    excluded,
    included,
    ...(recheck.length > 0 ? { recheck } : {}),
    ...(Object.keys(undecided).length > 0 ? { undecided } : {}),
  };
}

/**
 * The features still taken (of `order`, less `out`) whose branch holds own work of a feature not
 * merged (not taken, not selected, or itself such a carrier, to the end), each with why (pure).
 * None without `input.holds`.
 */
function carriersOfLeftOut(
  input: SelectionInput,
  order: readonly string[],
  out: ReadonlySet<string>,
): Map<string, string> {
  const carriers = new Map<string, string>();
  const holds = input.holds;
  if (holds === undefined) return carriers;
  for (;;) {
    const taken = (id: string) => order.includes(id) && !out.has(id) && !carriers.has(id);
    const leftOut = input.plan.order.filter((id) => !taken(id));
    const found = order.filter(taken).flatMap((id) => {
      const held = holds(id, leftOut);
      return held ? [[id, held] as const] : [];
    });
    if (found.length === 0) return carriers;
    for (const [id, held] of found) carriers.set(id, carriedWorkReason(input, order, held));
  }
}

/** Why a feature whose branch holds a left-out feature's own commits is left out (pure). */
function carriedWorkReason(input: SelectionInput, order: readonly string[], held: HeldWork): string {
  const status = input.stateOf(held.feature_id)?.status;
  const why = !order.includes(held.feature_id)
    ? 'not selected'
    : status === undefined || status === 'complete'
      ? undefined
      : status;
  return `its branch carries ${held.feature_id}'s work (commit ${held.commit.slice(0, 10)}), which is not merged${why ? ` (${why})` : ''}: it would come along; take it off the branch, or integrate ${held.feature_id} with it`;
}

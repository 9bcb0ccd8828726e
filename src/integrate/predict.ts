import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { currentBranch, resolveCommit } from '../git/git.js';
import { diffNamesByTip, type MergeTreeResult, mergeTree } from '../git/merge.js';
import type { Clock } from '../log/append.js';
import { everyPair, selectCandidatePairs } from './candidate-pairs.js';
import { gitTies, nameCommits } from './conflict-ties.js';
import { conflictsOwnChangesTouch } from './own-work.js';
import { type FeatureBranch, findOwnWorkStarts, withCarried } from './own-work-start.js';
import { findOwnershipViolations, type OwnershipViolation } from './ownership.js';

export { type CandidatePair, selectCandidatePairs } from './candidate-pairs.js';
export { walkOwnCommits } from './own-work.js';
export { type FeatureBranch, withCarried } from './own-work-start.js';

/** What one feature branch changed since its own work began (see `collectBranchChanges`). */
export interface BranchChanges {
  feature_id: string;
  branch: string;
  tip: string;
  /** The one commit where the branch's own work starts; undefined when there is none or several. */
  fork: string | undefined;
  /** Commits on the branch that the base (and the dependencies it carries) does not have. */
  own: readonly string[];
  /** Files that differ between the fork point and the tip. */
  files: readonly string[];
  /** Folders the fork point has and the tip does not (every file in them moved out or deleted). */
  folders_removed: readonly string[];
  /** The dependencies whose work the branch carries (cut from theirs), measured beyond; usually none. */
  stacked_on: readonly string[];
  /** Whether the tip holds the base commit, so that merging it onto the base cannot conflict. */
  holds_base: boolean;
}

/** Two features whose branches conflict (or overlap harmlessly), with the files. */
export interface PairFinding {
  a: string;
  b: string;
  files: string[];
  /** Per conflicted file neither changed itself, git's message tying it to their changes (`gitTies`). */
  ties?: Record<string, string>;
}

/** A feature whose branch conflicts with the base as it is now (it moved on since the branch was cut). */
export interface BaseFinding {
  feature_id: string;
  files: string[];
}

/** The prediction for a set of feature branches: conflicts, harmless overlaps, ownership violations. */
export interface Prediction {
  /** The commit the integration starts from. */
  base: string;
  /** The base as the user named it (`main`), for messages. */
  base_name: string;
  features: string[];
  /** Changed files per feature, relative to where its own work starts. */
  changed: Record<string, string[]>;
  /** N·(N−1)/2 for the features compared. */
  pairs: number;
  /** Pairs that went through `git merge-tree` after the prefilter. */
  merge_tested: number;
  /** Features merge-tested against the base: those whose branch lacks its latest commits. */
  base_tested: number;
  /** Of those, the ones cut from a commit the base does not hold, and that commit (`PredictOptions.cuts`). */
  cut_outside: Record<string, string>;
  conflicts: PairFinding[];
  /** Features whose merge onto the base conflicts with what the base changed since they were cut. */
  base_conflicts: BaseFinding[];
  clean_overlaps: PairFinding[];
  violations: OwnershipViolation[];
  duration_ms: number;
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the order of results. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function unrelatedToBase(names: readonly string[], base: string): UserError {
  return new UserError('integrate/unrelated', `${names.join(', ')} shares no history with the base ${base}`, {
    hint: 'Feature branches must be cut from the base; check `git log --oneline --graph`.',
  });
}

/**
 * Reads what each branch changed since its own work began (`findOwnWorkStarts`, the rule `baton run`
 * and `baton verify` measure by too): since it left `base`, or, for a branch cut from branches it
 * `carries`, since the merge that stacked it on them, or, for one cut from a commit `base` does not
 * hold (`cuts`, proven by `cutsOutsideBase`), since that commit; then every diff in one git call.
 */
export async function collectBranchChanges(
  cwd: string,
  base: string,
  branches: readonly FeatureBranch[],
  cuts: Readonly<Record<string, string>> = {},
): Promise<BranchChanges[]> {
  const starts = await findOwnWorkStarts(cwd, base, branches, cuts);
  const from = new Map<string, string>();
  for (const s of starts) {
    if (s.walk.own.length === 0 || from.has(s.tip)) continue;
    if (s.start === undefined)
      throw unrelatedToBase(
        starts.filter((o) => o.tip === s.tip).map((o) => o.branch),
        base,
      );
    from.set(s.tip, s.start);
  }
  const diffs = await diffNamesByTip(
    cwd,
    [...from].map(([tip, start]) => ({ tip, from: start })),
  );
  return starts.map((s) => ({
    feature_id: s.feature_id,
    branch: s.branch,
    tip: s.tip,
    fork: s.walk.boundary.length === 1 ? s.walk.boundary[0] : undefined,
    own: s.walk.own,
    files: diffs.get(s.tip)?.files ?? [],
    folders_removed: diffs.get(s.tip)?.folders_removed ?? [],
    stacked_on: s.carried,
    holds_base: s.fromBase.own.length === 0 || s.fromBase.boundary.includes(base),
  }));
}

/** Options of `predictConflicts`. */
export interface PredictOptions {
  /** Any checkout of the repository. */
  cwd: string;
  /** The commit (or ref) the integration starts from: every feature is also tested against it. */
  base: string;
  /** The ref the base was read from, as the user gave it (`HEAD`, `refs/heads/main`), for messages. */
  baseRef?: string;
  /** Features to compare, in plan order. */
  branches: readonly FeatureBranch[];
  /** Contracts, for ownership (all of the plan's, so files owned by unselected features count too). */
  contracts: readonly Contract[];
  /** Parallel git processes. */
  concurrency?: number;
  /** Run `git merge-tree` on every pair, without the prefilter (for comparison). */
  exhaustive?: boolean;
  /** Features cut from a commit the base does not hold, and that commit (`cutCommitsOf`): measured from it. */
  cuts?: Readonly<Record<string, string>>;
  clock?: Clock;
}

/**
 * The conflicted files of a merge that the features' own work takes part in (undefined when it is
 * clean). Two branches cut from different commits each carry work that is neither's own (the base's
 * between those commits, the dependencies' a stacked branch carries): a conflict is theirs only where
 * both sides' own changes take part; the rest is with that work, and the test against the base, or
 * the dependency's own test, reports it. A feature stacked on its dependencies is never blamed for
 * what only they changed.
 */
function ownConflicts(result: MergeTreeResult, sides: readonly BranchChanges[]): string[] | undefined {
  if (result.clean) return undefined;
  let files = [...result.conflicts].sort();
  const [a, b] = sides;
  const apart = b !== undefined && (a!.fork === undefined || a!.fork !== b.fork);
  for (const s of sides)
    if (apart || s.stacked_on.length > 0) files = conflictsOwnChangesTouch(files, s.files, result.messages);
  return files.length > 0 ? files : undefined;
}

/** The conflict of a pair's merge test, with git's words for the files it ties to their changes. */
function pairConflict(
  result: MergeTreeResult,
  sides: readonly [BranchChanges, BranchChanges],
): PairFinding | undefined {
  const files = ownConflicts(result, sides);
  if (files === undefined) return undefined;
  const [a, b] = sides;
  const messages = nameCommits(
    result.messages,
    sides.map((s) => ({ commit: s.tip, name: s.feature_id })),
  );
  const ties = gitTies(files, [a.files, b.files], messages);
  return { a: a.feature_id, b: b.feature_id, files, ...(Object.keys(ties).length > 0 ? { ties } : {}) };
}

/** How messages name the base: its branch (`main` for `refs/heads/main`, HEAD's branch for `HEAD`). */
export async function nameOfBase(cwd: string, ref: string): Promise<string> {
  if (ref === 'HEAD') return (await currentBranch(cwd)) ?? 'HEAD';
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/**
 * Predicts integration problems before any merge: which pairs of branches truly conflict (by
 * `git merge-tree`, run only on pairs the changed-file prefilter cannot clear), which features
 * conflict with the base the integration starts from (one `git merge-tree` each, only for a branch
 * that lacks the base's tip: the base moved on since it was cut), which overlap harmlessly, and
 * which changed files break the contracts' ownership.
 */
export async function predictConflicts(options: PredictOptions): Promise<Prediction> {
  const clock = options.clock ?? (() => new Date());
  const started = clock().getTime();
  const concurrency = options.concurrency ?? 4;
  const baseCommit = await resolveCommit(options.cwd, options.base);
  if (baseCommit === undefined) {
    throw new UserError(
      'integrate/bad-base',
      `the base "${options.base}" is not a commit in this repository`,
      {
        hint: 'Pass --base <branch or commit>, or fix `base` in the config.',
      },
    );
  }
  const changes = await collectBranchChanges(
    options.cwd,
    baseCommit,
    withCarried(options.branches, options.contracts),
    options.cuts,
  );
  const candidates = options.exhaustive ? everyPair(changes) : selectCandidatePairs(changes);
  const byId = new Map(changes.map((c) => [c.feature_id, c]));
  const behindBase = changes.filter((c) => c.own.length > 0 && !c.holds_base);
  // One queue for both kinds of test, so that `concurrency` bounds them together.
  const tests = [
    ...candidates.map((pair) => [byId.get(pair.a)!, byId.get(pair.b)!] as const),
    ...behindBase.map((c) => [undefined, c] as const),
  ];
  const results = await mapLimited(tests, concurrency, ([a, b]) =>
    mergeTree(options.cwd, a?.tip ?? baseCommit, b.tip),
  );
  const conflicts: PairFinding[] = [];
  const cleanOverlaps: PairFinding[] = [];
  for (const [i, pair] of candidates.entries()) {
    const found = pairConflict(results[i]!, [byId.get(pair.a)!, byId.get(pair.b)!]);
    if (found) conflicts.push(found);
    else if (pair.files.length > 0) cleanOverlaps.push({ a: pair.a, b: pair.b, files: pair.files });
  }
  const baseConflicts: BaseFinding[] = [];
  for (const [k, c] of behindBase.entries()) {
    const files = ownConflicts(results[candidates.length + k]!, [c]);
    if (files) baseConflicts.push({ feature_id: c.feature_id, files });
  }
  const changed = new Map(changes.map((c) => [c.feature_id, c.files]));
  const n = changes.length;
  return {
    base: baseCommit,
    base_name: await nameOfBase(options.cwd, options.baseRef ?? options.base),
    features: changes.map((c) => c.feature_id),
    changed: Object.fromEntries([...changed].map(([id, files]) => [id, [...files]])),
    pairs: (n * (n - 1)) / 2,
    merge_tested: candidates.length,
    base_tested: behindBase.length,
    cut_outside: Object.fromEntries(
      behindBase.flatMap((c) => {
        const cut = options.cuts?.[c.feature_id];
        return cut ? [[c.feature_id, cut]] : [];
      }),
    ),
    conflicts,
    base_conflicts: baseConflicts,
    clean_overlaps: cleanOverlaps,
    violations: findOwnershipViolations(changed, options.contracts),
    duration_ms: clock().getTime() - started,
  };
}

/**
 * Where a feature's own work starts on its branch: the one rule `baton run` (a resumed branch),
 * `baton verify` (the owns check) and `baton integrate` (conflict prediction, the `--into` owns gate)
 * measure a feature's changes by. Its own commits are those its base lacks, less, when it carries its
 * dependencies' work (`baton run --wait-for-deps` cuts it from a merge of their branches), their
 * commits and the merges that stacked it on them, each merge proven by git to bring nothing of its
 * own: its tree is the clean merge of its parents. Its work starts where its own commits stop: at its
 * tip when it has none, at the one commit they stop at, or, when they stop at several (a stacked branch
 * that merged its base since), at the merge of those. Nothing read from the log decides it: the
 * dependencies' work is what their `baton/<id>` branches hold, and a merge counts for what git proves.
 */

import { filesOutsideOwns } from '../contracts/owns.js';
import type { Contract } from '../contracts/schema.js';
import { existingBranches } from '../git/branches.js';
import { changedFiles, GitError, git, mergeBase } from '../git/git.js';
import { commitGraphSince } from '../git/merge.js';
import { mergeTree } from '../git/merge-tree.js';
import { branchRevision, featureBranch } from '../git/refs.js';
import { dependenciesAmong, measureOwnWork, type OwnWalk, type OwnWorkWalk } from './own-work.js';

/** A feature and the branch that holds its work. */
export interface FeatureBranch {
  feature_id: string;
  branch: string;
  /**
   * Features of the same set whose branches this one may be cut from (its dependencies, with
   * `baton run --wait-for-deps`): the work it carries from them is theirs, not its own.
   */
  carries?: readonly string[];
}

/** Where one branch's own work starts (`findOwnWorkStarts`). */
export interface OwnWorkStart extends OwnWorkWalk {
  feature_id: string;
  branch: string;
  tip: string;
  /** The features of the set whose work it carries, measured beyond; empty unless `stacked`. */
  carried: string[];
  /**
   * The commit its own work is measured from (its tip when it has none of its own); undefined when it
   * shares no history with the base.
   */
  start: string | undefined;
}

/** The branches, each told which of the others it depends on (those it may be cut from). */
export function withCarried(
  branches: readonly FeatureBranch[],
  contracts: readonly Pick<Contract, 'feature_id' | 'depends_on'>[],
): FeatureBranch[] {
  const dependsOn = new Map(contracts.map((c) => [c.feature_id, c.depends_on.features]));
  const present = new Set(branches.map((b) => b.feature_id));
  return branches.map((b) => ({
    ...b,
    carries: b.carries ?? dependenciesAmong(b.feature_id, dependsOn, present),
  }));
}

/**
 * Where each branch's own work starts (see the file's header), in a few git calls whatever the number
 * of branches: the tips, the commit graph since `base` (and since `cuts`: commits features were cut
 * from that the base lacks, proven by the caller, `cutsOutsideBase`), then, only for branches that
 * carry their dependencies' work, one proof of each stacking merge, and, only for a branch whose work
 * starts at several commits, their merge. Branches at one tip are measured as the first of them.
 */
export async function findOwnWorkStarts(
  cwd: string,
  base: string,
  branches: readonly FeatureBranch[],
  cuts: Readonly<Record<string, string>> = {},
): Promise<OwnWorkStart[]> {
  if (branches.length === 0) return [];
  const tips = (
    await git(cwd, ['rev-parse', ...branches.map((b) => `${branchRevision(b.branch)}^{commit}`)])
  ).split('\n');
  // A commit a branch was cut from that the base lacks is no more its work than the base.
  const outside = [...new Set(branches.flatMap((b) => cuts[b.feature_id] ?? []))];
  const graph = await commitGraphSince(cwd, [base, ...outside], [...new Set(tips)]);
  const tipOf = new Map(branches.map((b, i) => [b.feature_id, tips[i]!]));
  const carried = branches.map((b, i) =>
    (b.carries ?? []).filter((id) => tipOf.has(id) && tipOf.get(id) !== tips[i]),
  );
  const measure = (joins?: (merge: string) => boolean) =>
    branches.map((_, i) => {
      const carriedTips = carried[i]!.map((id) => tipOf.get(id)!).filter((t) => graph.has(t));
      return measureOwnWork(graph, tips[i]!, carriedTips, joins);
    });
  let measured = measure();
  const candidates = [...new Set(measured.flatMap((m) => m.joins))];
  // Proving a merge false only takes it from the stacking merges: a second walk is the last.
  if (candidates.length > 0) {
    const proven = await provenJoins(cwd, graph, candidates);
    if (proven.size < candidates.length) measured = measure((c) => proven.has(c));
  }
  const starts = new Map<string, string | undefined>();
  for (const [i, m] of measured.entries()) {
    const tip = tips[i]!;
    if (!starts.has(tip)) starts.set(tip, await startOf(cwd, base, tip, m.walk));
  }
  return branches.map((b, i) => {
    const m = measured[i]!;
    return {
      ...m,
      feature_id: b.feature_id,
      branch: b.branch,
      tip: tips[i]!,
      carried: m.stacked ? carried[i]! : [],
      start: starts.get(tips[i]!),
    };
  });
}

/** A feature as `ownWorkStartOf` reads it: its dependencies, and the branch that holds its work. */
type FeatureOnBranch = Pick<Contract, 'feature_id' | 'depends_on'> & { branch: string };

/**
 * The features `feature` depends on (its own `depends_on`, then the others' in `contracts`) that have a
 * `baton/<id>` branch, sorted: those its branch may carry the work of. No git at all when it depends on
 * nothing.
 */
export async function dependencyBranches(
  cwd: string,
  feature: Pick<Contract, 'feature_id' | 'depends_on'>,
  contracts: readonly Pick<Contract, 'feature_id' | 'depends_on'>[],
): Promise<string[]> {
  const all = [...contracts.filter((c) => c.feature_id !== feature.feature_id), feature];
  const dependsOn = new Map(all.map((c) => [c.feature_id, c.depends_on.features]));
  const deps = dependenciesAmong(feature.feature_id, dependsOn, new Set(dependsOn.keys())).sort();
  if (deps.length === 0) return [];
  const present = await existingBranches(cwd, deps.map(featureBranch));
  return deps.filter((d) => present.has(featureBranch(d)));
}

/**
 * Where one feature's own work starts on `feature.branch` (`findOwnWorkStarts`), the work of its
 * dependencies that still have a `baton/<id>` branch (`dependencyBranches`, or `present` when already
 * found) being theirs. `feature_id` may be a best-of-N attempt's unit id.
 */
export async function ownWorkStartOf(
  cwd: string,
  base: string,
  feature: FeatureOnBranch,
  contracts: readonly Pick<Contract, 'feature_id' | 'depends_on'>[],
  present?: readonly string[],
): Promise<OwnWorkStart> {
  const deps = present ?? (await dependencyBranches(cwd, feature, contracts));
  const all = [...contracts.filter((c) => c.feature_id !== feature.feature_id), feature];
  const branches = [
    { feature_id: feature.feature_id, branch: feature.branch },
    ...deps.map((d) => ({ feature_id: d, branch: featureBranch(d) })),
  ];
  const [own] = await findOwnWorkStarts(cwd, base, withCarried(branches, all));
  return own!;
}

/**
 * The files the work a branch carries brings (from where it meets `base` to where its own work
 * starts, `own.start`) that no carried dependency's `owns` covers: they count as the branch's own for
 * its owns check. A `baton/<id>` branch is anyone's to move (an agent may point its dependency's at
 * its own commit), so carrying a dependency excuses only the files that dependency owns, and is held
 * to itself; nothing else. None, and no git, when it carries nothing.
 */
export async function carriedOutsideOwns(
  cwd: string,
  base: string,
  own: Pick<OwnWorkStart, 'carried' | 'start'>,
  contracts: readonly Pick<Contract, 'feature_id' | 'owns'>[],
): Promise<string[]> {
  if (own.carried.length === 0 || own.start === undefined) return [];
  const carried = new Set(own.carried);
  const owns = contracts.filter((c) => carried.has(c.feature_id)).flatMap((c) => c.owns);
  return filesOutsideOwns(await changedFiles(cwd, base, own.start, true), owns);
}

/**
 * The merges among `candidates` (taken for stacking merges) that git proves brought nothing of their
 * own: two parents, and a tree that is exactly their clean merge. A change made in a merge (an agent's
 * own "merge" of its dependency, with an edit in it) is not proven, and stays the branch's work.
 */
async function provenJoins(
  cwd: string,
  graph: ReadonlyMap<string, readonly string[]>,
  candidates: readonly string[],
): Promise<Set<string>> {
  const proven = new Set<string>();
  const two = candidates.filter((c) => graph.get(c)?.length === 2);
  if (two.length === 0) return proven;
  const trees = (await git(cwd, ['rev-parse', ...two.map((c) => `${c}^{tree}`)])).split('\n');
  for (const [i, merge] of two.entries()) {
    const [first, second] = graph.get(merge)!;
    const result = await mergeTree(cwd, first!, second!).catch(() => undefined);
    if (result?.clean && result.tree === trees[i]) proven.add(merge);
  }
  return proven;
}

/**
 * The commit own work that stops at `walk.boundary` is measured from: the tip when there is none, the
 * one commit, or, of several, those none of the others holds, and the merge of them when more than one
 * is left (`mergeOfStarts`); undefined when the work stops nowhere (no history shared with the base).
 */
async function startOf(cwd: string, base: string, tip: string, walk: OwnWalk): Promise<string | undefined> {
  if (walk.own.length === 0) return tip;
  if (walk.boundary.length <= 1) return walk.boundary[0];
  const heads = (await git(cwd, ['merge-base', '--independent', ...walk.boundary])).split('\n').sort();
  if (heads.length === 1) return heads[0];
  try {
    return await mergeOfStarts(cwd, heads);
  } catch (err) {
    // Commits git cannot merge (no history in common): measured from where the tip meets the base.
    if (!(err instanceof GitError)) throw err;
    return mergeBase(cwd, base, tip);
  }
}

/** The fixed identity and date of `mergeOfStarts`'s commits: the same merge is the same commit each time. */
const START_ENV = {
  GIT_AUTHOR_NAME: 'Baton',
  GIT_AUTHOR_EMAIL: 'baton@localhost',
  GIT_AUTHOR_DATE: '@0 +0000',
  GIT_COMMITTER_NAME: 'Baton',
  GIT_COMMITTER_EMAIL: 'baton@localhost',
  GIT_COMMITTER_DATE: '@0 +0000',
};

/**
 * The merge of `commits`, as a commit no ref holds (git's `merge-tree`, then `commit-tree`, one pair
 * per commit after the first): what a branch that joined them holds before its own changes. A path
 * they conflict over keeps git's conflict markers, so whatever the branch resolved it to is its own.
 */
async function mergeOfStarts(cwd: string, commits: readonly string[]): Promise<string> {
  let at = commits[0]!;
  for (const next of commits.slice(1)) {
    const { tree } = await mergeTree(cwd, at, next);
    const message = 'Baton: the commits a branch joined, merged (where its own work starts)';
    at = await git(
      cwd,
      ['commit-tree', '--no-gpg-sign', tree, '-p', at, '-p', next, '-m', message],
      undefined,
      START_ENV,
    );
  }
  return at;
}

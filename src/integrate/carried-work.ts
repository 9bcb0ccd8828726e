/**
 * Work of a feature that is not merged, carried by a branch that is: a branch rebased or merged onto
 * another feature's by hand, with no `depends_on` to say so, brings that feature's commits wherever it
 * goes. A feature's own commits are found by the one rule of own-work.ts (`measureOwnWork`): those
 * beyond where it meets the base and beyond the work of its dependencies it carries, so a feature cut
 * from another and changing nothing has no work of its own to carry. One `git rev-list` for all of it,
 * and none when no feature is left out.
 */
import type { Contract } from '../contracts/schema.js';
import { missingCommits } from '../git/git.js';
import { commitGraphSince } from '../git/merge.js';
import { dependenciesAmong, measureOwnWork, walkOwnCommits } from './own-work.js';

/** A left-out feature's work a tip holds: the feature and the newest such commit found. */
export interface HeldWork {
  feature_id: string;
  commit: string;
}

/** What the graph is asked about a feature: the commits that hold its work, and its dependencies'. */
export interface WorkOf {
  /** Its branch's tip and the commit its checks ran on, as far as they are known. */
  commits: readonly string[];
  /** The tips of its dependencies' branches: their work, which it may carry, is not its own. */
  carriedTips: readonly string[];
}

/** Commits since a base, each with its parents (`commitGraphSince`). */
export type CommitGraph = ReadonlyMap<string, readonly string[]>;

/**
 * A feature's own commits within `graph` (pure): of each commit that holds its work, those
 * `measureOwnWork` counts as its own.
 */
export function ownCommitsOf(graph: CommitGraph, work: WorkOf): Set<string> {
  const own = new Set<string>();
  for (const c of work.commits)
    for (const o of measureOwnWork(graph, c, work.carriedTips).walk.own) own.add(o);
  return own;
}

/**
 * The first of `leftOut` (in their order) whose own commits `tip` holds, within `graph` (pure):
 * undefined when it holds none. `ownOf` gives each one's own commits (`ownCommitsOf`).
 */
export function heldWorkOf(
  graph: CommitGraph,
  tip: string,
  leftOut: readonly string[],
  ownOf: (id: string) => ReadonlySet<string>,
): HeldWork | undefined {
  const reach = walkOwnCommits(graph, tip).own;
  if (reach.length === 0) return undefined;
  for (const id of leftOut) {
    const own = ownOf(id);
    const commit = reach.find((c) => own.has(c));
    if (commit !== undefined) return { feature_id: id, commit };
  }
  return undefined;
}

/** What `heldWorkFinder` reads: the features, their branches' tips and the commits their checks ran on. */
export interface HeldWorkInput {
  root: string;
  /** The commit (or ref) whose history is nobody's work: the base, or the `--into` branch. */
  since: string;
  contracts: readonly Pick<Contract, 'feature_id' | 'depends_on'>[];
  /** The tips that may carry others' work (the features to merge, or the integration's result). */
  tips: readonly string[];
  /** Features that may be left out, with the commits that hold their work. */
  candidates: ReadonlyArray<{ feature_id: string; commits: readonly string[] }>;
  /** The tip of each feature's branch (undefined: none). */
  branchTip: (id: string) => string | undefined;
}

/**
 * Reads the commit graph since `since` once, from `tips`, the candidates' commits and their
 * dependencies' branches, and returns the pure question asked of it: which left-out feature's own
 * work a tip holds (`heldWorkOf`). Undefined, with no git at all, when there is no candidate or no tip.
 */
export async function heldWorkFinder(
  q: HeldWorkInput,
): Promise<((tip: string, leftOut: readonly string[]) => HeldWork | undefined) | undefined> {
  let candidates = q.candidates.filter((c) => c.commits.length > 0);
  if (candidates.length === 0 || q.tips.length === 0) return undefined;
  // A candidate's commits come from the log, anyone's to write: only those git has are read.
  const missing = new Set(await missingCommits(q.root, [...new Set(candidates.flatMap((c) => c.commits))]));
  if (missing.size > 0) {
    candidates = candidates
      .map((c) => ({ ...c, commits: c.commits.filter((commit) => !missing.has(commit)) }))
      .filter((c) => c.commits.length > 0);
    if (candidates.length === 0) return undefined;
  }
  const dependsOn = new Map(q.contracts.map((c) => [c.feature_id, c.depends_on.features]));
  const everyone = new Set(dependsOn.keys());
  const commitsOf = new Map(candidates.map((c) => [c.feature_id, c.commits]));
  // A feature left out only later (it carries another's work) is known by its branch's tip.
  const workOf = (id: string): WorkOf => ({
    commits: commitsOf.get(id) ?? [q.branchTip(id) ?? []].flat(),
    carriedTips: dependenciesAmong(id, dependsOn, everyone).flatMap((d) => q.branchTip(d) ?? []),
  });
  const from = [...q.tips, ...candidates.flatMap((c) => [...c.commits, ...workOf(c.feature_id).carriedTips])];
  const graph = await commitGraphSince(q.root, q.since, [...new Set(from)]);
  const own = new Map<string, Set<string>>();
  const ownOf = (id: string): ReadonlySet<string> => {
    let found = own.get(id);
    if (found === undefined) {
      found = ownCommitsOf(graph, workOf(id));
      own.set(id, found);
    }
    return found;
  };
  return (tip, leftOut) => heldWorkOf(graph, tip, leftOut, ownOf);
}

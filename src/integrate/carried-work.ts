/**
 * Work of a feature that is not merged, carried by a branch that is: a branch rebased or merged onto
 * another feature's by hand, with no `depends_on` to say so, brings that feature's commits wherever it
 * goes. A feature's own commits are found by the one rule of own-work.ts (`measureOwnWork`): those
 * beyond where it meets the base and beyond the work of its dependencies it carries, so a feature cut
 * from another and changing nothing has no work of its own to carry. A commit another feature's branch
 * made itself (on its first-parent line) that this feature's branch only merged in is that feature's
 * work, not this one's: merging `baton/a` into a feature that then fails does not hold back `a`. One
 * `git rev-list` for all of it, and none when no feature is left out.
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
  /**
   * The tips of the other features' branches: a commit on one's first-parent line and on none of
   * `commits`' came from that branch and is not its own, whether it declares that one or not.
   */
  othersTips?: readonly string[];
}

/** Commits since a base, each with its parents (`commitGraphSince`). */
export type CommitGraph = ReadonlyMap<string, readonly string[]>;

/**
 * A feature's own commits within `graph` (pure): of each commit that holds its work, those
 * `measureOwnWork` counts as its own, less those another feature's branch made and it merged in
 * (`othersTips`). A commit on both first-parent lines (one branch rebased onto, or fast-forwarded to,
 * the other) cannot be told apart and stays its own.
 */
export function ownCommitsOf(graph: CommitGraph, work: WorkOf): Set<string> {
  const own = new Set<string>();
  for (const c of work.commits)
    for (const o of measureOwnWork(graph, c, work.carriedTips).walk.own) own.add(o);
  const mine = firstParentLines(graph, work.commits);
  for (const c of firstParentLines(graph, work.othersTips ?? [])) if (!mine.has(c)) own.delete(c);
  return own;
}

/** The commits each of `tips` made on its own branch within `graph`: its first parents down (pure). */
function firstParentLines(graph: CommitGraph, tips: readonly string[]): Set<string> {
  const line = new Set<string>();
  for (let c of tips) {
    while (graph.has(c) && !line.has(c)) {
      line.add(c);
      const parent = graph.get(c)?.[0];
      if (parent === undefined) break;
      c = parent;
    }
  }
  return line;
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
  const branchTips = [...everyone].flatMap((id) =>
    [q.branchTip(id) ?? []].flat().map((tip) => ({ id, tip })),
  );
  // A feature left out only later (it carries another's work) is known by its branch's tip.
  const workOf = (id: string): WorkOf => ({
    commits: commitsOf.get(id) ?? [q.branchTip(id) ?? []].flat(),
    carriedTips: dependenciesAmong(id, dependsOn, everyone).flatMap((d) => q.branchTip(d) ?? []),
    othersTips: branchTips.flatMap((b) => (b.id === id ? [] : [b.tip])),
  });
  const from = [
    ...q.tips,
    ...branchTips.map((b) => b.tip),
    ...candidates.flatMap((c) => [...c.commits, ...workOf(c.feature_id).carriedTips]),
  ];
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

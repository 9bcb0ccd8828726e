/**
 * Which commits of a feature branch are the feature's own work (pure): those the base lacks, less,
 * for a branch stacked on its dependencies (`baton run --wait-for-deps`), the dependencies' commits
 * it carries and the merges that stacked it on them. Conflict prediction measures each feature from
 * where its own work starts, so a dependent is not blamed for what its dependencies changed.
 */
import type { MergeMessage } from '../git/merge-tree.js';
import { dependenciesOf } from '../graph/ancestors.js';

/** A branch's own commits and the commits outside them where they stop. */
export interface OwnWalk {
  own: string[];
  /** The fork point when there is exactly one. */
  boundary: string[];
}

/**
 * Walks a branch's own commits back from its tip within `graph` (the commits the base lacks), and
 * collects the commits where they stop: its fork point when there is exactly one (pure). A commit
 * `outside` says is not the branch's (by default: one the graph lacks, that is, the base's).
 */
export function walkOwnCommits(
  graph: ReadonlyMap<string, readonly string[]>,
  tip: string,
  outside: (commit: string) => boolean = (c) => !graph.has(c),
): OwnWalk {
  const own: string[] = [];
  const boundary = new Set<string>();
  if (outside(tip)) return { own, boundary: [] };
  const seen = new Set([tip]);
  const stack = [tip];
  while (stack.length > 0) {
    const commit = stack.pop()!;
    own.push(commit);
    for (const parent of graph.get(commit) ?? []) {
      if (outside(parent)) boundary.add(parent);
      else if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return { own, boundary: [...boundary] };
}

/**
 * The walk of `tip`'s own work when its branch may carry the work of the branches at `carriedTips`
 * (pure): their commits are theirs, and a merge commit whose parents are all the base's or theirs is
 * the merge that stacked the branch on them (`mergeDependencies`), not work. A branch cut from its
 * dependency therefore starts at that merge, and its changes are measured from there. Such a merge
 * counts only when `joins` says so (by default every one does): git must prove that it brought
 * nothing of its own (`findOwnWorkStarts`), or a change made in it would vanish with it. `joins`
 * lists the merges it took for stacking merges.
 */
export function walkStackedWork(
  graph: ReadonlyMap<string, readonly string[]>,
  tip: string,
  carriedTips: readonly string[],
  joins: (merge: string) => boolean = () => true,
): OwnWalk & { joins: string[] } {
  const carried = new Set<string>();
  for (const t of carriedTips) for (const c of walkOwnCommits(graph, t).own) carried.add(c);
  const stacking = new Map<string, boolean>();
  const outside = (c: string): boolean => {
    const parents = graph.get(c);
    if (parents === undefined || carried.has(c)) return true;
    let known = stacking.get(c);
    if (known === undefined) {
      stacking.set(c, false);
      known = parents.length > 1 && parents.every(outside) && joins(c);
      stacking.set(c, known);
    }
    return known;
  };
  const walk = walkOwnCommits(graph, tip, outside);
  return { ...walk, joins: [...stacking].flatMap(([c, yes]) => (yes ? [c] : [])) };
}

/** A branch's own work as `measureOwnWork` finds it. */
export interface OwnWorkWalk {
  /** Its own commits and where they stop. */
  walk: OwnWalk;
  /** The same walk from the base alone, as if it carried nothing. */
  fromBase: OwnWalk;
  /** Whether it carries its dependencies' work (`walk` then leaves it out). */
  stacked: boolean;
  /** The merges taken for the ones that stacked it on them. */
  joins: string[];
}

/**
 * Where a branch's own work starts, from the commit graph (pure): from the base, or, for a branch
 * that carries the work at `carriedTips`, beyond it (`walkStackedWork`), when it carries any.
 */
export function measureOwnWork(
  graph: ReadonlyMap<string, readonly string[]>,
  tip: string,
  carriedTips: readonly string[],
  joins?: (merge: string) => boolean,
): OwnWorkWalk {
  const fromBase = walkOwnCommits(graph, tip);
  if (carriedTips.length === 0) return { walk: fromBase, fromBase, stacked: false, joins: [] };
  const stacked = walkStackedWork(graph, tip, carriedTips, joins);
  if (stacked.own.length < fromBase.own.length) {
    const { joins: used, ...walk } = stacked;
    return { walk, fromBase, stacked: true, joins: used };
  }
  return { walk: fromBase, fromBase, stacked: false, joins: [] };
}

/**
 * The features among `present` that `id` depends on, directly or through others (pure; the rule is
 * graph/ancestors.ts's `dependenciesOf`): the dependencies whose work a stacked branch of `id` may
 * carry within this integration.
 */
export function dependenciesAmong(
  id: string,
  dependsOn: ReadonlyMap<string, readonly string[]>,
  present: ReadonlySet<string>,
): string[] {
  return dependenciesOf(id, (d) => dependsOn.get(d) ?? []).filter((d) => present.has(d));
}

/**
 * The conflicted paths of a merge that a feature's own changes take part in (pure): the same path, a
 * folder holding it or a file in its place, or git's `path~side` name for a file/folder clash; or,
 * by git's `messages` about the merge, a path it tied to that one (`tiesOf`). A path only a
 * dependency it carries changed conflicts with that dependency, not with the feature.
 */
export function conflictsOwnChangesTouch(
  conflicts: readonly string[],
  ownFiles: readonly string[],
  messages: readonly MergeMessage[] = [],
): string[] {
  const touches = (p: string) => ownFiles.some((f) => samePlace(p, f) || p.startsWith(`${f}~`));
  return conflicts.filter((p) => {
    if (touches(p)) return true;
    const ties = tiesOf(p, messages);
    return ties.paths.some(touches) || ties.folders.some((d) => ownFiles.some((f) => f.startsWith(`${d}/`)));
  });
}

/**
 * What git's messages about a merge tie a path to (pure): the other paths a message about it names
 * (where a rename moved it from), and, for a message about a directory rename (a file added in a
 * folder the other side renamed, which git moves after it or stops at), the folder that was renamed:
 * the side that renamed it changed the files below it, not this one.
 */
export function tiesOf(
  path: string,
  messages: readonly MergeMessage[],
): { paths: string[]; folders: string[] } {
  const paths: string[] = [];
  const folders: string[] = [];
  for (const m of messages) {
    if (!m.paths.includes(path)) continue;
    for (const other of m.paths) {
      if (other === path) continue;
      paths.push(other);
      const folder = m.type.includes('directory rename') ? folderMovedOut(other, path) : undefined;
      if (folder !== undefined) folders.push(folder);
    }
  }
  return { paths, folders };
}

/** The folder that moving `from` to `to` renamed: `from` less the trailing part they share (pure). */
function folderMovedOut(from: string, to: string): string | undefined {
  const a = from.split('/');
  const b = to.split('/');
  let shared = 0;
  while (a.length > 1 && b.length > 1 && a.at(-1) === b.at(-1)) {
    a.pop();
    b.pop();
    shared++;
  }
  return shared > 0 ? a.join('/') : undefined;
}

/**
 * Whether two paths stand in each other's way in a checkout (pure): the same path, or one a folder
 * holding the other (a file where the other needs a folder).
 */
export function samePlace(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

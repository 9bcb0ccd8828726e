import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { git, mergeBase, resolveCommit } from '../git/git.js';
import { commitGraphSince, diffNamesByTip, mergeTree } from '../git/merge.js';
import type { Clock } from '../log/append.js';
import { findOwnershipViolations, type OwnershipViolation } from './ownership.js';

/** What one feature branch changed relative to the base. */
export interface BranchChanges {
  feature_id: string;
  branch: string;
  tip: string;
  /** The one commit where the branch leaves the base; undefined when there is none or several. */
  fork: string | undefined;
  /** Commits on the branch that the base does not have. */
  own: readonly string[];
  /** Files that differ between the fork point and the tip. */
  files: readonly string[];
}

/** A pair of features worth a real merge test, and why. */
export interface CandidatePair {
  a: string;
  b: string;
  /** Files (or file/folder clashes) both changed. */
  files: string[];
  /**
   * `overlap`: both changed the same paths since a shared fork point. `shared-history`: the
   * branches share commits or left the base at different points, so their changed-file sets say
   * nothing exact about their own merge base and only a real merge test can tell.
   */
  reason: 'overlap' | 'shared-history';
}

/** Two features whose branches conflict (or overlap harmlessly), with the files. */
export interface PairFinding {
  a: string;
  b: string;
  files: string[];
}

/** The prediction for a set of feature branches: conflicts, harmless overlaps, ownership violations. */
export interface Prediction {
  base: string;
  features: string[];
  /** Changed files per feature, relative to its fork point. */
  changed: Record<string, string[]>;
  /** N·(N−1)/2 for the features compared. */
  pairs: number;
  /** Pairs that went through `git merge-tree` after the prefilter. */
  merge_tested: number;
  conflicts: PairFinding[];
  clean_overlaps: PairFinding[];
  violations: OwnershipViolation[];
  duration_ms: number;
}

function pathAncestors(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i !== -1) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

/**
 * Picks the pairs a real merge could find in conflict (pure). Two branches that left the base at
 * the same commit and share no commits merge from exactly that fork point, so their changes can
 * only collide on a path both changed, or where one made a file and the other a folder of that
 * name; every other such pair merges cleanly and is never tested. Pairs whose histories are
 * entangled are always tested. Pairs come in input order, `a` before `b`.
 */
export function selectCandidatePairs(changes: readonly BranchChanges[]): CandidatePair[] {
  const sets = changes.map((c) => {
    const files = new Set(c.files);
    const dirs = new Set(c.files.flatMap(pathAncestors));
    return { files, dirs, own: new Set(c.own) };
  });
  const out: CandidatePair[] = [];
  for (let i = 0; i < changes.length; i++) {
    const ci = changes[i]!;
    const si = sets[i]!;
    if (ci.own.length === 0) continue;
    for (let j = i + 1; j < changes.length; j++) {
      const cj = changes[j]!;
      const sj = sets[j]!;
      if (cj.own.length === 0) continue;
      const files: string[] = [];
      const [small, large] = si.files.size <= sj.files.size ? [si, sj] : [sj, si];
      for (const f of small.files) if (large.files.has(f)) files.push(f);
      for (const f of si.files) if (sj.dirs.has(f)) files.push(f);
      for (const f of sj.files) if (si.dirs.has(f)) files.push(f);
      files.sort();
      let entangled = ci.fork === undefined || ci.fork !== cj.fork;
      if (!entangled) for (const c of ci.own) if (sj.own.has(c)) entangled = true;
      if (entangled) out.push({ a: ci.feature_id, b: cj.feature_id, files, reason: 'shared-history' });
      else if (files.length > 0) out.push({ a: ci.feature_id, b: cj.feature_id, files, reason: 'overlap' });
    }
  }
  return out;
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

/** A feature and the branch that holds its work. */
export interface FeatureBranch {
  feature_id: string;
  branch: string;
}

/**
 * Walks a branch's own commits back from its tip within `graph` (the commits the base lacks), and
 * collects the base commits where they stop: its fork point when there is exactly one (pure).
 */
export function walkOwnCommits(
  graph: ReadonlyMap<string, readonly string[]>,
  tip: string,
): { own: string[]; boundary: string[] } {
  const own: string[] = [];
  const boundary = new Set<string>();
  if (!graph.has(tip)) return { own, boundary: [] };
  const seen = new Set([tip]);
  const stack = [tip];
  while (stack.length > 0) {
    const commit = stack.pop()!;
    own.push(commit);
    for (const parent of graph.get(commit) ?? []) {
      if (!graph.has(parent)) boundary.add(parent);
      else if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return { own, boundary: [...boundary] };
}

/**
 * Reads what each branch changed since it left `base` in three git calls whatever the number of
 * branches (tips, the commit graph, and every diff at once); a branch that left the base at more
 * than one point costs one more call for its merge base.
 */
export async function collectBranchChanges(
  cwd: string,
  base: string,
  branches: readonly FeatureBranch[],
): Promise<BranchChanges[]> {
  if (branches.length === 0) return [];
  const tips = (await git(cwd, ['rev-parse', ...branches.map((b) => `${b.branch}^{commit}`)])).split('\n');
  const unique = [...new Set(tips)];
  const graph = await commitGraphSince(cwd, base, unique);
  const walks = new Map(unique.map((tip) => [tip, walkOwnCommits(graph, tip)]));
  const from: Array<{ tip: string; from: string }> = [];
  for (const [tip, walk] of walks) {
    if (walk.own.length === 0) continue;
    const single = walk.boundary.length === 1 ? walk.boundary[0] : undefined;
    const fork = single ?? (await mergeBase(cwd, base, tip));
    if (fork === undefined) {
      const names = branches.filter((_, i) => tips[i] === tip).map((b) => b.branch);
      throw new UserError(
        'integrate/unrelated',
        `${names.join(', ')} shares no history with the base ${base}`,
        {
          hint: 'Feature branches must be cut from the base; check `git log --oneline --graph`.',
        },
      );
    }
    from.push({ tip, from: fork });
  }
  const files = await diffNamesByTip(cwd, from);
  return branches.map((b, i) => {
    const tip = tips[i]!;
    const walk = walks.get(tip)!;
    return {
      feature_id: b.feature_id,
      branch: b.branch,
      tip,
      fork: walk.boundary.length === 1 ? walk.boundary[0] : undefined,
      own: walk.own,
      files: files.get(tip) ?? [],
    };
  });
}

/** Options of `predictConflicts`. */
export interface PredictOptions {
  /** Any checkout of the repository. */
  cwd: string;
  /** Commit or ref the feature branches were cut from. */
  base: string;
  /** Features to compare, in plan order. */
  branches: readonly FeatureBranch[];
  /** Contracts, for ownership (all of the plan's, so files owned by unselected features count too). */
  contracts: readonly Contract[];
  /** Parallel git processes. */
  concurrency?: number;
  /** Run `git merge-tree` on every pair, without the prefilter (for comparison). */
  exhaustive?: boolean;
  clock?: Clock;
}

/**
 * Predicts integration problems before any merge: which pairs of branches truly conflict (by
 * `git merge-tree`, run only on pairs the changed-file prefilter cannot clear), which overlap
 * harmlessly, and which changed files break the contracts' ownership.
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
  const changes = await collectBranchChanges(options.cwd, baseCommit, options.branches);
  const candidates = options.exhaustive ? everyPair(changes) : selectCandidatePairs(changes);
  const tips = new Map(changes.map((c) => [c.feature_id, c.tip]));
  const tested = await mapLimited(candidates, concurrency, async (pair) => ({
    pair,
    result: await mergeTree(options.cwd, tips.get(pair.a)!, tips.get(pair.b)!),
  }));
  const conflicts: PairFinding[] = [];
  const cleanOverlaps: PairFinding[] = [];
  for (const { pair, result } of tested) {
    if (!result.clean) conflicts.push({ a: pair.a, b: pair.b, files: [...result.conflicts].sort() });
    else if (pair.files.length > 0) cleanOverlaps.push({ a: pair.a, b: pair.b, files: pair.files });
  }
  const changed = new Map(changes.map((c) => [c.feature_id, c.files]));
  const n = changes.length;
  return {
    base: baseCommit,
    features: changes.map((c) => c.feature_id),
    changed: Object.fromEntries([...changed].map(([id, files]) => [id, [...files]])),
    pairs: (n * (n - 1)) / 2,
    merge_tested: candidates.length,
    conflicts,
    clean_overlaps: cleanOverlaps,
    violations: findOwnershipViolations(changed, options.contracts),
    duration_ms: clock().getTime() - started,
  };
}

function everyPair(changes: readonly BranchChanges[]): CandidatePair[] {
  const sets = changes.map((c) => new Set(c.files));
  const out: CandidatePair[] = [];
  for (let i = 0; i < changes.length; i++) {
    for (let j = i + 1; j < changes.length; j++) {
      const files = changes[i]!.files.filter((f) => sets[j]!.has(f));
      out.push({ a: changes[i]!.feature_id, b: changes[j]!.feature_id, files, reason: 'shared-history' });
    }
  }
  return out;
}

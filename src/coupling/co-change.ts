import { compileOwns, type OwnsMatcher } from '../contracts/owns.js';
import type { LoggedCommit } from './log-stream.js';

/** A feature as the coupling analysis sees it: its id and its `owns` patterns. */
export interface OwningFeature {
  id: string;
  owns: readonly string[];
}

/** A commit quoted as evidence: short sha and subject. */
export interface ExampleCommit {
  sha: string;
  subject: string;
}

/** How often two features' files changed in the same commit. */
export interface CoChangePair {
  a: string;
  b: string;
  /** Commits that touched a file of each that the other does not own (a file both own alone does not count). */
  support: number;
  /** support ÷ the commits of the less active of the two (the larger of the two rule confidences). */
  confidence: number;
  commits_a: number;
  commits_b: number;
  /** The most recent shared commits, newest first (at most three). */
  examples: ExampleCommit[];
}

/** A file no feature owns, with the features whose files changed beside it. */
export interface UnownedCoChange {
  file: string;
  /** Commits that changed this file and at least one feature's file. */
  commits: number;
  /** Feature ids, in feature order. */
  features: string[];
  examples: ExampleCommit[];
}

/** What one pass over the history found. */
export interface CoChangeResult {
  /** Commits read (including the ones skipped as too large). */
  commits: number;
  /** Commits ignored because they touched more than `max_commit_files` files. */
  skipped_large: number;
  /** Commits per feature, by id. */
  feature_commits: Record<string, number>;
  /** Every pair with support > 0, most support first. */
  pairs: CoChangePair[];
  /** Unowned files that changed beside feature files, most features first. */
  unowned: UnownedCoChange[];
}

/**
 * Accumulates co-change counts commit by commit, so the history is never held in memory. Commits may
 * come in any order: `position` (0: the newest; default: the order of the calls) picks the examples.
 */
export interface CoChangeCounter {
  add(commit: LoggedCommit, position?: number): void;
  result(): CoChangeResult;
}

const EXAMPLES = 3;

/** An example commit with its position in the window, while counting. */
interface Placed extends ExampleCommit {
  position: number;
}

/** Keeps the EXAMPLES newest (lowest position) of the commits offered, newest first. */
function offer(list: Placed[], example: Placed): void {
  if (list.length === EXAMPLES && (list[EXAMPLES - 1] as Placed).position < example.position) return;
  let at = list.length;
  while (at > 0 && (list[at - 1] as Placed).position > example.position) at--;
  list.splice(at, 0, example);
  if (list.length > EXAMPLES) list.pop();
}

const unplace = (list: readonly Placed[]): ExampleCommit[] =>
  list.map((e) => ({ sha: e.sha, subject: e.subject }));

/**
 * Counts, for every pair of features, the commits that touched a file of each that the other does not own
 * (`changedApart`), and for every unowned
 * file the features it changed with (pure). Paths are matched with `compileOwns`, THE owns rule,
 * once per distinct path. Files under `ignore` prefixes (the specs folder) are neither owned nor hotspots.
 */
export function createCoChangeCounter(
  features: readonly OwningFeature[],
  options: { maxCommitFiles: number; ignore?: readonly string[] },
): CoChangeCounter {
  const n = features.length;
  const ownersOf = ownerLookup(features, options.ignore ?? []);
  const counts: Counts = {
    n,
    commits: 0,
    skipped: 0,
    featureCommits: new Array<number>(n).fill(0),
    pairs: new Map(),
    unowned: new Map(),
  };
  const touched: Touched = { seen: new Uint8Array(n), list: [], loose: [], shared: false, owners: [] };
  return {
    add(commit, position = counts.commits) {
      counts.commits++;
      if (commit.files.length > options.maxCommitFiles) {
        counts.skipped++;
        return;
      }
      collectTouched(commit.files, ownersOf, touched);
      if (touched.list.length === 0) return;
      countCommit(counts, touched, { sha: commit.sha, subject: commit.subject, position });
    },
    result: () => resultOf(counts, features),
  };
}

/**
 * The running counts, indexed by feature position. A pair (i < j) is keyed i·n + j, and only the pairs
 * that shared a commit are held: n·n counters would not fit in memory for ten thousand features.
 */
interface Counts {
  n: number;
  commits: number;
  skipped: number;
  featureCommits: number[];
  pairs: Map<number, { support: number; examples: Placed[] }>;
  unowned: Map<string, { commits: number; features: Set<number>; examples: Placed[] }>;
}

/** What one commit touched, in buffers reused from commit to commit: features (sorted) and unowned files. */
interface Touched {
  seen: Uint8Array;
  list: number[];
  loose: string[];
  /** Whether the commit touched a file several features own. */
  shared: boolean;
  /** The owners of the commit's files, each list once (a file's list is reused for each path). */
  owners: number[][];
}

/** The positions of the features owning a file (null: ignored), matched once per distinct path. */
function ownerLookup(
  features: readonly OwningFeature[],
  ignore: readonly string[],
): (file: string) => number[] | null {
  const n = features.length;
  const matchers: OwnsMatcher[] = features.map((f) => compileOwns(f.owns));
  const owners = new Map<string, number[] | null>();
  return (file) => {
    let o = owners.get(file);
    if (o !== undefined) return o;
    if (ignore.some((p) => file.startsWith(p))) o = null;
    else {
      const found: number[] = [];
      for (let i = 0; i < n; i++) if (matchers[i]?.(file)) found.push(i);
      o = found;
    }
    owners.set(file, o);
    return o;
  };
}

/** Fills `t` with the features a commit's files belong to (sorted, each once) and its unowned files. */
function collectTouched(
  files: readonly string[],
  ownersOf: (file: string) => number[] | null,
  t: Touched,
): void {
  t.list.length = 0;
  t.loose.length = 0;
  t.shared = false;
  t.owners.length = 0;
  for (const file of files) {
    const o = ownersOf(file);
    if (o === null) continue;
    if (o.length === 0) t.loose.push(file);
    if (o.length > 1) t.shared = true;
    if (o.length > 0 && !t.owners.includes(o)) t.owners.push(o);
    for (const i of o) {
      if (t.seen[i]) continue;
      t.seen[i] = 1;
      t.list.push(i);
    }
  }
  t.list.sort((x, y) => x - y);
  for (const i of t.list) t.seen[i] = 0;
}

/**
 * Whether a commit changed features `i` and `j` together: a file `i` owns and `j` does not, and one `j`
 * owns and `i` does not. A file both own alone is one feature's own work on a file they share (an
 * ownership overlap, which lint reports as such), not the two changing together.
 */
function changedApart({ shared, owners }: Touched, i: number, j: number): boolean {
  // Most commits touch no shared file: then each feature touched is touched by a file of its own.
  if (!shared) return true;
  const apart = (mine: number, theirs: number) => owners.some((o) => o.includes(mine) && !o.includes(theirs));
  return apart(i, j) && apart(j, i);
}

/** Counts one commit that touched at least one feature: per feature, per pair, per unowned file. */
function countCommit(c: Counts, touched: Touched, example: Placed): void {
  const { list, loose } = touched;
  for (const i of list) c.featureCommits[i] = (c.featureCommits[i] ?? 0) + 1;
  for (let x = 0; x < list.length; x++) {
    for (let y = x + 1; y < list.length; y++) {
      if (!changedApart(touched, list[x] as number, list[y] as number)) continue;
      const key = (list[x] as number) * c.n + (list[y] as number);
      const pair = c.pairs.get(key);
      if (!pair) c.pairs.set(key, { support: 1, examples: [example] });
      else {
        pair.support++;
        offer(pair.examples, example);
      }
    }
  }
  for (const file of loose) {
    let u = c.unowned.get(file);
    if (!u) {
      u = { commits: 0, features: new Set(), examples: [] };
      c.unowned.set(file, u);
    }
    u.commits++;
    for (const i of list) u.features.add(i);
    offer(u.examples, example);
  }
}

function resultOf(c: Counts, features: readonly OwningFeature[]): CoChangeResult {
  const { n } = c;
  // In feature order (the key's order) first, so pairs of equal support and confidence keep that order.
  const keys = [...c.pairs.keys()].sort((x, y) => x - y);
  const pairs: CoChangePair[] = keys.map((key) => {
    const i = Math.floor(key / n);
    const j = key % n;
    const { support, examples } = c.pairs.get(key) as { support: number; examples: Placed[] };
    const ca = c.featureCommits[i] ?? 0;
    const cb = c.featureCommits[j] ?? 0;
    return {
      a: features[i]?.id as string,
      b: features[j]?.id as string,
      support,
      confidence: support / Math.max(1, Math.min(ca, cb)),
      commits_a: ca,
      commits_b: cb,
      examples: unplace(examples),
    };
  });
  pairs.sort((p, q) => q.support - p.support || q.confidence - p.confidence);
  const files = [...c.unowned.entries()].map(([file, u]) => ({
    file,
    commits: u.commits,
    features: [...u.features].sort((x, y) => x - y).map((i) => features[i]?.id as string),
    examples: unplace(u.examples),
  }));
  files.sort((p, q) => q.features.length - p.features.length || q.commits - p.commits || cmp(p.file, q.file));
  const feature_commits: Record<string, number> = {};
  features.forEach((f, i) => {
    feature_commits[f.id] = c.featureCommits[i] ?? 0;
  });
  return { commits: c.commits, skipped_large: c.skipped, feature_commits, pairs, unowned: files };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

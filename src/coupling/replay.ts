import { posix } from 'node:path';
import { type CouplingSettings, judgePairs } from './analysis.js';
import { createCoChangeCounter, type OwningFeature } from './co-change.js';

/** A commit of a recorded history: ids and changed paths only, no code. */
export interface ReplayCommit {
  sha: string;
  parent: string | null;
  files: string[];
}

/** Conflict counts for one class of pairs. */
export interface ReplayClass {
  /** Distinct folder pairs seen working in parallel. */
  pairs: number;
  /** Two commits of one batch, one touching each folder of the pair. */
  opportunities: number;
  /** Opportunities where the two commits changed a common file: a merge conflict if run in parallel. */
  conflicts: number;
  rate: number;
}

/** How well the history pass predicted conflicts on later commits. */
export interface ReplayResult {
  train_commits: number;
  test_commits: number;
  k: number;
  flagged_pairs_in_training: number;
  flagged: ReplayClass;
  unflagged: ReplayClass;
  /** flagged.rate ÷ unflagged.rate (Infinity when unflagged pairs never conflicted). */
  ratio: number;
}

/**
 * Validates the co-change analysis on a recorded history (pure). Every folder is a feature that owns
 * its direct files. The older `train` commits are analysed; the next `test` commits are cut into
 * batches of `k` consecutive commits treated as parallel work. For every two commits of a batch and
 * every pair of folders they touch, the pair "conflicts" when the two commits changed a common file.
 * `commits` are newest first, as `git log` lists them.
 */
export function replayConflicts(
  commits: readonly ReplayCommit[],
  opts: { train: number; test: number; k: number; settings: CouplingSettings },
): ReplayResult {
  const chronological = [...commits].reverse();
  const train = chronological.slice(0, opts.train);
  const test = chronological.slice(opts.train, opts.train + opts.test);
  const small = (c: ReplayCommit) => c.files.length <= opts.settings.max_commit_files;
  const folders = new Set<string>();
  for (const c of chronological) for (const f of c.files) if (f.includes('/')) folders.add(posix.dirname(f));
  const owners: OwningFeature[] = [...folders].sort().map((d) => ({ id: d, owns: [`${d}/*`] }));
  const counter = createCoChangeCounter(owners, { maxCommitFiles: opts.settings.max_commit_files });
  for (const c of [...train].reverse()) counter.add({ sha: c.sha, subject: '', files: c.files });
  const judged = judgePairs(counter.result().pairs, () => false, opts.settings);
  const flaggedKeys = new Set(judged.filter((p) => p.flagged).map((p) => key(p.a, p.b)));

  const tally = {
    flagged: new Map<string, [number, number]>(),
    unflagged: new Map<string, [number, number]>(),
  };
  for (let start = 0; start + opts.k <= test.length; start += opts.k) {
    const batch = test.slice(start, start + opts.k).filter(small);
    for (let i = 0; i < batch.length; i++) {
      for (let j = i + 1; j < batch.length; j++) {
        const x = batch[i] as ReplayCommit;
        const y = batch[j] as ReplayCommit;
        const xs = new Set(x.files);
        const conflict = y.files.some((f) => xs.has(f));
        const a = primaryFolder(x);
        const b = primaryFolder(y);
        if (a === undefined || b === undefined || a === b) continue;
        for (const pair of [key(a, b)]) {
          const map = flaggedKeys.has(pair) ? tally.flagged : tally.unflagged;
          const t = map.get(pair) ?? [0, 0];
          t[0]++;
          if (conflict) t[1]++;
          map.set(pair, t);
        }
      }
    }
  }
  const flagged = summarise(tally.flagged);
  const unflagged = summarise(tally.unflagged);
  return {
    train_commits: train.length,
    test_commits: test.length,
    k: opts.k,
    flagged_pairs_in_training: flaggedKeys.size,
    flagged,
    unflagged,
    ratio: unflagged.rate === 0 ? Number.POSITIVE_INFINITY : flagged.rate / unflagged.rate,
  };
}

/** The folder a commit works in: the one holding most of its files (ties: the first in name order). */
function primaryFolder(c: ReplayCommit): string | undefined {
  const counts = new Map<string, number>();
  for (const f of c.files)
    if (f.includes('/')) counts.set(posix.dirname(f), (counts.get(posix.dirname(f)) ?? 0) + 1);
  let best: string | undefined;
  for (const [d, n] of [...counts].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (best === undefined || n > (counts.get(best) ?? 0)) best = d;
  }
  return best;
}

function key(a: string, b: string): string {
  return a < b ? `${a}\0${b}` : `${b}\0${a}`;
}

function summarise(map: ReadonlyMap<string, [number, number]>): ReplayClass {
  let opportunities = 0;
  let conflicts = 0;
  for (const [o, c] of map.values()) {
    opportunities += o;
    conflicts += c;
  }
  return { pairs: map.size, opportunities, conflicts, rate: opportunities ? conflicts / opportunities : 0 };
}

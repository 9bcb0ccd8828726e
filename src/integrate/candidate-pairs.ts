/**
 * The prefilter of conflict prediction (pure): which pairs of feature branches a real merge test
 * (`git merge-tree`) could find in conflict, from what each branch changed since its fork point.
 */
import type { BranchChanges } from './predict.js';

/** A pair of features worth a real merge test, and why. */
export interface CandidatePair {
  a: string;
  b: string;
  /** Files (or file/folder clashes) both changed. */
  files: string[];
  /**
   * `overlap`: both changed the same paths since a shared fork point. `folder-removed`: one removed
   * a folder (moved or deleted every file in it) below which the other added files, which git's
   * directory-rename detection may move after the folder. `shared-history`: the branches share
   * commits or left the base at different points, so their changed-file sets say nothing exact
   * about their own merge base and only a real merge test can tell.
   */
  reason: 'overlap' | 'folder-removed' | 'shared-history';
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
 * only collide on a path both changed, where one made a file and the other a folder of that name,
 * or below a folder one removed and the other added files in (git's directory-rename detection
 * moves those files after the folder, or stops at them with `merge.directoryRenames=conflict`, its
 * default); every other such pair merges cleanly and is never tested. Pairs whose histories are
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
      // A path the other changed below a removed folder: one it added (any other was there at the
      // fork point, so the removal deleted it too, and the two share that path).
      const moved =
        ci.folders_removed.some((d) => sj.dirs.has(d)) || cj.folders_removed.some((d) => si.dirs.has(d));
      let entangled = ci.fork === undefined || ci.fork !== cj.fork;
      if (!entangled) for (const c of ci.own) if (sj.own.has(c)) entangled = true;
      const pair = { a: ci.feature_id, b: cj.feature_id, files };
      if (entangled) out.push({ ...pair, reason: 'shared-history' });
      else if (files.length > 0) out.push({ ...pair, reason: 'overlap' });
      else if (moved) out.push({ ...pair, reason: 'folder-removed' });
    }
  }
  return out;
}

/** Every pair, for `predictConflicts`' exhaustive comparison (pure). */
export function everyPair(changes: readonly BranchChanges[]): CandidatePair[] {
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

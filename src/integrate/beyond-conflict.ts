/**
 * What a conflict's resolution may change: the files that conflicted, nothing else. The rest of the
 * merge is git's own, so a resolution that differs from it elsewhere carries work nobody checked.
 */
import { git } from '../git/git.js';
import { filesWithConflictMarkers, mergeTree } from '../git/merge.js';
import { statusEntries } from '../git/status.js';

/**
 * The paths `result` (a tree or commit: the resolution) changed beyond the conflict: where it differs
 * from git's own merge of `ours` and `theirs` (`mergeTree`) outside `files` and the paths git reports
 * conflicted. Empty when the merge cannot be redone (nothing to compare with).
 */
export async function changedBeyondConflict(
  cwd: string,
  m: { ours: string; theirs: string; result: string; files: readonly string[] },
): Promise<string[]> {
  const merged = await mergeTree(cwd, m.ours, m.theirs).catch(() => undefined);
  if (merged === undefined) return [];
  const allowed = new Set([...m.files, ...merged.conflicts]);
  const diff = await git(cwd, [
    'diff-tree',
    '-r',
    '-z',
    '--no-renames',
    '--name-only',
    merged.tree,
    m.result,
  ]);
  return diff.split('\0').filter((p) => p !== '' && !allowed.has(p));
}

/**
 * The files of the merge in progress in `cwd` that still hold conflict markers and that its
 * resolution answers for: the conflicted `files`, and any other whose staged content differs from
 * git's own merge of HEAD and MERGE_HEAD (`mergeTree`). A file git merged cleanly, as it is, holds
 * markers only if a feature committed them (docs showing what a conflict looks like): not leftovers.
 * Every staged path is looked at when the merge cannot be redone.
 */
export async function markersLeft(cwd: string, files: readonly string[]): Promise<string[]> {
  const merged = await mergeTree(cwd, 'HEAD', 'MERGE_HEAD').catch(() => undefined);
  const changed =
    merged === undefined
      ? (await statusEntries(cwd)).map((e) => e.path)
      : (await git(cwd, ['diff-index', '--cached', '--name-only', '-z', '--no-renames', merged.tree]))
          .split('\0')
          .filter((p) => p !== '');
  return filesWithConflictMarkers(cwd, [...new Set([...files, ...changed])]);
}

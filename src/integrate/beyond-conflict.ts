/**
 * What a conflict's resolution may change: the files that conflicted, nothing else. The rest of the
 * merge is git's own, so a resolution that differs from it elsewhere carries work nobody checked.
 */
import { git } from '../git/git.js';
import { mergeTree } from '../git/merge.js';

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

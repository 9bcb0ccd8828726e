/**
 * `git merge-tree --write-tree`: a merge of two commits in memory, with the conflicted paths and
 * git's messages that tie several paths together.
 */
import { GitError, gitRaw } from './git.js';
import { gitTooOldError, unknownOption } from './git-version.js';

/**
 * Options of every merge Baton makes or predicts (`noFfMergeArgs`, `mergeTree`). git's built-in `union`
 * driver, which a committed `.gitattributes` can name (`shared.txt merge=union`), keeps both sides' lines
 * where git would conflict: a conflict would merge "cleanly" into a file holding both. A driver named in
 * config wins over a built-in of the same name, so `union` runs git's ordinary 3-way text merge instead,
 * which conflicts and leaves markers as without the attribute.
 */
export const MERGE_DRIVER_OPTIONS: readonly string[] = [
  '-c',
  'merge.union.driver=git merge-file --marker-size=%L -L ours -L base -L theirs %A %O %B',
];

/**
 * One of git's messages about a merge that names several paths (a file a rename moved, a file added in
 * a folder the other side renamed): what ties a conflicted path to paths the two sides changed.
 */
export interface MergeMessage {
  /** The paths it concerns, the one it is about first. */
  paths: string[];
  /** git's stable kind of message (`CONFLICT (directory rename suggested)`). */
  type: string;
  /** git's words (in English: Baton runs git with `LC_ALL=C`). */
  text: string;
}

/** What `git merge-tree --write-tree` says about merging two commits, without touching any checkout. */
export interface MergeTreeResult {
  clean: boolean;
  /** The tree the merge would produce (with conflict markers in conflicted files). */
  tree: string;
  /** Paths git reports as conflicted (a file/directory clash shows as `path~branch`). */
  conflicts: string[];
  /** git's messages that name more than one path (`MergeMessage`). */
  messages: MergeMessage[];
}

/**
 * The conflicted paths and the messages naming several paths of `git merge-tree --write-tree
 * --name-only -z` output after its tree (pure): paths up to an empty field, then per message its
 * number of paths, the paths, its type and its text.
 */
export function parseMergeTreeOutput(
  parts: readonly string[],
): Pick<MergeTreeResult, 'conflicts' | 'messages'> {
  const conflicts = new Set<string>();
  let i = 0;
  for (; i < parts.length && parts[i] !== ''; i++) conflicts.add(parts[i]!);
  const messages: MergeMessage[] = [];
  for (i++; i < parts.length; ) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 1 || i + n + 2 >= parts.length) break;
    const paths = parts.slice(i + 1, i + 1 + n);
    if (n > 1) messages.push({ paths, type: parts[i + 1 + n]!, text: parts[i + 2 + n]!.trimEnd() });
    i += n + 3;
  }
  return { conflicts: [...conflicts], messages };
}

/**
 * Merges two commits in memory with `git merge-tree --write-tree` (git ≥ 2.38): exit 0 is clean,
 * exit 1 with a tree is a conflict; anything else (an unknown ref, unrelated histories) throws. A git
 * that does not know `--write-tree` (older than 2.38) throws `git/too-old`, a refusal with a hint.
 */
export async function mergeTree(cwd: string, a: string, b: string): Promise<MergeTreeResult> {
  const args = [...MERGE_DRIVER_OPTIONS, 'merge-tree', '--write-tree', '--name-only', '-z', a, b];
  const r = await gitRaw(cwd, args);
  // merge-tree also exits 1 for a bad ref, but then prints no tree on stdout.
  const parts = r.stdout.split('\0');
  const tree = parts[0] ?? '';
  if ((r.exitCode !== 0 && r.exitCode !== 1) || !/^[0-9a-f]{40,64}$/.test(tree)) {
    if (unknownOption(r.stderr, 'write-tree')) throw await gitTooOldError(cwd);
    throw new GitError(args, r);
  }
  return { clean: r.exitCode === 0, tree, ...parseMergeTreeOutput(parts.slice(1)) };
}

/**
 * What a failed merge wrote that `git merge --abort` leaves: git writes the merge's new files into the
 * worktree before it can fail (a full disk: `unable to write file`, the file half-written), and when it
 * fails there it records no merge in progress to abort; an abort resets only what the index tracks.
 * The paths the merge would create, noted before it, are removed after it failed, and nothing else.
 */
import { lstatSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './git.js';
import { type GitRun, parseNameStatus } from './merge.js';

/**
 * The paths of `cwd`'s worktree that merging `ref` into its `HEAD` would create and that are absent
 * now: the files `ref` has and `HEAD` lacks, and the folders they would be made in. `/`-separated,
 * relative to `cwd`.
 */
export async function pathsMergeWouldCreate(cwd: string, ref: string): Promise<string[]> {
  const out = await git(cwd, ['diff', '--name-status', '-z', '--no-renames', 'HEAD', ref]);
  const absent = new Map<string, boolean>();
  const isAbsent = (rel: string): boolean => {
    let a = absent.get(rel);
    if (a === undefined) {
      a = lstatSync(join(cwd, rel), { throwIfNoEntry: false }) === undefined;
      absent.set(rel, a);
    }
    return a;
  };
  for (const { status, path } of parseNameStatus(out)) {
    if (status !== 'A') continue;
    const parts = path.split('/');
    // Below an absent folder everything is absent: no need to look.
    let below = false;
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (below) absent.set(rel, true);
      else below = isAbsent(rel);
    }
  }
  return [...absent].filter(([, a]) => a).map(([rel]) => rel);
}

/**
 * Removes from `cwd`'s worktree what a failed merge created at `created` (`pathsMergeWouldCreate`,
 * taken before it): each file still there that the index does not track, then each of those folders
 * left empty. A path the index tracks (the merge staged it and nothing undid that) stays.
 */
export async function removeWhatFailedMergeCreated(
  cwd: string,
  created: readonly string[],
  run: GitRun,
): Promise<void> {
  if (created.length === 0) return;
  const staged = await run(cwd, ['diff', '--cached', '--name-only', '-z', '--no-renames', 'HEAD']);
  const tracked = new Set(staged.exitCode === 0 ? staged.stdout.split('\0') : created);
  // Deepest first: a file before the folder it is in.
  const deepestFirst = [...created].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const rel of deepestFirst) {
    if (tracked.has(rel)) continue;
    const full = join(cwd, rel);
    const st = lstatSync(full, { throwIfNoEntry: false });
    try {
      if (st?.isDirectory()) rmdirSync(full);
      else if (st) unlinkSync(full);
    } catch {
      // A folder that is not empty (a tracked file staged in it) stays; so does what cannot be removed.
    }
  }
}

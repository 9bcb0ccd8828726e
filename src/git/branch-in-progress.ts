import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readRegular } from '../open-regular.js';
import { commonGitDir } from './git.js';

/** A worktree rebasing or bisecting a branch: its HEAD is detached, yet git counts the branch as held there. */
export interface BranchInProgress {
  /** The branch, without `refs/heads/`. */
  branch: string;
  /** The worktree doing it (the main checkout included). */
  worktree: string;
  operation: 'rebase' | 'bisect';
}

/**
 * The branches a rebase or a bisect is under way on, in every worktree, read from the files git
 * itself reads to refuse `git branch -d` in that state (`rebase-merge/head-name`,
 * `rebase-apply/head-name`, `BISECT_START`). `git worktree list` shows such a worktree as detached.
 */
export async function branchesInProgress(root: string): Promise<BranchInProgress[]> {
  const common = await commonGitDir(root);
  const found: BranchInProgress[] = [];
  for (const { gitDir, worktree } of adminFolders(common, root)) {
    for (const file of ['rebase-merge/head-name', 'rebase-apply/head-name']) {
      const branch = branchNamed(readLine(join(gitDir, file)));
      if (branch) found.push({ branch, worktree, operation: 'rebase' });
    }
    const bisected = branchNamed(readLine(join(gitDir, 'BISECT_START')));
    if (bisected) found.push({ branch: bisected, worktree, operation: 'bisect' });
  }
  return found;
}

/** The main checkout's git folder, then each linked worktree's (`<common>/worktrees/<name>`), with its path. */
function adminFolders(common: string, root: string): Array<{ gitDir: string; worktree: string }> {
  const folders = [{ gitDir: common, worktree: root }];
  const linked = join(common, 'worktrees');
  if (!existsSync(linked)) return folders;
  for (const name of readdirSync(linked)) {
    const gitDir = join(linked, name);
    // `gitdir` holds the path of the worktree's `.git` file.
    const dotGit = readLine(join(gitDir, 'gitdir'));
    folders.push({ gitDir, worktree: dotGit ? dirname(dotGit) : gitDir });
  }
  return folders;
}

/**
 * The branch a state file names: `refs/heads/<branch>` (rebase), or the short name `BISECT_START`
 * keeps; a commit id (begun on a detached HEAD) or `detached HEAD` names none.
 */
function branchNamed(line: string | undefined): string | undefined {
  if (!line || line === 'detached HEAD') return undefined;
  if (line.startsWith('refs/heads/')) return line.slice('refs/heads/'.length);
  if (line.startsWith('refs/') || /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(line)) return undefined;
  return line;
}

/**
 * A file's first line, or undefined when it cannot be read (no such state). An agent can write in its
 * worktree's git folder: only a regular file is read (a FIFO there would hang `baton clean`).
 */
function readLine(path: string): string | undefined {
  return readRegular(path)?.toString('utf8').split('\n')[0]?.trim();
}

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { git, gitRaw } from '../git/git.js';

/** What one feature's worktree holds right now, as git objects, without touching its index or files. */
export interface WorktreeSnapshot {
  /** A commit (no ref points at it) whose tree is the worktree as it is, on top of the fork point. */
  commit: string;
  /** Paths changed since the fork point: committed, staged, unstaged and untracked (ignored files excluded). */
  paths: string[];
}

/** A fixed author and date: the same tree on the same fork point is the same commit, so idle scans add no objects. */
const SNAPSHOT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Baton radar',
  GIT_AUTHOR_EMAIL: 'baton@localhost',
  GIT_AUTHOR_DATE: '@0 +0000',
  GIT_COMMITTER_NAME: 'Baton radar',
  GIT_COMMITTER_EMAIL: 'baton@localhost',
  GIT_COMMITTER_DATE: '@0 +0000',
};

/**
 * Snapshots a worktree through a scratch copy of its index: `git add -A` and `write-tree` run
 * against the copy (so the agent's own index, lock and files are never written), and the copied
 * stat data means only files changed since the agent's last git call are hashed again.
 */
export async function snapshotWorktree(
  worktree: string,
  forkPoint: string,
  scratchIndex: string,
): Promise<WorktreeSnapshot> {
  const indexPath = resolve(worktree, await git(worktree, ['rev-parse', '--git-path', 'index']));
  mkdirSync(dirname(scratchIndex), { recursive: true });
  const env = { GIT_INDEX_FILE: scratchIndex };
  // The agent's git writes its index by renaming a finished lock file over it, so a copy is never torn.
  if (existsSync(indexPath)) copyFileSync(indexPath, scratchIndex);
  else await git(worktree, ['read-tree', 'HEAD'], undefined, env);
  const added = await gitRaw(worktree, ['add', '-A', '--ignore-errors', '.'], undefined, env);
  if (added.exitCode !== 0 && !/error: /.test(added.stderr)) {
    throw new Error(`git add -A on a scratch index failed in ${worktree}: ${added.stderr.trim()}`);
  }
  const tree = await git(worktree, ['write-tree'], undefined, env);
  const commit = await git(
    worktree,
    ['commit-tree', tree, '-p', forkPoint, '-m', 'baton radar snapshot'],
    undefined,
    SNAPSHOT_IDENTITY,
  );
  const diff = await git(worktree, ['diff-tree', '-r', '--name-only', '--no-renames', '-z', forkPoint, tree]);
  return { commit, paths: diff.split('\0').filter(Boolean) };
}

/**
 * Baton's worktrees (the features', the integration's, a queued branch's) are full checkouts. `git
 * worktree add` copies the sparse checkout of the worktree it runs from (git >= 2.36: its patterns into
 * the new admin folder's `info/sparse-checkout`, `core.sparseCheckout` into its `config.worktree`), so
 * a user's sparse main checkout would leave every file outside the patterns skip-worktree in each new
 * worktree: its criteria refused as hidden entries, its agent blind to them. What git copied is read
 * from files (no git process); only then does one `sparse-checkout disable` run.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { git } from './git.js';
import { gitDirNamedBy } from './worktree-files.js';

/**
 * The admin folder (`.git/worktrees/<name>`) a linked worktree's `.git` file names, absolute; undefined
 * when `worktree` has no such file (a main checkout, nothing there).
 */
export function worktreeAdminDir(worktree: string): string | undefined {
  return gitDirNamedBy(join(worktree, '.git'));
}

/** The admin folder's name in the common git folder (`worktrees/<name>`), when it is one. */
export function worktreeAdminName(worktree: string): string | undefined {
  const admin = worktreeAdminDir(worktree);
  if (admin === undefined || basename(dirname(admin)) !== 'worktrees') return undefined;
  return `worktrees/${basename(admin)}`;
}

/**
 * Whether `git worktree add` made the new worktree at `worktree` sparse: git copies the patterns into
 * its admin folder only when the worktree it ran from had sparse checkout on (read from files).
 */
export function copiedSparseCheckout(worktree: string): boolean {
  const admin = worktreeAdminDir(worktree);
  return admin !== undefined && existsSync(join(admin, 'info', 'sparse-checkout'));
}

/**
 * Turns off the sparse checkout `git worktree add` copied into the new worktree at `worktree`, checking
 * out every file it left out (none yet after `--no-checkout`); nothing at all, not one process, for a
 * worktree added from a checkout that is not sparse.
 */
export async function makeFullCheckout(worktree: string): Promise<void> {
  if (!copiedSparseCheckout(worktree)) return;
  await git(worktree, ['sparse-checkout', 'disable']);
}

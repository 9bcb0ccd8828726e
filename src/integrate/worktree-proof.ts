/**
 * The integration worktree Baton merges in (`--continue`, and an existing one `--fresh` reuses), found
 * and proven, never taken from the log: any process can append an `integration.started` naming any
 * folder (the user's own checkout, say), and a folder can be swapped for a symlink after Baton was
 * killed. Only the worktree git registered for `baton/integration`, a real folder whose git dir is
 * this repository's, is ever used.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import { branchExists, GitError, gitRaw } from '../git/git.js';
import { BRANCH_PREFIX, CLEAN_BACKUP_PREFIX, INTEGRATION_BRANCH } from '../git/refs.js';
import { listWorktrees } from '../git/worktree-list.js';
import { proveLinkedWorktree } from '../git/worktree-proof.js';
import { escapeControl } from '../text/escape.js';
import { freshCommand } from './continue-command.js';
import type { IntegrationOnDisk } from './unfinished.js';

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The refusal: nothing was done, and the way to start over in a folder Baton makes itself. */
function notProven(branch: string, why: string, hint: string): UserError {
  return new UserError(
    'integrate/worktree-unproven',
    `${escapeControl(why)}; Baton integrates only in the worktree git registered for ${branch}, and did nothing`,
    { hint },
  );
}

/** Why `path` is not a plain folder reached without symlinks, or undefined when it is. */
function notPlainFolder(path: string): string | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined) return `the integration worktree ${path} is gone`;
  if (st.isSymbolicLink()) {
    let target = '?';
    try {
      target = readlinkSync(path);
    } catch {
      // Unreadable: named without its target.
    }
    return `the integration worktree ${path} is a symbolic link (to ${target})`;
  }
  if (!st.isDirectory()) return `the integration worktree ${path} is not a folder`;
  const real = realOrUndefined(path);
  if (real !== path)
    return `the integration worktree ${path} is reached through a symbolic link (it is ${real})`;
  return undefined;
}

/**
 * Why git in `path` is not this repository's linked worktree of `branch` (`proveLinkedWorktree`), in
 * integrate's words, or undefined when it is.
 */
async function notOurWorktree(root: string, path: string, branch: string): Promise<string | undefined> {
  const proof = await proveLinkedWorktree(root, path, branch);
  if (proof.ok) return undefined;
  switch (proof.problem) {
    case 'no-repository':
    case 'other-repository': {
      const gitDir = proof.problem === 'other-repository' ? realOrUndefined(proof.gitDir) : undefined;
      return `${path} is not a worktree of this repository (its git dir is ${gitDir ?? 'unknown'})`;
    }
    case 'registered-elsewhere':
      return `${path} is not where this repository's worktree ${basename(proof.gitDir)} is registered`;
    case 'other-head':
      return `${path} is not on ${branch} (its HEAD is ${proof.head || 'detached'})`;
  }
}

/**
 * The integration worktree of `branch`, proven to be this repository's: the one `git worktree list`
 * shows on `refs/heads/<branch>` (not the main checkout), a folder with no symlink on its path (its
 * realpath is the registered path), whose git dir is this repository's `.git/worktrees/<name>` and
 * whose HEAD is the branch. Refuses with `integrate/worktree-unproven` otherwise; the hint never
 * runs a git command in the unproven folder, and its start over is `freshCommand` (the caller's
 * `--test` and `--into` kept).
 */
export async function provenIntegrationWorktree(
  root: string,
  branch: string,
  freshCommand: string,
): Promise<string> {
  const fresh = `start over with \`${freshCommand}\``;
  const worktrees = await listWorktrees(root);
  const holder = worktrees.slice(1).find((w) => w.branch === branch);
  if (holder === undefined || holder.prunable) {
    const main =
      worktrees[0]?.branch === branch ? ` (it is checked out in your checkout ${worktrees[0]?.path})` : '';
    throw notProven(
      branch,
      `no integration worktree: no linked worktree has ${branch} checked out${main}`,
      `Nothing to continue in: ${fresh}${main ? ' once your checkout is on another branch (git switch -)' : ''}.`,
    );
  }
  const path = holder.path;
  const folder = notPlainFolder(path);
  if (folder !== undefined) {
    throw notProven(
      branch,
      folder,
      `Move it away (mv ${printableArg(path)} ${printableArg(`${path}.moved`)}; a symbolic link moves alone, not what it points to), then run \`git worktree prune\` and ${fresh}.`,
    );
  }
  const foreign = await notOurWorktree(root, path, branch);
  if (foreign !== undefined) {
    throw notProven(
      branch,
      foreign,
      `Look at it yourself (it may be another repository's), move it away, run \`git worktree prune\`, then ${fresh}.`,
    );
  }
  return path;
}

/**
 * What git shows of the integration, for `status` and `doctor` to describe a stopped one: whether
 * `baton/integration` still exists (`baton clean` removes it), and its worktree when proven
 * (`provenIntegrationWorktree`); when none is, no path is named.
 */
export async function integrationOnDisk(root: string): Promise<IntegrationOnDisk> {
  if (!(await branchExists(root, INTEGRATION_BRANCH))) return { branch: false, worktree: undefined };
  const refs = await featureRefs(root);
  try {
    // The refusal is caught below, so its hint's command is never shown.
    const worktree = await provenIntegrationWorktree(root, INTEGRATION_BRANCH, freshCommand({}));
    return { branch: true, worktree, refs };
  } catch (err) {
    // Not proven, or git could not list the worktrees.
    const unproven = err instanceof UserError && err.code === 'integrate/worktree-unproven';
    if (unproven || err instanceof GitError) return { branch: true, worktree: undefined, refs };
    throw err;
  }
}

/**
 * The feature branches there are (`baton/<id>`, by full ref) and, per feature id, the newest tip
 * `baton clean` kept of its removed branch (one `git for-each-ref`); undefined when git could not list them.
 */
async function featureRefs(root: string): Promise<IntegrationOnDisk['refs']> {
  const heads = `refs/heads/${BRANCH_PREFIX}`;
  const r = await gitRaw(root, [
    'for-each-ref',
    '--sort=-creatordate',
    '--format=%(refname)',
    heads,
    CLEAN_BACKUP_PREFIX,
  ]);
  if (r.exitCode !== 0) return undefined;
  const branches = new Set<string>();
  const kept = new Map<string, string>();
  for (const ref of r.stdout.split('\n')) {
    if (ref.startsWith(heads)) branches.add(ref.slice('refs/heads/'.length));
    if (!ref.startsWith(CLEAN_BACKUP_PREFIX)) continue;
    const id = ref.slice(CLEAN_BACKUP_PREFIX.length, ref.lastIndexOf('/'));
    if (!kept.has(id)) kept.set(id, ref);
  }
  return { branches, kept };
}

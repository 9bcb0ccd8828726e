/**
 * The repository's worktrees as `git worktree list --porcelain` gives them. A listing races with a
 * `git worktree add` under way in another process (a run adds worktrees while its checks and resumes
 * list them): git then fails on the half-made one, and the listing is tried again.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { findMainWorktree, GitError, git } from './git.js';

/** One linked or main worktree. */
export interface WorktreeInfo {
  path: string;
  head?: string;
  branch?: string;
  locked?: boolean;
  prunable?: boolean;
}

/**
 * The `git worktree list` arguments `parseWorktrees` reads the output of: NUL-terminated fields (git
 * 2.36+), so a worktree whose path holds a newline is one path, not a cut one and a stray line.
 */
export const WORKTREE_LIST_ARGS: readonly string[] = ['worktree', 'list', '--porcelain', '-z'];

/**
 * Lists the repository's worktrees; the first is the main one, at the path `findMainWorktree` gives:
 * git lists the main worktree at its common git folder without `/.git`, which is the git folder itself
 * in a `--separate-git-dir` checkout, and the folder a symlinked `.git` leads to.
 */
export async function listWorktrees(cwd: string): Promise<WorktreeInfo[]> {
  const [list, main] = await Promise.all([listedWorktrees(cwd), mainWorktreePath(cwd)]);
  const first = list[0];
  if (first && main !== undefined) first.path = main;
  return list;
}

/**
 * `findMainWorktree`, or undefined where it refuses (a bare repository's, or one whose git folder does
 * not name its checkout): git's listing stands there.
 */
async function mainWorktreePath(cwd: string): Promise<string | undefined> {
  try {
    return await findMainWorktree(cwd);
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

/** The worktrees as git lists them, tried again while one is being added. */
async function listedWorktrees(cwd: string): Promise<WorktreeInfo[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return parseWorktrees(await git(cwd, [...WORKTREE_LIST_ARGS]));
    } catch (err) {
      if (attempt >= LIST_ATTEMPTS || !isHalfMadeWorktree(err)) throw err;
      await new Promise((r) => setTimeout(r, 25 * attempt));
    }
  }
}

/** How many times a listing that met a worktree being added is tried. */
const LIST_ATTEMPTS = 5;

/**
 * Whether git failed on a worktree another process is adding at that moment: `git worktree list` reads
 * every `.git/worktrees/<name>/` and stops at one whose `commondir` or `gitdir` is not written yet
 * (git 2.39: "failed to read .git/worktrees/d/commondir: Success"). The listing is tried again.
 */
function isHalfMadeWorktree(err: unknown): boolean {
  return (
    err instanceof GitError && /failed to read \S*worktrees\/[^/\s]+\/(commondir|gitdir)/.test(err.stderr)
  );
}

/** The worktrees in `git worktree list --porcelain -z` output (`WORKTREE_LIST_ARGS`). */
export function parseWorktrees(out: string): WorktreeInfo[] {
  const list: WorktreeInfo[] = [];
  let cur: WorktreeInfo | undefined;
  for (const line of out.split('\0')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice('worktree '.length) };
      list.push(cur);
    } else if (cur && line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (cur && line.startsWith('branch ')) cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
    else if (cur && line.startsWith('locked')) cur.locked = true;
    else if (cur && line.startsWith('prunable')) cur.prunable = true;
  }
  return list;
}

/**
 * The registered worktree at `path`, if any. Git lists each worktree by its real path, so a path that
 * leads through a symlink is resolved first (its folder, or else its parent's).
 */
export function worktreeAt(worktrees: readonly WorktreeInfo[], path: string): WorktreeInfo | undefined {
  const exact = worktrees.find((w) => w.path === path);
  if (exact) return exact;
  let real: string;
  try {
    real = existsSync(path) ? realpathSync(path) : join(realpathSync(dirname(path)), basename(path));
  } catch {
    return undefined;
  }
  return worktrees.find((w) => w.path === real);
}

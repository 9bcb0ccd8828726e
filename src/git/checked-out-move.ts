/**
 * Moving a branch that a worktree may have checked out. `moveBranch` moves the ref alone: where a
 * worktree has the branch checked out, its HEAD moves with it while its index and files stay, so the
 * worktree then shows staged changes that undo the move, which nobody made (committing them reverts
 * it; `baton clean` refuses them as uncommitted work). So the branch is moved together with Baton's
 * own worktree of it, and refused where any other checkout (the user's main checkout, a worktree of
 * their own) has it: Baton never moves the files of a checkout it did not make.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import { BRANCH_IN_PROGRESS } from './branch-in-progress.js';
import { moveBranch } from './branches.js';
import { git, gitRaw, gitShielded } from './git.js';
import { gitRefusal } from './refusal.js';
import { listWorktrees, worktreeAt } from './worktree-list.js';
import { type ProvenWorktree, proveFeatureWorktree } from './worktree-proof.js';

/** The code of the refusal to move a branch checked out where Baton may not move its files along. */
export const BRANCH_CHECKED_OUT = 'git/branch-checked-out';

/**
 * Moves `branch` from `from` to `to` as `moveBranch` does (compare-and-swap: false, nothing moved, when
 * another process moved it meanwhile; refused under a rebase or bisect), minding the worktree that has
 * it checked out, read from one `git worktree list`. In `own` (Baton's worktree of the branch, proven
 * so: `proveFeatureWorktree`) the files follow (`moveWithWorktree`); in any other checkout the move is
 * refused with a UserError (`BRANCH_CHECKED_OUT`) naming it, nothing changed.
 */
export async function moveBranchAndCheckout(
  root: string,
  o: { branch: string; to: string; from: string | undefined; why: string; own: string },
): Promise<boolean> {
  const listed = await listWorktrees(root);
  // A worktree whose folder is gone has no files to leave behind.
  const holder = listed.find((w) => w.branch === o.branch && !w.prunable);
  if (holder === undefined || o.from === undefined) return moveBranch(root, o);
  if (worktreeAt([holder], o.own) === undefined) {
    const where = holder === listed[0] ? 'the main checkout' : 'a worktree Baton did not make';
    const path = escapeControl(holder.path);
    throw new UserError(
      BRANCH_CHECKED_OUT,
      `cannot move ${o.branch}: it is checked out in ${path} (${where}), whose files would not follow; switch that checkout to another branch first`,
      {
        hint: `Switch it (git -C ${printableArg(holder.path)} switch <another branch>) and run the Baton command again; Baton does not move the files of a checkout it did not make.`,
      },
    );
  }
  const worktree = await proveFeatureWorktree(root, o.own, o.branch);
  return moveWithWorktree(worktree, { to: o.to, from: o.from, why: o.why });
}

/**
 * Moves the branch `worktree` has checked out from `from` to `to` (`moveBranch`, in its own git folder)
 * and brings its index and files along (`read-tree -m -u`, as `git checkout` would: a local change the
 * move does not touch is kept, one it would overwrite refuses it). Refused, the branch is moved back and
 * a UserError (`BRANCH_CHECKED_OUT`) says which changes stand in the way. False when another process
 * moved the branch meanwhile (nothing changed).
 */
export async function moveWithWorktree(
  worktree: ProvenWorktree,
  o: { to: string; from: string; why: string },
): Promise<boolean> {
  const env = { GIT_DIR: worktree.gitDir, GIT_WORK_TREE: worktree.realPath };
  const { branch } = worktree;
  // read-tree overwrites an ignored file (a local .env) where the move adds a tracked one: refused first.
  const listed = (
    await git(
      worktree.realPath,
      ['diff', '--name-status', '-z', '--no-renames', '--diff-filter=AD', o.from, o.to],
      undefined,
      env,
    )
  ).split('\0');
  const inTheWay = pathsInTheWay(worktree.realPath, changesOf(listed));
  if (inTheWay.length > 0) {
    const path = printableArg(worktree.path);
    throw new UserError(
      BRANCH_CHECKED_OUT,
      `cannot move ${branch}: it is checked out in ${escapeControl(worktree.path)}, where files the move would add are already there, untracked or ignored: ${escapeControl(inTheWay.slice(0, 5).join(', '))}${inTheWay.length > 5 ? ', …' : ''}; nothing was changed`,
      {
        hint: `Move them aside (they are not in git: copy what you need) and run the Baton command again; \`git -C ${path} status --ignored\` lists them.`,
      },
    );
  }
  // read-tree trusts the index's stat data and does not refresh it, as `git checkout` does: a file only
  // touched (same content: a restored or copied worktree, an editor saving unchanged) would refuse the
  // move as a local change. The refresh rewrites stat data only; its exit (files that do differ) is read-tree's to judge.
  await gitRaw(worktree.realPath, ['update-index', '-q', '--refresh'], undefined, env);
  if (!(await moveBranch(worktree.realPath, { branch, to: o.to, from: o.from, why: o.why, env })))
    return false;
  // Out of the terminal's Ctrl-C: files half-written would leave the worktree half-moved.
  const r = await gitShielded(worktree.realPath, ['read-tree', '-m', '-u', o.from, o.to], env);
  if (r.exitCode === 0) return true;
  await moveBranch(worktree.realPath, { branch, to: o.from, from: o.to, why: `${o.why} undone`, env });
  const path = printableArg(worktree.path);
  throw new UserError(
    BRANCH_CHECKED_OUT,
    `cannot move ${branch}: it is checked out in ${escapeControl(worktree.path)}, whose local changes the move would overwrite (${gitRefusal(r.stderr || r.stdout)}); nothing was changed: stash them first`,
    {
      hint: `Stash them (git -C ${path} stash -u) and run the Baton command again; \`git -C ${path} stash pop\` brings them back after.`,
    },
  );
}

/** The paths a move adds and those it deletes, from `git diff --name-status -z --diff-filter=AD`. */
function changesOf(fields: readonly string[]): { added: string[]; deleted: Set<string> } {
  const added: string[] = [];
  const deleted = new Set<string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'A') added.push(fields[i + 1] as string);
    else if (fields[i] === 'D') deleted.add(fields[i + 1] as string);
  }
  return { added, deleted };
}

/**
 * The added paths something not in git stands in the way of: a file, link or folder at the path
 * itself (a folder only when no tracked file of the `from` side lies in it: git replaces that one),
 * or a file or link at one of its parent folders (`conf` where the move adds `conf/app.env`), unless
 * git tracks it on the `from` side and the move deletes it.
 */
function pathsInTheWay(
  root: string,
  { added, deleted }: { added: string[]; deleted: Set<string> },
): string[] {
  const trackedDirs = new Set<string>();
  for (const d of deleted)
    for (let i = d.indexOf('/'); i > 0; i = d.indexOf('/', i + 1)) trackedDirs.add(d.slice(0, i));
  return added.filter((p) => {
    const at = kindAt(join(root, p));
    if (at === 'dir' ? !trackedDirs.has(p) : at !== undefined) return true;
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      const parent = p.slice(0, i);
      const kind = kindAt(join(root, parent));
      if (kind !== undefined && kind !== 'dir' && !deleted.has(parent)) return true;
    }
    return false;
  });
}

/** What is at `path`, links not followed: a folder, anything else, or nothing. */
function kindAt(path: string): 'dir' | 'other' | undefined {
  try {
    return lstatSync(path).isDirectory() ? 'dir' : 'other';
  } catch {
    return undefined;
  }
}

/**
 * A refusal to move a branch (a rebase or bisect holds it, or a checkout has it whose files Baton may
 * not or cannot move) as its message, for a caller that says so and goes on; any other error is thrown on.
 */
export function unmovedRefusal(err: unknown): string {
  if (err instanceof UserError && (err.code === BRANCH_IN_PROGRESS || err.code === BRANCH_CHECKED_OUT))
    return err.message;
  throw err;
}

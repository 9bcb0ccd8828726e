import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { readRegular } from '../open-regular.js';
import { commonGitDir, gitRaw } from './git.js';
import { isObjectId } from './refs.js';

/** A worktree rebasing or bisecting a branch: its HEAD is detached, yet git counts the branch as held there. */
export interface BranchInProgress {
  /** The branch, without `refs/heads/`. */
  branch: string;
  /** The worktree doing it (the main checkout included). */
  worktree: string;
  operation: 'rebase' | 'bisect';
  /** Whether that worktree is the main checkout. */
  main: boolean;
}

/**
 * The branches a rebase or a bisect is under way on, in every worktree, read from the files git
 * itself reads to refuse `git branch -d` in that state (`rebase-merge/head-name`,
 * `rebase-apply/head-name`, `BISECT_START`, and the branches a `rebase --update-refs` will move,
 * `rebase-merge/update-refs`). `git worktree list` shows such a worktree as detached.
 */
export async function branchesInProgress(root: string): Promise<BranchInProgress[]> {
  const common = await commonGitDir(root);
  const found: BranchInProgress[] = [];
  for (const [i, { gitDir, worktree }] of adminFolders(common, root).entries()) {
    const main = i === 0;
    for (const file of ['rebase-merge/head-name', 'rebase-apply/head-name']) {
      const branch = branchNamed(readLine(join(gitDir, file)));
      if (branch) found.push({ branch, worktree, operation: 'rebase', main });
    }
    for (const branch of updateRefsBranches(join(gitDir, 'rebase-merge/update-refs')))
      found.push({ branch, worktree, operation: 'rebase', main });
    const bisected = branchNamed(readLine(join(gitDir, 'BISECT_START')));
    if (bisected) found.push({ branch: bisected, worktree, operation: 'bisect', main });
  }
  return found;
}

/** The code of `moveBranch`'s refusal of a branch a rebase or bisect holds. */
export const BRANCH_IN_PROGRESS = 'git/branch-in-progress';

/** The rebase or bisect under way on `branch` (without `refs/heads/`), in any worktree, if one is. */
export async function branchInProgress(root: string, branch: string): Promise<BranchInProgress | undefined> {
  return (await branchesInProgress(root)).find((p) => p.branch === branch);
}

/**
 * What is under way on a branch and how it ends, in words (pure): `a rebase of <subject> is in
 * progress in <worktree> (finish it with git rebase --continue, or git rebase --abort)`.
 */
export function inProgressWords(held: BranchInProgress, subject = 'it'): string {
  return held.operation === 'rebase'
    ? `a rebase of ${subject} is in progress in ${held.worktree} (finish it with git rebase --continue, or git rebase --abort)`
    : `a bisect begun on ${subject} is in progress in ${held.worktree} (git bisect reset ends it)`;
}

/** What a refusal of a branch in a rebase or bisect says: its code, the action refused, what to run after. */
export interface InProgressRefusal {
  code: string;
  action: string;
  after: string;
}

/**
 * The one rule for a branch a rebase or a bisect is under way on: Baton neither moves nor removes
 * it. Git holds the branch for that operation though the worktree's HEAD is detached (`git worktree
 * list` shows no branch there), and compares it to the tip it started from when it ends: moved
 * meanwhile, `git rebase --continue` fails (`cannot lock ref … but expected …`) and the user is stuck
 * mid-rebase. Judged on `scan` (`branchesInProgress`), so a caller that checks before it moves reads
 * the worktrees' admin folders once. Throws a UserError with `code`, saying what Baton was about to do
 * (`action`, e.g. `fast-forward`) and, in the hint, what to run once the operation is over (`after`).
 */
export function refuseInProgress(
  scan: readonly BranchInProgress[],
  branch: string,
  o: InProgressRefusal,
): void {
  const held = scan.find((p) => p.branch === branch);
  if (held === undefined) return;
  throw new UserError(o.code, `cannot ${o.action} ${branch}: ${inProgressWords(held)}`, {
    hint: `${howToEnd(held)}, then ${o.after}; Baton does not move a branch git holds for a ${held.operation}.`,
  });
}

/** `refuseInProgress` on a scan of the worktrees made now. */
export async function assertNotInProgress(root: string, branch: string, o: InProgressRefusal): Promise<void> {
  refuseInProgress(await branchesInProgress(root), branch, o);
}

/** How the user ends the operation, as a hint begins (pure): `Finish the rebase (…) or abort it (…)`. */
export function howToEnd(held: BranchInProgress): string {
  return held.operation === 'rebase'
    ? 'Finish the rebase (git rebase --continue) or abort it (git rebase --abort)'
    : 'End the bisect (git bisect reset)';
}

/** The main checkout's git folder, then each linked worktree's (`<common>/worktrees/<name>`), with its path. */
function adminFolders(common: string, root: string): Array<{ gitDir: string; worktree: string }> {
  // Asked from a linked worktree, `root` is that worktree: the main checkout is the common folder's.
  const main = basename(common) === '.git' ? dirname(common) : root;
  const folders = [{ gitDir: common, worktree: main }];
  let names: string[];
  try {
    // No such folder, or something else than a folder there (git itself goes on without it).
    names = readdirSync(join(common, 'worktrees'));
  } catch {
    return folders;
  }
  const linked = join(common, 'worktrees');
  for (const name of names) {
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
  if (line.startsWith('refs/') || isObjectId(line)) return undefined;
  return line;
}

/**
 * The branches a `git rebase --update-refs` will move when it ends (git 2.38+): its
 * `rebase-merge/update-refs` holds three lines per branch (the ref, its tip before, its tip after), and
 * git holds each of them as it holds the branch being rebased.
 */
function updateRefsBranches(path: string): string[] {
  const lines = readRegular(path)?.toString('utf8').split('\n') ?? [];
  return lines
    .filter((_, i) => i % 3 === 0)
    .map((l) => branchNamed(l.trim()))
    .filter((b): b is string => b !== undefined && b !== '');
}

/**
 * A file's first line, or undefined when it cannot be read (no such state). An agent can write in its
 * worktree's git folder: only a regular file is read (a FIFO there would hang `baton clean`).
 */
function readLine(path: string): string | undefined {
  return readRegular(path)?.toString('utf8').split('\n')[0]?.trim();
}

/** The operations git leaves a checkout in until a person concludes them, by the file that marks each. */
const CONCLUDED_BY_A_PERSON = [
  { file: 'MERGE_HEAD', what: 'a merge', end: 'conclude it (git commit) or abort it (git merge --abort)' },
  {
    file: 'CHERRY_PICK_HEAD',
    what: 'a cherry-pick',
    end: 'finish it (git cherry-pick --continue) or abort it (git cherry-pick --abort)',
  },
  {
    file: 'REVERT_HEAD',
    what: 'a revert',
    end: 'finish it (git revert --continue) or abort it (git revert --abort)',
  },
] as const;

/**
 * The merge, cherry-pick or revert under way in the checkout `dir` (its branch still checked out, so
 * `branchesInProgress` does not see it), in words with how it ends; undefined when none is. git refuses
 * to move the branch meanwhile, naming no file.
 */
export async function checkoutOperation(dir: string): Promise<{ what: string; end: string } | undefined> {
  const gitDir = await gitRaw(dir, ['rev-parse', '--absolute-git-dir']);
  if (gitDir.exitCode !== 0) return undefined;
  return CONCLUDED_BY_A_PERSON.find((o) => readLine(join(gitDir.stdout.trim(), o.file)) !== undefined);
}

/**
 * Refuses to fast-forward `branch` in its checkout `dir` while a merge, cherry-pick or revert is under
 * way there (`checkoutOperation`), saying how it ends and what to run after (`next`).
 */
export async function refuseCheckoutOperation(
  dir: string,
  branch: string,
  next: { continue: string; fresh: string },
): Promise<void> {
  const underWay = await checkoutOperation(dir);
  if (underWay === undefined) return;
  throw new UserError(
    'integrate/into-in-progress',
    `cannot fast-forward ${branch}: ${underWay.what} is in progress in ${dir}`,
    {
      hint: `${underWay.end[0]?.toUpperCase()}${underWay.end.slice(1)}, then run \`${next.continue}\` (\`${next.fresh}\` if ${branch} changed meanwhile).`,
    },
  );
}

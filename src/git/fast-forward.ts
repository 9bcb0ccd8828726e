/**
 * `--into`'s move of the user's branch: forward only, never by force, and never cut in half. Where the
 * branch is checked out, git writes the new files into the user's checkout before it moves the branch,
 * and a signal that stops it half-way leaves the checkout half-moved: that `git merge --ff-only` runs
 * out of reach of the terminal's Ctrl-C (`gitShielded`), and a git that dies by a signal all the same
 * is said so, with how to look at what it left.
 */
import { existsSync } from 'node:fs';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import { describeExit } from '../process/supervise.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import { branchesInProgress, refuseCheckoutOperation, refuseInProgress } from './branch-in-progress.js';
import { moveBranch } from './branches.js';
import { type GitOutput, gitShielded, isAncestor, resolveCommit } from './git.js';
import { untrackedInTheWay } from './merge.js';
import { gitRefusal, MAX_NAMED } from './refusal.js';
import { statusEntries } from './status.js';
import { listWorktrees, type WorktreeInfo } from './worktree-list.js';

/** The worktree that has `branch` checked out, if any. */
export async function worktreeOfBranch(cwd: string, branch: string): Promise<WorktreeInfo | undefined> {
  return (await listWorktrees(cwd)).find((w) => w.branch === branch);
}

/**
 * The commands a refusal to move a branch names to go on (each with the integration's `--test` and
 * `--into`, as the caller builds them): the `--continue` that moves it once nothing stands in the
 * way, and the start over from the branch's new tip.
 */
export interface GoOnCommands {
  continue: string;
  fresh: string;
}

/** How `fastForwardBranch` moved (or declined to move) a branch. */
export interface FastForward {
  branch: string;
  from: string;
  to: string;
  /** `update-ref` when no checkout has the branch, `merge --ff-only` in the checkout that has it. */
  via: 'update-ref' | 'merge-ff-only' | 'already-there';
}

/**
 * Moves `branch` forward to `commit`, never by force: refuses unless the branch's tip is an
 * ancestor of `commit`, and while a rebase or bisect holds it (`refuseInProgress`). Where the
 * branch is checked out, that checkout is moved (`moveCheckout`); elsewhere only the ref moves
 * (`moveBranch`: compare-and-swap on the old value, refused with `integrate/into-moved` when another
 * process moved it meanwhile). The refusals' hints name the caller's commands (`next`). Once `signal`
 * is aborted (Ctrl-C) the move is not begun (it throws the abort's reason); once begun, it is finished.
 */
export async function fastForwardBranch(
  cwd: string,
  branch: string,
  commit: string,
  next: GoOnCommands,
  signal?: AbortSignal,
): Promise<FastForward> {
  const from = await resolveCommit(cwd, `refs/heads/${branch}`);
  if (from === undefined) {
    throw new UserError('integrate/into-missing', `branch ${branch} does not exist`, {
      hint: `Create it first (git branch ${branch}) or name an existing branch with --into.`,
    });
  }
  if (from === commit) return { branch, from, to: commit, via: 'already-there' };
  // One read of the worktrees' admin folders serves this refusal and the move's own (`moveBranch`).
  const inProgress = await branchesInProgress(cwd);
  refuseInProgress(inProgress, branch, {
    code: 'integrate/into-in-progress',
    action: 'fast-forward',
    after: `run \`${next.continue}\` (\`${next.fresh}\` if ${branch} changed meanwhile)`,
  });
  if (!(await isAncestor(cwd, from, commit))) {
    throw new UserError(
      'integrate/into-diverged',
      `cannot fast-forward ${branch}: its tip ${from.slice(0, 10)} is not in the integration result ${commit.slice(0, 10)}`,
      {
        hint: `${branch} has commits the integration does not contain: integrate again from its current tip with \`${next.fresh}\`; Baton never forces a branch.`,
      },
    );
  }
  const checkout = await worktreeOfBranch(cwd, branch);
  if (checkout !== undefined) return moveCheckout(cwd, checkout, { branch, from, commit, next, signal });
  signal?.throwIfAborted();
  if (!(await moveBranch(cwd, { branch, to: commit, from, why: 'baton integrate --into', inProgress }))) {
    throw new UserError(
      'integrate/into-moved',
      `cannot fast-forward ${branch}: another process moved it while integrate ran (it was at ${from.slice(0, 10)}); it was left where that process put it`,
      {
        hint: `Look at what ${branch} holds now; to take the integration onto it, integrate again from its new tip: \`${next.fresh}\`.`,
      },
    );
  }
  return { branch, from, to: commit, via: 'update-ref' };
}

/**
 * Moves `branch` where it is checked out (`checkout`, a worktree of the repository at `cwd`): the
 * checkout must be there (`refuseStaleWorktree`), clean, with no untracked or ignored file where the
 * result puts one (`refuseUncleanCheckout`); then `git merge --ff-only` moves it, shielded from the
 * terminal's Ctrl-C (`gitShielded`): git writes the files before it moves the branch, and stopped in
 * between it would leave the checkout half-moved.
 */
async function moveCheckout(
  cwd: string,
  checkout: WorktreeInfo,
  move: {
    branch: string;
    from: string;
    commit: string;
    next: GoOnCommands;
    signal?: AbortSignal | undefined;
  },
): Promise<FastForward> {
  const { branch, from, commit, next } = move;
  refuseStaleWorktree(cwd, checkout, branch, next);
  await refuseCheckoutOperation(checkout.path, branch, next);
  await refuseUncleanCheckout(checkout.path, { branch, from, commit, fresh: next.fresh });
  move.signal?.throwIfAborted();
  // `branch.<name>.mergeOptions` (`--squash`, `-s ours`) would turn the fast-forward into something else.
  const args = ['-c', `branch.${branch}.mergeOptions=`, 'merge', '--ff-only', '--quiet', commit];
  const r = await gitShielded(checkout.path, args);
  if (r.signal) throw killedMidMove(checkout.path, { branch, from, commit }, r);
  if (r.exitCode !== 0) {
    // Typically an untracked file in the way; git has changed nothing.
    throw new UserError(
      'integrate/into-failed',
      `git could not fast-forward ${branch} in ${checkout.path}: ${gitRefusal(r.stderr || r.stdout)}`,
      {
        hint: `Move the files git names out of the way, then run: git -C ${checkout.path} merge --ff-only ${commit}`,
      },
    );
  }
  await refuseMovedElsewhere(cwd, checkout.path, { branch, from, commit });
  return { branch, from, to: commit, via: 'merge-ff-only' };
}

/**
 * The `integrate/into-failed` of a git that ended without the branch at the result: unlike every other
 * refusal of the move, the branch may have moved (elsewhere), so it is not "left where it was".
 */
export class MovedElsewhereError extends UserError {}

/**
 * Refuses a `git merge --ff-only` that succeeded without leaving `branch` at `commit` (something in the
 * user's config made it do another thing): a move is only ever claimed where the branch is now.
 */
async function refuseMovedElsewhere(
  cwd: string,
  dir: string,
  move: { branch: string; from: string; commit: string },
): Promise<void> {
  const at = await resolveCommit(cwd, `refs/heads/${move.branch}`);
  if (at === move.commit) return;
  const path = printableArg(dir);
  const where = at === undefined ? 'no longer exists' : `is at ${at.slice(0, 10)}`;
  throw new MovedElsewhereError(
    'integrate/into-failed',
    `git merge --ff-only in ${dir} did not move ${move.branch} to the integration result ${move.commit.slice(0, 10)}: ${move.branch} ${where} (it was at ${move.from.slice(0, 10)})`,
    {
      hint: `Look at what git did (git -C ${path} status, git -C ${path} log -1) and at your git config for ${move.branch} (git -C ${path} config --get-regexp '^(branch|merge|pull)\\.'); \`git -C ${path} reset --hard ${move.commit}\` puts it at the result, discarding what git left there.`,
    },
  );
}

/**
 * Refuses a checkout git still counts `branch` as checked out in, though its folder is gone (git
 * lists it `prunable`, or a locked one whose folder is missing): no git can run there to move it, and
 * the branch cannot be moved as a ref either while git holds it checked out. `git worktree prune`
 * forgets it (a locked one must be unlocked first), and the `--continue` (`next`) then moves it.
 */
function refuseStaleWorktree(cwd: string, checkout: WorktreeInfo, branch: string, next: GoOnCommands): void {
  if (!checkout.prunable && existsSync(checkout.path)) return;
  const path = escapeControl(checkout.path);
  const repo = printableArg(cwd);
  const unlock = checkout.locked ? `git -C ${repo} worktree unlock ${printableArg(checkout.path)} && ` : '';
  const gone = existsSync(checkout.path)
    ? 'a worktree git no longer finds there (git worktree list marks it prunable)'
    : `a worktree whose folder is gone${checkout.locked ? ' (and which is locked)' : ''}`;
  throw new UserError(
    'integrate/into-stale-worktree',
    `cannot fast-forward ${branch}: git counts it as checked out in ${path}, ${gone}`,
    {
      hint: `If that worktree is gone for good, have git forget it (${unlock}git -C ${repo} worktree prune), then run \`${next.continue}\`; if its folder was moved, repair it (git -C ${repo} worktree repair <its new path>) and run the same.`,
    },
  );
}

/**
 * The error for a `git merge --ff-only` killed by a signal all the same (not the terminal's Ctrl-C:
 * it is shielded from that): git may have written part of the result into the checkout before it
 * was stopped, while the branch stayed at `from`. The checkout was clean before (`refuseUncleanCheckout`).
 */
function killedMidMove(
  dir: string,
  move: { branch: string; from: string; commit: string },
  r: GitOutput,
): UserError {
  const how = describeExit({ exitCode: null, signal: r.signal ?? null, timedOut: false });
  const path = printableArg(dir);
  return new UserError(
    'integrate/into-killed',
    `git merge --ff-only, moving ${move.branch} in ${dir}, was ${how} before it finished: ${move.branch} is still at ${move.from.slice(0, 10)}, and the checkout may hold part of the integration's files`,
    {
      hint: `The checkout was clean before the move (Baton checks), so what \`git -C ${path} status\` lists came from the integration, unless you changed it since: finish the move with git -C ${path} reset --hard ${move.commit} (${move.branch} was at ${move.from.slice(0, 10)}, which that commit holds: a fast-forward), or undo it with git -C ${path} reset --hard ${move.from.slice(0, 12)}, then remove the files it added (git -C ${path} clean -n lists the untracked files, -f removes them).`,
    },
  );
}

/**
 * Refuses to move `branch` in the checkout `dir` from `from` to `commit` when the checkout has
 * uncommitted changes, or untracked or ignored files where the result puts one; both are named in
 * one refusal when both are there.
 */
async function refuseUncleanCheckout(
  dir: string,
  move: { branch: string; from: string; commit: string; fresh: string },
): Promise<void> {
  const { branch, from, commit, fresh } = move;
  const dirty = (await statusEntries(dir)).filter((e) => e.code !== '??');
  // git replaces an ignored file the result adds without a word (a secret, Baton's own log): refused
  // here, untracked ones too, with the same words; named beside uncommitted changes as well, so the
  // hint's `stash` then `merge --ff-only` is not refused by git in turn.
  // A path among the changes (a file staged with `git add`) is git's to stash, not in the way.
  const changed = new Set(dirty.map((e) => e.path));
  const inTheWay = (await untrackedInTheWay(dir, from, commit)).filter((p) => !changed.has(p));
  const overwrites =
    inTheWay.length > 0
      ? `it would overwrite ${inTheWay.length} file(s) in ${dir} that git does not track there (untracked or ignored): ${someOf(
          inTheWay.map((p) => escapeControl(p)),
          MAX_NAMED,
        )}`
      : undefined;
  if (dirty.length > 0) {
    const path = printableArg(dir);
    throw new UserError(
      'integrate/into-dirty',
      `cannot fast-forward ${branch}: it is checked out in ${dir} with uncommitted changes (${dirty
        .slice(0, 5)
        .map((e) => escapeControl(e.path))
        .join(', ')}${dirty.length > 5 ? ', …' : ''})${overwrites ? `, and ${overwrites}` : ''}`,
      {
        hint: `${overwrites ? 'Move the untracked or ignored files out of the way (git stash does not take them) and stash the changes' : 'Stash them'} (git -C ${path} stash), then run: git -C ${path} merge --ff-only ${commit}; if you commit them instead, ${branch} is no longer behind the integration: run \`${fresh}\`.`,
      },
    );
  }
  if (overwrites) {
    throw new UserError('integrate/into-overwrites', `cannot fast-forward ${branch}: ${overwrites}`, {
      hint: `The integration adds these paths. If they should not be committed (local settings, secrets, Baton's .baton/), take them out of the feature branches and integrate again; if the integration's versions are wanted, move yours out of the way, then run: git -C ${dir} merge --ff-only ${commit}`,
    });
  }
}

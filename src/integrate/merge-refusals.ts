/**
 * Why a feature's merge in the integration worktree did not happen when it was no conflict, as the
 * error to give: the integration stays where it was, with no end recorded, so `--continue` merges the
 * feature again once the cause is gone.
 */
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import { featureBranch } from '../git/refs.js';
import { escapeControl } from '../text/escape.js';
import { continueCommandOf } from './continue-command.js';
import type { Session } from './session.js';
import { somePaths } from './worktree.js';

/**
 * git refused to merge `id` over untracked files in the integration worktree (nothing changed): most
 * likely the test command wrote them (`leftBehind` stops at those it can foresee).
 */
export function blockedMerge(session: Session, id: string, paths: readonly string[]): UserError {
  const wt = printableArg(session.worktree);
  const source = session.test
    ? `written by the test command (${escapeControl(session.test)}) or by hand`
    : 'put there by hand';
  return new UserError(
    'integrate/untracked-in-the-way',
    `cannot merge ${featureBranch(id)}: untracked files in the integration worktree (${source}) are where it puts its own: ${somePaths(paths)}`,
    {
      hint: `Remove them (git -C ${wt} clean -f -- ${paths.map(printableArg).join(' ')}); if the test command writes them, have it delete them or list them in .gitignore (a merge replaces an ignored file). Then run \`${continueCommandOf(session)}\`.`,
    },
  );
}

/**
 * git's merge of `id` failed for a reason of its own, neither a conflict nor untracked files (the merge
 * commit could not be written: a full disk, a `gpg.program` or merge driver of the repository's config
 * that fails); what it had begun was undone (`mergeNoFf`). `reason` is git's, escaped. The hint sends
 * to `--continue`, never to a merge by hand: one that fails writing files again leaves them untracked,
 * in the way of the next merge (`integrate/untracked-in-the-way`), where Baton's own undoes them.
 */
export function failedMerge(session: Session, id: string, reason: string): UserError {
  return new UserError(
    'integrate/merge-failed',
    `could not merge ${featureBranch(id)}: git said: ${reason}`,
    {
      hint: `Remove the cause git names (free disk space, or fix the failing gpg.program, merge driver or hook in your git config), then run \`${continueCommandOf(session)}\`: it merges ${featureBranch(id)} again, undoing what a failed merge wrote.`,
    },
  );
}

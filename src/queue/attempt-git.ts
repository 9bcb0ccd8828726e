/** The git side of one attempt on a worker: its worktree in the worker's clone, and its push to the hub. */
import { makeFullCheckout } from '../git/full-checkout.js';
import { git, gitRaw } from '../git/git.js';
import { errorMessage } from '../text/error-message.js';
import type { AttemptContext, AttemptPaths } from './attempt.js';
import { hubRemote, pushAttempt } from './hub.js';
import { describeWindow, retryHub } from './hub-retry.js';

/**
 * The hub took no push of the attempt's commit for the whole retry window: the job fails at once,
 * since another attempt would run the agent again for work already done, which stays on this worker.
 */
export class UnpushedError extends Error {
  override readonly name = 'UnpushedError';
}

/**
 * A worktree of the clone at the base commit, on the attempt's own branch (`workerBranchOf`): other
 * jobs of the same feature on this worker (another run, the job enqueued again) have theirs, and
 * nothing here touches them.
 */
export async function makeWorktree(ctx: AttemptContext, path: string, branch: string): Promise<void> {
  await ctx.gitLock(async () => {
    // Only registrations whose folder is gone (this attempt's own, removed with its folder).
    await gitRaw(ctx.clone, ['worktree', 'prune']);
    await git(ctx.clone, ['worktree', 'add', '--quiet', '-f', '-B', branch, path, ctx.data.base_commit]);
    await makeFullCheckout(path);
  });
}

/**
 * Once its commit is in the hub, the attempt's worktree and branch leave the clone (its log and task
 * stay in its folder): a worker that runs many jobs does not pile up checkouts.
 */
export async function dropWorktree(ctx: AttemptContext, path: string, branch: string): Promise<void> {
  await ctx.gitLock(async () => {
    await gitRaw(ctx.clone, ['worktree', 'remove', '--force', path]);
    await gitRaw(ctx.clone, ['branch', '-D', branch]);
  });
}

/**
 * Pushes the attempt's commit to its ref, waiting out a hub outage (`retryHub`). One that outlasts the
 * window is an UnpushedError naming where the commit stays: its worktree and branch are kept.
 */
export async function pushResult(
  ctx: AttemptContext,
  paths: AttemptPaths,
  commit: string,
  ref: string,
): Promise<void> {
  const retry = { windowMs: ctx.hubRetryMs, what: `push of ${ref}`, say: ctx.log, signal: ctx.signal };
  try {
    await retryHub(() => pushAttempt(paths.worktree, hubRemote(ctx.hub, ctx.env), commit, ref), retry);
  } catch (err) {
    const why = errorMessage(err);
    throw new UnpushedError(
      `${why} (tried for ${describeWindow(ctx.hubRetryMs)}); the agent's commit ${commit.slice(0, 12)} is kept on ${ctx.host} in ${paths.worktree} (branch ${paths.branch} of ${ctx.clone}), and the agent is not run again`,
    );
  }
}

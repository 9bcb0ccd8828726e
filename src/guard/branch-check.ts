import { gitRaw } from '../git/git.js';
import { detachedCommitsWords, keepOnBranchWords, readDetachedHead } from './detached-head.js';

/**
 * Checks, after an agent ended, that its worktree is still where Baton put it: HEAD on `branch`,
 * the branch present, and descending from the base it was cut from (the run's base, or a resumed
 * branch's own). Returns the reason the feature must fail, or undefined when all is well (an agent
 * that checked out another branch, deleted its own or reset below the base must never end
 * `complete` with a commit that is not on its branch). Left on a detached HEAD, the reason names what
 * was committed there and how to keep it (`keepOnBranchWords`), then `resume`: the command that goes on.
 */
export async function checkFeatureBranch(
  worktree: string,
  opts: { branch: string; baseCommit: string; resume?: string },
): Promise<string | undefined> {
  return branchProblem(worktree, `refs/heads/${opts.branch}`, opts);
}

/** Why the worktree is not where Baton put it, asked step by step; undefined when it is after all. */
async function branchProblem(
  worktree: string,
  ref: string,
  opts: { branch: string; baseCommit: string; resume?: string },
): Promise<string | undefined> {
  const head = await gitRaw(worktree, ['symbolic-ref', '-q', 'HEAD']);
  if (head.exitCode !== 0) {
    const left = `the agent left its worktree on a detached HEAD, not on ${opts.branch}`;
    const detached = await readDetachedHead(worktree, opts.branch);
    if (detached === undefined) return left;
    // What it committed there is on no branch: named, with the way to keep it, before anyone removes the worktree.
    const then = opts.resume === undefined ? '' : `, then \`${opts.resume}\``;
    return `${left}, with ${detachedCommitsWords(detached)}; ${keepOnBranchWords(worktree, opts.branch, detached)}${then}`;
  }
  if (head.stdout.trim() !== ref) {
    return `the agent switched its worktree to ${head.stdout.trim().replace(/^refs\/heads\//, '')}, not ${opts.branch}`;
  }
  const tip = await gitRaw(worktree, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (tip.exitCode !== 0) {
    // An unborn branch after the agent deleted it: the next commit would be an orphan root commit.
    return `the agent deleted its branch ${opts.branch}`;
  }
  const descends = await gitRaw(worktree, ['merge-base', '--is-ancestor', opts.baseCommit, ref]);
  if (descends.exitCode !== 0) {
    return `${opts.branch} no longer descends from its base ${opts.baseCommit.slice(0, 8)} (reset or rewritten by the agent)`;
  }
  return undefined;
}

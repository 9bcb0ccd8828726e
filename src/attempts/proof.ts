/**
 * Whether an attempt's `attempt.ended` is proven before Baton acts on it. The line is a claim: any
 * process can append one naming any commit, status and checks. Two things prove it: the commit is on
 * the attempt's own branch `baton/<id>.a<n>` (`onAttemptBranch`), and the attempt's own worktree checks,
 * the `check.*` events of its unit that the fold keeps as `checked`, passed on that commit what the line
 * says passed (`unprovenClaim`). `run --resume` keeps only a proven attempt (and runs the others again),
 * best-of-N's choice and `baton pick` move `baton/<id>` only to a proven commit.
 */
import { isAncestor } from '../git/git.js';
import { attemptBranch, isObjectId } from '../git/refs.js';
import type { AttemptState } from '../log/state.js';

type Claim = Pick<AttemptState, 'attempt' | 'status' | 'commit' | 'checks' | 'checked'>;

/**
 * Why the log's own checks of an attempt do not back what its `attempt.ended` says passed (pure):
 * it says `complete` or some checks passed, and its checks on its recorded commit passed fewer, or
 * not all of them for `complete`, or never ran there. Undefined when they back it, or when it says
 * nothing passed. `criteria` is the contract's number of worktree criteria when known: with none, a
 * `complete` that passed nothing is all there is to say; unknown, it must be proven like any other.
 */
export function unprovenClaim(a: Claim, criteria?: number): string | undefined {
  const claimed = a.checks?.passed ?? 0;
  const complete = a.status === 'complete';
  if (claimed === 0 && (!complete || criteria === 0)) return undefined;
  const c = a.checked;
  const backed =
    c !== undefined && c.passed >= claimed && (!complete || (c.passed === c.total && c.total > 0));
  if (backed) return undefined;
  const sha = a.commit ? a.commit.slice(0, 8) : 'no commit';
  const says = complete
    ? `every check passed (${claimed}/${a.checks?.total ?? 0})`
    : `${claimed} of its ${a.checks?.total ?? 0} checks passed`;
  const found =
    c === undefined
      ? `no check of attempt ${a.attempt} ran on that commit`
      : `its own checks on that commit passed ${c.passed}/${c.total}`;
  return `attempt ${a.attempt}'s record says ${says} on ${sha}, but ${found} in the log`;
}

/** Whether `commit` is the tip of the attempt's branch `baton/<id>.a<n>` or in its history (false when the branch is gone). */
export async function onAttemptBranch(
  root: string,
  o: { featureId: string; attempt: number; commit: string },
): Promise<boolean> {
  if (!isObjectId(o.commit)) return false;
  return isAncestor(root, o.commit, `refs/heads/${attemptBranch(o.featureId, o.attempt)}`);
}

/**
 * Why an attempt's recorded commit is not proven its own: it is not on `baton/<id>.a<n>` (or that
 * branch is gone, `baton clean`), and no check of the attempt ran on it. Undefined when either holds:
 * its own checks having run on that commit prove it was the attempt's work when it ended.
 */
export async function unprovenCommit(
  root: string,
  o: { featureId: string; a: Claim; commit: string; hasBranch: boolean },
): Promise<string | undefined> {
  if (o.a.checked !== undefined) return undefined;
  if (await onAttemptBranch(root, { featureId: o.featureId, attempt: o.a.attempt, commit: o.commit }))
    return undefined;
  const branch = attemptBranch(o.featureId, o.a.attempt);
  const where = o.hasBranch ? `is not on ${branch}` : `has no branch to be on (${branch} is gone)`;
  return `its recorded commit ${o.commit.slice(0, 8)} ${where}, and no check of attempt ${o.a.attempt} ran on it in the log`;
}

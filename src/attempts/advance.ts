/**
 * `baton verify` of a best-of-N feature runs in its winner's worktree, on the attempt's branch. When the
 * conductor fixed the winner there, the checks passed on a commit `baton/<id>` does not hold, and
 * integration would refuse the branch forever. Once those checks pass, `baton/<id>` moves on to the
 * checked commit, fast-forward only and only from the tip it read: nothing unchecked and nothing made
 * on `baton/<id>` is lost.
 */
import type { CheckReport } from '../checks/verify.js';
import { commitsNotIn } from '../git/branches.js';
import { moveBranchAndCheckout, unmovedRefusal } from '../git/checked-out-move.js';
import { resolveCommit } from '../git/git.js';
import { attemptBranch, featureBranch } from '../git/refs.js';
import type { BatonState } from '../log/state.js';
import { unitWorktree } from '../unit-worktree.js';

/** The commit a worktree verification checked, and whether the worktree held changes it lacks (from its events). */
function checkedCommitOf(report: CheckReport): { commit?: string; dirty: boolean } {
  const first = report.events[0] as { commit?: string; dirty?: true } | undefined;
  return { ...(first?.commit ? { commit: first.commit } : {}), dirty: first?.dirty === true };
}

/**
 * Moves `baton/<id>` to the commit a passing `baton verify` checked on the winner's branch, when that
 * commit is a fast-forward of it; what happened in one line (undefined: nothing to say). Where
 * Baton's own worktree of `baton/<id>` under `worktrees` has it checked out, its files move along; any
 * other checkout of it leaves it unmoved (`moveBranchAndCheckout`).
 */
export async function advanceWinnerBranch(
  root: string,
  state: BatonState,
  report: CheckReport,
  worktrees: string,
): Promise<string | undefined> {
  const id = report.feature_id;
  const f = Object.hasOwn(state.features, id) ? state.features[id] : undefined;
  if (!f?.winner || report.failed > 0 || report.interrupted || report.events.length === 0) return undefined;
  const { commit, dirty } = checkedCommitOf(report);
  const winnerBranch = attemptBranch(id, f.winner.attempt);
  if (commit === undefined || dirty || (await resolveCommit(root, `refs/heads/${winnerBranch}`)) !== commit)
    return undefined;
  const branch = featureBranch(id);
  const tip = await resolveCommit(root, `refs/heads/${branch}`);
  if (tip === commit) return undefined;
  const behind = tip === undefined ? [] : await commitsNotIn(root, tip, [commit]);
  if (behind.length > 0) {
    return `${branch} was not moved to ${commit.slice(0, 8)}, the commit just checked on ${winnerBranch}: it holds ${behind.length} commit(s) ${winnerBranch} lacks; merge ${branch} into ${winnerBranch}, then run \`baton verify ${id}\` again`;
  }
  const ahead = tip === undefined ? [] : await commitsNotIn(root, commit, [tip]);
  const why = `baton verify: checks passed on ${winnerBranch}`;
  const own = unitWorktree(worktrees, id);
  const moved = await moveBranchAndCheckout(root, { branch, to: commit, from: tip, why, own }).catch(
    unmovedRefusal,
  );
  if (typeof moved === 'string') {
    return `${branch} was not moved to ${commit.slice(0, 8)}, the commit just checked on ${winnerBranch}: ${moved}; run \`baton verify ${id}\` again once that is resolved`;
  }
  if (!moved) {
    return `${branch} was not moved to ${commit.slice(0, 8)}, the commit just checked on ${winnerBranch}: another process moved it while verify ran, and it was left there; run \`baton verify ${id}\` again`;
  }
  return `${branch} moved to ${commit.slice(0, 8)}: its checks passed on ${winnerBranch} (${ahead.length} commit(s) past the winner's recorded work)`;
}

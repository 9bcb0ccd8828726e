/**
 * Moving `baton/<feature_id>` off a tip: the one way `baton pick` and best-of-N's choice in a run do it.
 * A tip the move would leave on no branch is kept under `refs/baton/pick-backup/<id>/<sha>` before
 * the branch moves (after, the commit could already be lost), and the branch moves only from the tip
 * that was read (`moveBranch`), so a commit another process put there meanwhile is never overwritten.
 * Where Baton's own worktree of the feature has the branch checked out (a plain rerun's), its files
 * move with it; any other checkout of it refuses the move (`moveBranchAndCheckout`).
 */
import { commitsNotIn, keepTipRef, localBranchTips } from '../git/branches.js';
import { moveBranchAndCheckout, unmovedRefusal } from '../git/checked-out-move.js';
import { gitRaw } from '../git/git.js';
import { attemptBranch, featureBranch, pickBackupRef } from '../git/refs.js';
import { unitWorktree } from '../unit-worktree.js';
import { onAttemptBranch } from './proof.js';

/**
 * The commits of `tip` (newest first) that moving `baton/<feature_id>` to `to` would leave on no
 * branch: held neither by `to` nor by any other local branch in `tips`.
 */
export async function leftOnNoBranch(
  root: string,
  o: { featureId: string; tip: string; to: string; tips: ReadonlyMap<string, string> },
): Promise<string[]> {
  const branch = featureBranch(o.featureId);
  const others = [...o.tips].filter(([b]) => b !== branch).map(([, c]) => c);
  return commitsNotIn(root, o.tip, [o.to, ...new Set(others)]);
}

/** What `moveKeepingTip` did: whether the branch moved, and the backup ref holding its old tip, if one does. */
export interface KeptMove {
  moved: boolean;
  backup?: string;
}

/**
 * Moves `baton/<feature_id>` from `from` to `to` (`moveBranchAndCheckout`, the feature's worktree
 * under `worktrees` moved along). With `keep`, `from` is first kept under its pick backup ref
 * (`pickBackupRef`), created only where none is (one already there holds the same tip). When another
 * process moved the branch meanwhile, nothing moves; a backup this call created is removed again if
 * its tip is on a branch anew, and kept (and returned) if it is on none. A refused move (a checkout
 * or a rebase holds the branch) throws, a backup this call created removed first.
 */
export async function moveKeepingTip(
  root: string,
  o: {
    featureId: string;
    from: string | undefined;
    to: string;
    why: string;
    keep: boolean;
    worktrees: string;
  },
): Promise<KeptMove> {
  const branch = featureBranch(o.featureId);
  const backup = o.keep && o.from !== undefined ? pickBackupRef(o.featureId, o.from) : undefined;
  const created =
    backup !== undefined &&
    o.from !== undefined &&
    (await keepTipRef(root, {
      ref: backup,
      commit: o.from,
      why: `baton: old tip of ${branch} kept (${o.why})`,
    }));
  const own = unitWorktree(o.worktrees, o.featureId);
  const moved = await moveBranchAndCheckout(root, { branch, to: o.to, from: o.from, why: o.why, own }).catch(
    async (err: unknown) => {
      // Refused, the branch still holds `from`: the backup just written holds nothing lost.
      if (created && backup !== undefined && o.from !== undefined)
        await gitRaw(root, ['update-ref', '-d', backup, o.from]);
      throw err;
    },
  );
  if (moved) return backup !== undefined ? { moved: true, backup } : { moved: true };
  if (backup === undefined || o.from === undefined) return { moved: false };
  const tips = await localBranchTips(root);
  if (created && (await commitsNotIn(root, o.from, [...new Set(tips.values())])).length === 0) {
    await gitRaw(root, ['update-ref', '-d', backup, o.from]);
    return { moved: false };
  }
  return { moved: false, backup };
}

/**
 * Points `baton/<id>` at the winner's commit, only from the tip read here (`moveKeepingTip`): a tip on
 * no other branch (a commit made on it by hand during the run) is kept under its pick backup ref first,
 * and a branch another process moves meanwhile is left where it put it. What to say of it in the event.
 */
export async function moveToWinner(
  root: string,
  o: { featureId: string; commit: string; attempt: number; worktrees: string },
): Promise<{ backup?: string; not_moved?: string }> {
  const { featureId, commit, attempt } = o;
  const branch = featureBranch(featureId);
  if (!(await onAttemptBranch(root, { featureId, attempt, commit })))
    return {
      not_moved: `attempt ${attempt}'s recorded commit ${commit.slice(0, 8)} is not on ${attemptBranch(featureId, attempt)}, so ${branch} was not moved to it: the log's record alone proves nothing`,
    };
  const tips = await localBranchTips(root);
  const from = tips.get(branch);
  if (from === commit) return {};
  const keep =
    from !== undefined && (await leftOnNoBranch(root, { featureId, tip: from, to: commit, tips })).length > 0;
  const why = `baton: best-of-N winner, attempt ${attempt}`;
  const move = await moveKeepingTip(root, {
    featureId,
    from,
    to: commit,
    why,
    keep,
    worktrees: o.worktrees,
  }).catch((err: unknown) => ({ held: unmovedRefusal(err) }));
  if ('held' in move)
    return {
      not_moved: `${move.held}: \`baton pick ${featureId} ${attempt}\` moves it once that is resolved`,
    };
  const backup = move.backup !== undefined ? { backup: move.backup } : {};
  if (move.moved) return backup;
  const was = from === undefined ? 'absent' : `at ${from.slice(0, 8)}`;
  return {
    ...backup,
    not_moved: `another process moved ${branch} while the run chose (it was ${was}); it was left there: \`baton pick ${featureId} ${attempt}\` moves it`,
  };
}

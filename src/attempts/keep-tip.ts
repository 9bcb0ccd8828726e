/**
 * Moving `baton/<feature_id>` off a tip: the one way `baton pick` and best-of-N's choice in a run do it.
 * A tip the move would leave on no branch is kept under `refs/baton/pick-backup/<id>/<sha>` before
 * the branch moves (after, the commit could already be lost), and the branch moves only from the tip
 * that was read (`moveBranch`), so a commit another process put there meanwhile is never overwritten.
 */
import { commitsNotIn, keepTipRef, localBranchTips, moveBranch } from '../git/branches.js';
import { gitRaw } from '../git/git.js';
import { featureBranch, pickBackupRef } from '../git/refs.js';

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
 * Moves `baton/<feature_id>` from `from` to `to` (`moveBranch`). With `keep`, `from` is first kept
 * under its pick backup ref (`pickBackupRef`), created only where none is (one already there holds the
 * same tip). When another process moved the branch meanwhile, nothing moves; a backup this call
 * created is removed again if its tip is on a branch anew, and kept (and returned) if it is on none.
 */
export async function moveKeepingTip(
  root: string,
  o: { featureId: string; from: string | undefined; to: string; why: string; keep: boolean },
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
  if (await moveBranch(root, { branch, to: o.to, from: o.from, why: o.why })) {
    return backup !== undefined ? { moved: true, backup } : { moved: true };
  }
  if (backup === undefined || o.from === undefined) return { moved: false };
  const tips = await localBranchTips(root);
  if (created && (await commitsNotIn(root, o.from, [...new Set(tips.values())])).length === 0) {
    await gitRaw(root, ['update-ref', '-d', backup, o.from]);
    return { moved: false };
  }
  return { moved: false, backup };
}

/**
 * Where `baton verify`'s owns check measures a feature's branch from (`base...branch`: from where
 * the two meet). Never the log's word alone: anyone can write it, and a `base_commit` naming the
 * branch's own tip would make every change vanish, or one shaped like an option would reach git's
 * command line. Nor the commit the run began at, once the user rebased the branch onto a newer base:
 * that would count the base's new work as the feature's.
 */
import { userBranchesHolding } from '../git/branches.js';
import { isAncestor } from '../git/git.js';
import { branchRevision, isObjectId } from '../git/refs.js';
import type { BatonState } from '../log/fold.js';
import type { VerifyTarget } from './targets.js';

/**
 * The commit to measure `branch` from: `base` (the base as git has it now: config `base`, else HEAD),
 * or `recorded`, the commit the log says the branch was cut from, only where `base` lacks it, the
 * branch holds it and one of the user's own branches does too (`run --base dev`): a commit that only
 * Baton's branches hold is a feature's work, not a base.
 */
export async function ownsBase(
  root: string,
  base: string,
  recorded: string | undefined,
  branch: string,
): Promise<string> {
  if (recorded === undefined || !isObjectId(recorded) || recorded === base) return base;
  if (await isAncestor(root, recorded, base)) return base;
  if (!(await isAncestor(root, recorded, branchRevision(branch)))) return base;
  return (await userBranchesHolding(root, recorded)).length > 0 ? recorded : base;
}

/** Sets each target's diff base by `ownsBase`, from the commit the log says its branch was cut from. */
export async function measureFromOwnsBases(
  root: string,
  base: string,
  state: BatonState,
  targets: VerifyTarget[],
): Promise<void> {
  for (const t of targets) {
    const recorded = state.features[t.contract.feature_id]?.base_commit ?? state.base_commit;
    t.diff = { ...t.diff, base: await ownsBase(root, base, recorded, t.diff.branch) };
  }
}

/**
 * Where `baton verify`'s owns check measures a feature's branch from (`base...branch`: from where
 * the two meet). Never the log's word alone: anyone can write it, and a `base_commit` naming the
 * branch's own tip would make every change vanish, or one shaped like an option would reach git's
 * command line. Nor a base that already holds the branch's tip (the main checkout on `baton/a`),
 * from which nothing would show as changed.
 */
import { refsHoldingOutsideBaton } from '../git/branches.js';
import { isAncestor, resolveCommit } from '../git/git.js';
import { branchRevision, isObjectId } from '../git/refs.js';
import type { BatonState } from '../log/fold.js';
import type { VerifyTarget } from './targets.js';

/** Where to measure from, or why no base can be trusted to. */
export type OwnsBase = { base: string } | { unmeasured: string };

/**
 * The commit to measure `branch` from, of two candidates: `base` (the base as git has it now: config
 * `base`, else HEAD), unless it already holds the branch's tip; and `recorded`, the commit the log
 * says the branch was cut from, when it is a commit id the branch holds, short of its tip, and a ref
 * other than Baton's branches holds it too (`run --base origin/main`, a tag, a branch of yours): a
 * commit only Baton's branches hold is a feature's work, not a base. Of two, the later one (a branch
 * brought up to date on the base is measured from there); of two apart, the recorded one.
 */
export async function ownsBase(
  root: string,
  base: string,
  recorded: string | undefined,
  branch: string,
): Promise<OwnsBase> {
  const tip = await resolveCommit(root, branchRevision(branch));
  if (tip === undefined) return { base };
  const baseOk = !(await isAncestor(root, tip, base));
  const recordedOk =
    recorded !== undefined &&
    isObjectId(recorded) &&
    recorded !== tip &&
    (await isAncestor(root, recorded, tip)) &&
    (await refsHoldingOutsideBaton(root, recorded, ['refs/heads/', 'refs/remotes/', 'refs/tags/'])).length >
      0;
  if (baseOk && recordedOk) return { base: (await isAncestor(root, recorded, base)) ? base : recorded };
  if (recordedOk) return { base: recorded };
  if (baseOk) return { base };
  return {
    unmeasured: `the base (${base.slice(0, 10)}) already holds ${branch}'s tip, and the log names no commit it was cut from that a branch or tag of yours holds`,
  };
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
    const found = await ownsBase(root, base, recorded, t.diff.branch);
    t.diff = 'base' in found ? { ...t.diff, base: found.base } : { ...t.diff, unmeasured: found.unmeasured };
  }
}

/**
 * Where `baton verify`'s owns check measures a feature's branch from: where its own work starts
 * (`ownWorkStartOf`, the rule `baton run` and `baton integrate` measure by), above a base chosen here.
 * Never the log's word alone: anyone can write it, and a `base_commit` naming the branch's own tip
 * would make every change vanish, or one shaped like an option would reach git's command line. Nor a
 * base that already holds the branch's tip (the main checkout on `baton/a`), from which nothing would
 * show as changed.
 */
import type { Contract } from '../contracts/schema.js';
import { refsHoldingOutsideBaton } from '../git/branches.js';
import { GitError, isAncestor, resolveCommit } from '../git/git.js';
import { branchRevision, isObjectId } from '../git/refs.js';
import { carriedOutsideOwns, type OwnWorkStart, ownWorkStartOf } from '../integrate/own-work-start.js';
import type { BatonState } from '../log/fold.js';
import type { VerifyTarget } from './targets.js';

/** Where to measure from, or why no base can be trusted to. */
export type OwnsBase = { base: string } | { unmeasured: string };

/**
 * The base to measure `branch`'s own work above, of two candidates: `base` (the base as git has it
 * now: config `base`, else HEAD), unless it already holds the branch's tip; and `recorded`, the
 * commit the log says the branch was cut from, when it is a commit id the branch holds, short of its
 * tip, and a ref other than Baton's branches holds it too (`run --base origin/main`, a tag, a branch
 * of yours): a commit only Baton's branches hold is a feature's work (or the merge that stacked it on
 * its dependencies, which `ownWorkStartOf` proves itself), not a base. Of two, the later one (a
 * branch brought up to date on the base is measured from there); of two apart, the recorded one.
 * A branch with no commit of its own yet (its agent left nothing, or its commit failed), whose tip is
 * the commit the log says it was cut from and a ref of yours holds, is measured from its tip: what its
 * worktree holds uncommitted is then all its work.
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
  const cut = await trustedCut(root, tip, recorded);
  if (baseOk && cut !== undefined) return { base: (await isAncestor(root, cut, base)) ? base : cut };
  if (cut !== undefined) return { base: cut };
  if (baseOk) return { base };
  if (recorded === tip) {
    if (await heldOutsideBaton(root, tip)) return { base: tip };
    return {
      unmeasured: `the base (${base.slice(0, 10)}) already holds ${branch}'s tip, which the log names as the commit ${branch} was cut from (so no commit of its own), but no branch or tag of yours holds that commit to show it`,
    };
  }
  return {
    unmeasured: `the base (${base.slice(0, 10)}) already holds ${branch}'s tip, and the log names no commit it was cut from that a branch or tag of yours holds`,
  };
}

/** Whether a ref other than Baton's branches (a branch, remote branch or tag of yours) holds `commit`. */
async function heldOutsideBaton(root: string, commit: string): Promise<boolean> {
  const holders = await refsHoldingOutsideBaton(root, commit, ['refs/heads/', 'refs/remotes/', 'refs/tags/']);
  return holders.length > 0;
}

/** `BranchDiff.carried`: what the branch's carried work brings that no dependency it carries owns. */
async function carriedOf(
  root: string,
  base: string,
  own: OwnWorkStart,
  contracts: readonly Contract[],
): Promise<{ carried?: string[] }> {
  const carried = await carriedOutsideOwns(root, base, own, contracts);
  return carried.length > 0 ? { carried } : {};
}

/** `recorded` when `tip` holds it, short of itself, and a ref other than Baton's branches holds it too. */
async function trustedCut(
  root: string,
  tip: string,
  recorded: string | undefined,
): Promise<string | undefined> {
  if (recorded === undefined || !isObjectId(recorded) || recorded === tip) return undefined;
  if (!(await isAncestor(root, recorded, tip))) return undefined;
  return (await heldOutsideBaton(root, recorded)) ? recorded : undefined;
}

/**
 * Sets where each target's branch is diffed from: where its feature's own work starts on it
 * (`ownWorkStartOf`, its dependencies found in `contracts`), above the base `ownsBase` trusts.
 */
export async function measureFromOwnsBases(
  root: string,
  base: string,
  state: BatonState,
  targets: VerifyTarget[],
  contracts: readonly Contract[],
): Promise<void> {
  for (const t of targets) {
    const id = t.contract.feature_id;
    const recorded = state.features[id]?.base_commit ?? state.base_commit;
    const found = await ownsBase(root, base, recorded, t.diff.branch);
    if ('unmeasured' in found) {
      t.diff = { ...t.diff, unmeasured: found.unmeasured };
      continue;
    }
    let own: OwnWorkStart;
    try {
      own = await ownWorkStartOf(root, found.base, { ...t.contract, branch: t.diff.branch }, contracts);
    } catch (err) {
      // A branch gone since it was located: the files check's own diff says so.
      if (!(err instanceof GitError)) throw err;
      t.diff = { ...t.diff, base: found.base };
      continue;
    }
    t.diff =
      own.start === undefined
        ? {
            ...t.diff,
            unmeasured: `${t.diff.branch} shares no history with the base (${found.base.slice(0, 10)})`,
          }
        : {
            ...t.diff,
            base: found.base,
            start: own.start,
            ...(await carriedOf(root, found.base, own, contracts)),
          };
  }
}

import { rmSync } from 'node:fs';
import { keepTipRef } from '../git/branches.js';
import { GitError, git, gitRaw, gitShielded } from '../git/git.js';
import { CLEAN_BACKUP_PREFIX, tipBackupRef } from '../git/refs.js';
import { someOf } from '../text/some-of.js';
import { keepAsBranch } from './backups.js';
import { describeBranchGone } from './branch-gone.js';
import type { CleanTarget } from './inspect.js';
import { type CleanOrphan, markRemoval } from './left-behind.js';
import {
  describeDirtySubmodules,
  describeStranded,
  dropCheckedOutSubmodules,
  submoduleRefusalHint,
} from './submodules.js';
import type { TargetWorktree } from './target-worktrees.js';

/** What the user asked `baton clean` for. */
export interface CleanOptions {
  /** Remove even what holds uncommitted or unmerged work. */
  force: boolean;
  /** Remove only what is merged; leave the rest without refusing. */
  merged: boolean;
}

/**
 * Words for a locked worktree (`git worktree lock`): git keeps its record, even with its folder missing
 * (a worktree on a disk not mounted is what the lock is for), so nothing in it is judged or removed.
 */
export function describeLocked(w: TargetWorktree): string {
  if (w.exists || w.strayFolder) return `its worktree is locked (git worktree unlock ${w.path})`;
  return `its worktree is locked and its folder ${w.path} is missing (on a disk not mounted?): git keeps its record and cannot say what the folder holds (git worktree unlock ${w.path} once it is gone for good)`;
}

/**
 * A locked worktree whose folder is missing: git lists it, never prunes it, and only `git worktree
 * remove --force --force` forgets it.
 */
export function isLockedRecord(w: TargetWorktree | undefined): boolean {
  return w?.locked === true && !w.exists && w.strayFolder !== true;
}

/** What happens to one target, and why. */
export type CleanDecision =
  | { action: 'remove'; target: CleanTarget; forced: boolean; reasons: string[] }
  | { action: 'refuse'; target: CleanTarget; reasons: string[] }
  | { action: 'keep'; target: CleanTarget; reasons: string[] };

/** Words for "n commits not merged into a or b". */
export function describeUnmerged(n: number, mergeTargets: readonly string[]): string {
  const into =
    mergeTargets.length > 0 ? mergeTargets.join(' or ') : 'any branch (there is no base to compare with)';
  return `${n} commit${n === 1 ? '' : 's'} not merged into ${into}`;
}

/** Words for the uncommitted files: the first one and how many more. */
export function describeDirty(paths: readonly string[]): string {
  const [first, ...rest] = paths;
  return `uncommitted: ${first}${rest.length > 0 ? ` (+${rest.length} more)` : ''}`;
}

/** Words for the process groups a dead run left working in a worktree: each group and its command. */
export function describeOrphans(orphans: readonly CleanOrphan[]): string {
  const groups = orphans.map((o) => `group ${o.pgid} (${o.command})`);
  return `a dead run's processes still work in it: ${someOf(groups, 3)}`;
}

/** Each process group with its unit and command, the first few: `a: group 12 (sh -c npm ci) and 2 more`. */
export function describeGroups(orphans: readonly CleanOrphan[]): string {
  return someOf(
    orphans.map((o) => `${o.feature_id}: group ${o.pgid} (${o.command})`),
    3,
  );
}

/**
 * Words for a worktree on a detached HEAD holding commits merged nowhere: where HEAD is, and how many
 * of its commits are on neither the branch nor a merge target (removing the worktree would lose them).
 */
export function describeDetached(target: CleanTarget): string {
  const d = target.detached;
  if (d === undefined) return '';
  const against = target.tip !== undefined ? [target.branch, ...target.mergeTargets] : target.mergeTargets;
  return `its worktree is on a detached HEAD (at ${d.head.slice(0, 10)}) with ${describeUnmerged(d.unmerged, against)}`;
}

/**
 * Where a removal keeps the commit of a worktree on a detached HEAD with commits merged nowhere
 * (`removeTargets` writes it before it removes the worktree, the only thing holding them); undefined
 * when it has none.
 */
export function detachedBackupOf(target: CleanTarget): string | undefined {
  const d = target.detached;
  return d && holdsDetachedWork(target) ? tipBackupRef(CLEAN_BACKUP_PREFIX, target.id, d.head) : undefined;
}

/** A target whose worktree is on a detached HEAD holding commits merged nowhere (`describeDetached`). */
export function holdsDetachedWork(target: CleanTarget): boolean {
  return target.detached !== undefined && target.detached.unmerged > 0;
}

/**
 * Where a branch removed with commits merged nowhere keeps its tip (`removeTargets` writes it before it
 * deletes the branch); undefined when the branch has no such commits, or there is no branch.
 */
export function cleanBackupOf(target: CleanTarget): string | undefined {
  const kept = keptCommit(target);
  return kept === undefined ? undefined : tipBackupRef(CLEAN_BACKUP_PREFIX, target.id, kept);
}

/**
 * The commit a removal must keep (`cleanBackupOf`): the branch's tip when it holds commits merged
 * nowhere, or, for a branch deleted by hand (`branchGone`), the commit its worktree's reflog had.
 */
function keptCommit(target: CleanTarget): string | undefined {
  if (target.tip !== undefined) return target.unmerged > 0 ? target.tip : undefined;
  const gone = target.branchGone;
  return gone?.commit !== undefined && gone.unmerged > 0 ? gone.commit : undefined;
}

/**
 * Words for a removed branch holding commits merged nowhere (a losing attempt's, or work `--force`
 * discards): the sha of its tip, the ref that keeps it (`cleanBackupOf`) and the command that restores it.
 * A loser's commit is said to be the one the log records only as the log's claim: any process can append it.
 * Then, likewise, a removed worktree's detached HEAD holding commits merged nowhere (`detachedBackupOf`).
 */
export function describeRestore(target: CleanTarget): string | undefined {
  const tip = describeTipRestore(target);
  const head = detachedBackupOf(target);
  const d = target.detached;
  // Restored as the branch, unless the branch's own tip, kept too, is not in HEAD's history.
  const restore =
    d === undefined
      ? ''
      : tip === undefined || d.onTop
        ? `git branch ${target.branch} ${d.head}`
        : keepAsBranch({ unit: target.id, tip: d.head });
  const headWords =
    head === undefined || d === undefined
      ? undefined
      : `the commit its detached HEAD was at, ${d.head}, is kept as ${head} (${restore} restores it)`;
  if (tip === undefined || headWords === undefined) return tip ?? headWords;
  return `${tip}; ${headWords}`;
}

/** `describeRestore`'s words for the branch's tip, or the commit a branch deleted by hand was at. */
function describeTipRestore(target: CleanTarget): string | undefined {
  const backup = cleanBackupOf(target);
  const sha = keptCommit(target);
  if (backup === undefined || sha === undefined) return undefined;
  const a = target.attempt;
  const what = a?.tipRecorded
    ? `its commit ${sha} (attempt ${a.attempt}'s, as the log records it)`
    : target.tip === undefined
      ? `the commit its worktree last had, ${sha},`
      : `its tip ${sha}`;
  return `${what} is kept as ${backup} (git branch ${target.branch} ${sha} restores it)`;
}

/**
 * Decides, for each selected target, whether it is removed, refused (it would lose uncommitted
 * or unmerged work, or is in use) or kept (`--merged` and not merged), with every reason (pure).
 */
export function decideClean(targets: readonly CleanTarget[], options: CleanOptions): CleanDecision[] {
  return targets.map((target): CleanDecision => {
    if (target.protected) return { action: 'refuse', target, reasons: [target.protected] };
    const subs = target.submodules;
    const headWork = holdsDetachedWork(target) ? describeDetached(target) : undefined;
    if (options.merged && (target.unmerged > 0 || headWork !== undefined)) {
      const why = target.unmerged > 0 ? [describeUnmerged(target.unmerged, target.mergeTargets)] : [];
      return { action: 'keep', target, reasons: [...why, ...(headWork ? [headWork] : [])] };
    }
    const reasons: string[] = [];
    if (target.busy) reasons.push(target.busy);
    if (target.orphans) reasons.push(describeOrphans(target.orphans));
    if (target.unreadable) reasons.push(`git cannot read its status: ${target.unreadable}`);
    // A removal an earlier clean began and was cut short is finished: it had decided, and what it
    // deleted shows as uncommitted now.
    const w = target.worktree;
    const cutShort = w?.removalCutShort === true;
    // On an unborn branch every file shows as uncommitted: the branch being gone is what to say.
    if (target.branchGone)
      reasons.push(describeBranchGone(target.branch, target.branchGone, target.detached !== undefined));
    else if (target.dirty.length > 0 && !cutShort) reasons.push(describeDirty(target.dirty));
    if (subs && subs.stranded.length > 0) reasons.push(describeStranded(subs.stranded));
    if (subs && subs.dirty.length > 0) reasons.push(describeDirtySubmodules(subs.dirty));
    if (w?.strayFolder && w.removable && !cutShort) {
      reasons.push(
        `its folder ${w.path} is no longer a git worktree (it holds no .git), so git cannot say what in it would be lost`,
      );
    }
    const a = target.attempt;
    if (a?.known && !a.decided) {
      reasons.push(
        `best-of-N for ${a.featureId} is not decided yet (\`baton run --resume ${a.featureId}\` finishes it)`,
      );
    }
    // A losing attempt's commits are merged nowhere by design: its tip is kept under a backup ref
    // (`cleanBackupOf`) when it goes, so the log's record (a claim anyone can append) is not all that keeps them.
    if (target.unmerged > 0 && !a?.tipRecorded)
      reasons.push(describeUnmerged(target.unmerged, target.mergeTargets));
    if (headWork !== undefined) reasons.push(headWork);
    if (w?.locked) reasons.push(describeLocked(w));
    if (reasons.length > 0 && !options.force) return { action: 'refuse', target, reasons };
    return { action: 'remove', target, forced: reasons.length > 0, reasons };
  });
}

/** Why a target was not removed once Ctrl-C stopped clean (`removeTargets`' `stopped`). */
export const STOPPED = 'not removed: clean was stopped (Ctrl-C) before it began';

/** What removing one target did. */
export interface CleanResult {
  target: CleanTarget;
  removedWorktree: boolean;
  deletedBranch: boolean;
  /** The backup ref its tip was kept under before its branch was deleted (`cleanBackupOf`). */
  keptAs?: string;
  /** The backup ref its worktree's detached HEAD was kept under before the worktree went (`detachedBackupOf`). */
  headKeptAs?: string;
  /** Why it stopped half-way, in git's words. */
  error?: string;
}

/**
 * Removes a target's worktree folder: `git worktree remove` (forced for a forced decision, or to finish
 * a removal cut short; for a locked record whose folder is missing, `isLockedRecord`, the record: only
 * with `--force`, so never unless asked), or, for a folder that is no longer a worktree at Baton's own place
 * (`removable`), the folder itself. Clean notes the removal in git's record of the worktree first
 * (`markRemoval`), which git deletes last: killed in between, the next clean finds the note and
 * finishes (`removalCutShort`). Git runs out of the reach of Ctrl-C (`gitShielded`), so a removal it
 * began is never cut in half by one; stopped (`stopped`) before git starts, the note is taken back.
 */
async function removeFolder(
  root: string,
  d: Extract<CleanDecision, { action: 'remove' }>,
  stopped: () => boolean,
): Promise<{ removed: boolean; error?: string }> {
  const { target } = d;
  const w = target.worktree;
  const record = isLockedRecord(w);
  if (w === undefined || !(w.exists || record || (w.strayFolder && w.removable))) return { removed: false };
  const unmark = await markRemoval(root, w.path);
  if (w.exists || record) {
    const gitDir = await dropSubmodules(w.path, target);
    const force = d.forced || w.removalCutShort ? (w.locked ? ['--force', '--force'] : ['--force']) : [];
    if (stopped()) {
      unmark();
      return { removed: false, error: STOPPED };
    }
    const r = await gitShielded(root, ['worktree', 'remove', ...force, w.path]);
    if (r.exitCode !== 0) {
      // git refused before it deleted anything: a later clean asks again.
      unmark();
      const said = (r.stderr.trim() || r.stdout.trim()).replace(/^fatal: /, '');
      const hint = submoduleRefusalHint(said, gitDir);
      return { removed: false, error: hint === undefined ? said : `${said} (${hint})` };
    }
  } else {
    try {
      rmSync(w.path, { recursive: true, force: true });
    } catch (err) {
      return { removed: false, error: `its folder could not be removed: ${(err as Error).message}` };
    }
  }
  return { removed: true };
}

/**
 * Removes the checked-out submodules `inspectSubmodules` proved hold nothing unique (git refuses to
 * remove a worktree with one); returns the worktree's admin folder, when there were any.
 */
async function dropSubmodules(worktree: string, target: CleanTarget): Promise<string | undefined> {
  const subs = target.submodules?.checkedOut ?? [];
  if (subs.length === 0) return undefined;
  const r = await gitRaw(worktree, ['rev-parse', '--absolute-git-dir']);
  const gitDir = r.stdout.trim();
  if (r.exitCode !== 0 || gitDir === '') return undefined;
  dropCheckedOutSubmodules(worktree, gitDir, subs);
  return gitDir;
}

/**
 * Keeps the commit `cleanBackupOf` names under its backup ref, noting it in `result`; false, with the
 * error noted, when git could not: the target is then left as it is.
 */
async function keepBackup(root: string, target: CleanTarget, result: CleanResult): Promise<boolean> {
  const backup = cleanBackupOf(target);
  const commit = keptCommit(target);
  if (backup === undefined || commit === undefined) return true;
  const onTip = target.tip !== undefined;
  const kept = await keepRef(root, {
    ref: backup,
    commit,
    why: `baton clean: ${onTip ? 'tip' : 'last commit'} of ${target.branch}, merged nowhere`,
    failed: `${onTip ? 'its tip' : 'the commit its worktree last had'} could not be kept as ${backup}`,
    left: onTip ? target.branch : 'its worktree',
  });
  if (kept !== true) result.error = kept;
  else result.keptAs = backup;
  return kept === true;
}

/**
 * Before a worktree on a detached HEAD goes: its HEAD must still be the commit inspected (a commit made
 * since would be lost with it), and that commit, when it holds commits merged nowhere, is kept under
 * its backup ref (`detachedBackupOf`), noted in `result`. False, with the error noted, otherwise: the
 * target is then left as it is.
 */
async function keepDetachedHead(root: string, target: CleanTarget, result: CleanResult): Promise<boolean> {
  const d = target.detached;
  const path = target.worktree?.path;
  if (d === undefined || path === undefined) return true;
  const now = await gitRaw(path, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  const still = await gitRaw(path, ['symbolic-ref', '-q', 'HEAD']);
  if (now.stdout.trim() !== d.head || still.exitCode !== 1) {
    result.error = "its worktree's HEAD moved since it was checked (a new commit?); it was kept: run again";
    return false;
  }
  const backup = detachedBackupOf(target);
  if (backup === undefined) return true;
  const kept = await keepRef(root, {
    ref: backup,
    commit: d.head,
    why: `baton clean: detached HEAD of the worktree of ${target.branch}, merged nowhere`,
    failed: `the commit its detached HEAD is at could not be kept as ${backup}`,
    left: 'its worktree',
  });
  if (kept !== true) result.error = kept;
  else result.headKeptAs = backup;
  return kept === true;
}

/** Writes a backup ref (`keepTipRef`); true, or the error in words, saying what was `left` as it was. */
async function keepRef(
  root: string,
  o: { ref: string; commit: string; why: string; failed: string; left: string },
): Promise<true | string> {
  try {
    await keepTipRef(root, { ref: o.ref, commit: o.commit, why: o.why });
    return true;
  } catch (err) {
    const said = err instanceof GitError ? err.stderr : String(err);
    return `${o.failed} (${said.trim().replace(/^fatal: /, '')}), so ${o.left} was kept`;
  }
}

/**
 * Removes each target's worktree (`git worktree remove`, forced only for a forced decision), then
 * its branch, its tip first kept under a backup ref when it holds commits merged nowhere
 * (`cleanBackupOf`), then prunes stale worktree records. The branch is deleted only at the tip that was
 * inspected, so a commit made since then is never lost; a worktree git refuses to remove keeps
 * its branch. The main checkout is never touched: targets are linked worktrees only. Once `stopped`
 * says Ctrl-C was pressed, no removal is begun: the rest fail with `STOPPED`.
 */
export async function removeTargets(
  root: string,
  decisions: readonly Extract<CleanDecision, { action: 'remove' }>[],
  stopped: () => boolean = () => false,
): Promise<CleanResult[]> {
  const results: CleanResult[] = [];
  for (const d of decisions) {
    const { target } = d;
    const result: CleanResult = { target, removedWorktree: false, deletedBranch: false };
    results.push(result);
    if (stopped()) {
      result.error = STOPPED;
      continue;
    }
    // A branch deleted by hand: its commit is kept before the worktree's reflog, the last to hold it, goes.
    if (target.tip === undefined && !(await keepBackup(root, target, result))) continue;
    // So is a detached HEAD's, which nothing else holds.
    if (!(await keepDetachedHead(root, target, result))) continue;
    const folder = await removeFolder(root, d, stopped);
    if (folder.error !== undefined) {
      result.error = folder.error;
      continue;
    }
    result.removedWorktree = folder.removed;
    if (target.tip !== undefined) {
      if (!(await keepBackup(root, target, result))) continue;
      const r = await gitRaw(root, ['update-ref', '-d', `refs/heads/${target.branch}`, target.tip]);
      if (r.exitCode !== 0) {
        result.error = `${target.branch} moved since it was checked (a new commit?); it was kept: run again`;
        continue;
      }
      result.deletedBranch = true;
    }
  }
  await git(root, ['worktree', 'prune']);
  return results;
}

import { git, gitRaw } from '../git/git.js';
import type { CleanTarget } from './inspect.js';

/** What the user asked `baton clean` for. */
export interface CleanOptions {
  /** Remove even what holds uncommitted or unmerged work. */
  force: boolean;
  /** Remove only what is merged; leave the rest without refusing. */
  merged: boolean;
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

/**
 * Words for a removed branch holding commits merged nowhere (a losing attempt's, or work `--force`
 * discards): the sha of its tip and the command that restores it, which works until git prunes it.
 */
export function describeRestore(target: CleanTarget): string | undefined {
  const sha = target.tip;
  if (sha === undefined || target.unmerged === 0) return undefined;
  const restore = `git branch ${target.branch} ${sha} restores it`;
  return target.attempt?.tipRecorded
    ? `its commit ${sha} is recorded in the log (${restore})`
    : `its tip was ${sha} (${restore})`;
}

/**
 * Decides, for each selected target, whether it is removed, refused (it would lose uncommitted
 * or unmerged work, or is in use) or kept (`--merged` and not merged), with every reason (pure).
 */
export function decideClean(targets: readonly CleanTarget[], options: CleanOptions): CleanDecision[] {
  return targets.map((target): CleanDecision => {
    if (target.protected) return { action: 'refuse', target, reasons: [target.protected] };
    if (options.merged && target.unmerged > 0) {
      return { action: 'keep', target, reasons: [describeUnmerged(target.unmerged, target.mergeTargets)] };
    }
    const reasons: string[] = [];
    if (target.busy) reasons.push(target.busy);
    if (target.unreadable) reasons.push(`git cannot read its status: ${target.unreadable}`);
    if (target.dirty.length > 0) reasons.push(describeDirty(target.dirty));
    const a = target.attempt;
    if (a?.known && !a.decided) {
      reasons.push(
        `best-of-N for ${a.featureId} is not decided yet (\`baton run --resume ${a.featureId}\` finishes it)`,
      );
    }
    // A losing attempt's commits are recorded in the log (and printed when removed): not lost work.
    if (target.unmerged > 0 && !a?.tipRecorded)
      reasons.push(describeUnmerged(target.unmerged, target.mergeTargets));
    if (target.worktree?.exists && target.worktree.locked) {
      reasons.push(`its worktree is locked (git worktree unlock ${target.worktree.path})`);
    }
    if (reasons.length > 0 && !options.force) return { action: 'refuse', target, reasons };
    return { action: 'remove', target, forced: reasons.length > 0, reasons };
  });
}

/** What removing one target did. */
export interface CleanResult {
  target: CleanTarget;
  removedWorktree: boolean;
  deletedBranch: boolean;
  /** Why it stopped half-way, in git's words. */
  error?: string;
}

/**
 * Removes each target's worktree (`git worktree remove`, forced only for a forced decision), then
 * its branch, then prunes stale worktree records. The branch is deleted only at the tip that was
 * inspected, so a commit made since then is never lost; a worktree git refuses to remove keeps
 * its branch. The main checkout is never touched: targets are linked worktrees only.
 */
export async function removeTargets(
  root: string,
  decisions: readonly Extract<CleanDecision, { action: 'remove' }>[],
): Promise<CleanResult[]> {
  const results: CleanResult[] = [];
  for (const d of decisions) {
    const { target } = d;
    const result: CleanResult = { target, removedWorktree: false, deletedBranch: false };
    results.push(result);
    if (target.worktree?.exists) {
      const force = d.forced ? (target.worktree.locked ? ['--force', '--force'] : ['--force']) : [];
      const r = await gitRaw(root, ['worktree', 'remove', ...force, target.worktree.path]);
      if (r.exitCode !== 0) {
        result.error = (r.stderr.trim() || r.stdout.trim()).replace(/^fatal: /, '');
        continue;
      }
      result.removedWorktree = true;
    }
    if (target.tip !== undefined) {
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

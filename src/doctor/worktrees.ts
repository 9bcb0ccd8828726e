/**
 * doctor's checks of Baton's worktrees: git's worktree records (folders gone, locked, left with no
 * .git, on a branch deleted by hand or a detached HEAD holding work), the finished ones `baton clean
 * --merged` would remove, and the disk they use. Their targets are clean's own (`inspectCleanTargets`).
 */

import { printableArg } from '../agents/shell-words.js';
import { describeBranchGone } from '../clean/branch-gone.js';
import { decideClean, holdsDetachedWork } from '../clean/clean.js';
import { formatBytes, measureDiskUsage } from '../clean/disk-usage.js';
import type { CleanInspection, CleanTarget } from '../clean/inspect.js';
import type { WorktreeInfo } from '../git/worktree-list.js';
import { detachedCommitsWords, keepOnBranchWords } from '../guard/detached-head.js';
import type { BatonState } from '../log/fold.js';
import { TERMINAL_STATUSES } from '../log/statuses.js';
import { check, type DoctorCheck } from './check.js';

/**
 * Worktree records whose folder is gone (git calls them prunable), Baton worktrees whose branch was
 * deleted by hand (`branchGone` among `targets`, as clean finds them), those on a detached HEAD
 * holding commits merged nowhere (`detached`), and those on a detached HEAD whose branch was deleted by
 * hand, their work held by the worktree's HEAD reflog alone (`branchGone` found by `reflogWorkBeyond`) (pure).
 */
export function checkStaleRecords(
  worktrees: readonly WorktreeInfo[],
  exists: (path: string) => boolean,
  targets: readonly CleanTarget[] = [],
): DoctorCheck {
  const unborn = targets.filter(
    (t) => t.branchGone !== undefined && t.worktree !== undefined && t.detached === undefined,
  );
  // A feature's own worktree on a detached HEAD: what it committed there is on it alone.
  const detached = targets.filter(holdsDetachedWork);
  // Its branch deleted by hand too: what its reflog alone holds goes with the worktree (clean refuses it).
  const reflogOnly = targets.filter((t) => t.detached !== undefined && t.branchGone?.commit !== undefined);
  const linked = worktrees.slice(1);
  const named = (ws: readonly WorktreeInfo[]) =>
    ws.map((w) => `${w.path}${w.branch ? ` (${w.branch})` : ''}`).join(', ');
  const missing = linked.filter((w) => !exists(w.path));
  // git never prunes a locked record (a worktree on a disk not mounted is what the lock is for).
  const gone = missing.filter((w) => !w.locked);
  const locked = missing.filter((w) => w.locked);
  // A folder still there, that git no longer takes for the worktree: its `.git` is missing.
  const orphaned = linked.filter((w) => w.prunable && exists(w.path));
  if ([missing, orphaned, unborn, detached, reflogOnly].every((l) => l.length === 0))
    return check('worktree records', 'ok', `${linked.length} linked worktree(s), every folder present`);
  const said = [
    gone.length > 0 ? `${gone.length} worktree record(s) whose folder is gone: ${named(gone)}` : '',
    locked.length > 0
      ? `${locked.length} locked worktree record(s) whose folder is missing (a disk not mounted?), which git never prunes: ${named(locked)}`
      : '',
    orphaned.length > 0
      ? `${orphaned.length} worktree folder(s) left with no .git (a removal cut short, or its .git deleted): ${named(orphaned)}`
      : '',
    unborn.length > 0
      ? `${unborn.length} worktree(s) on a branch deleted by hand (an unborn branch, where every file shows as uncommitted): ${unborn.map((t) => `${t.worktree?.path} (${t.branch})`).join(', ')}`
      : '',
    detached.length > 0
      ? `${detached.length} feature worktree(s) on a detached HEAD holding commits merged nowhere, which removing the worktree would lose: ${detached.map((t) => `${t.worktree?.path} (${t.branch}; ${t.detached ? detachedCommitsWords(t.detached) : ''})`).join(', ')}`
      : '',
    reflogOnly.length > 0
      ? `${reflogOnly.length} feature worktree(s) on a detached HEAD whose branch was deleted by hand, their work held only by the worktree's reflog: ${reflogOnly.map((t) => `${t.worktree?.path} (${t.branch}; ${t.branchGone ? describeBranchGone(t.branch, t.branchGone, true) : ''})`).join(', ')}`
      : '',
  ].filter(Boolean);
  const hints = [
    gone.length > 0
      ? 'Run `git worktree prune` (or `baton clean`, which prunes afterwards) to forget them.'
      : '',
    locked.length > 0
      ? `If a locked one is gone for good: \`${locked.map((w) => `git worktree unlock ${printableArg(w.path)}`).join(' && ')}\`, then \`git worktree prune\` (or \`baton clean\`).`
      : '',
    orphaned.length > 0
      ? 'A folder left with no .git may hold work git no longer tracks: keep what you need from it, then `baton clean --force <id>` removes it and its record.'
      : '',
    ...unborn.map((t) =>
      t.branchGone?.commit !== undefined
        ? `Restore ${t.branch} at the commit its worktree's reflog had: \`git branch ${t.branch} ${t.branchGone.commit}\` (do not commit on the unborn branch).`
        : `${t.branch}: its worktree's reflog names no commit; look at it, then \`baton clean --force ${t.id}\` removes it.`,
    ),
    ...detached.map((t) => {
      const keep = t.detached ? keepOnBranchWords(t.worktree?.path ?? '', t.branch, t.detached) : '';
      return `${t.id}: ${keep}.`;
    }),
    ...reflogOnly.map(
      (t) =>
        `${t.id}: restore its branch with \`git branch ${t.branch} ${t.branchGone?.commit}\` before the worktree goes (removing it removes that reflog).`,
    ),
  ].filter(Boolean);
  return check('worktree records', 'warn', said.join('; '), hints.join(' '));
}

/**
 * Feature worktrees that are done (terminal status) and that `baton clean --merged` would remove: the
 * same decision (`decideClean`), so a locked worktree, the one doctor runs in, or one with uncommitted
 * work is never offered. When clean cannot judge "merged" at all (`baseProblem`: a main checkout on a
 * detached HEAD, a bad base), its words and its hint instead. An interrupted feature is not done,
 * whatever its branch holds: `baton run --resume` goes on in its worktree (one stopped before its first
 * commit is "merged" only in having nothing to merge).
 */
export function checkFinishedWorktrees(
  inspection: Pick<CleanInspection, 'targets' | 'baseProblem'>,
  state: BatonState,
  disk: ReadonlyMap<string, { bytes: number; complete: boolean }>,
): DoctorCheck {
  const { targets, baseProblem } = inspection;
  const finished = targets.filter((t) => {
    const status = state.features[t.id]?.status;
    return (
      t.kind === 'feature' &&
      t.worktree?.exists &&
      status !== undefined &&
      status !== 'interrupted' &&
      TERMINAL_STATUSES.has(status)
    );
  });
  const total = targets.filter((t) => t.worktree?.exists).map((t) => disk.get(t.worktree?.path ?? ''));
  const bytes = total.reduce((sum, u) => sum + (u?.bytes ?? 0), 0);
  const approx = total.every((u) => u?.complete !== false) ? '' : '≥ ';
  const using = bytes > 0 ? `; Baton's worktrees use ${approx}${formatBytes(bytes)}` : '';
  if (baseProblem && finished.length > 0) {
    return check(
      'finished worktrees',
      'warn',
      `${finished.length} finished feature worktree(s) (${finished.map((t) => t.id).join(', ')}); \`baton clean\` refuses them: ${baseProblem.message} [${baseProblem.code}]${using}`,
      baseProblem.hint ?? '',
    );
  }
  const done = decideClean(finished, { merged: true, force: false })
    .filter((d) => d.action === 'remove')
    .map((d) => d.target);
  if (done.length === 0) {
    return check('finished worktrees', 'ok', `no finished, merged feature worktree left behind${using}`);
  }
  return check(
    'finished worktrees',
    'warn',
    `${done.length} finished feature worktree(s) already merged: ${done.map((t) => t.id).join(', ')}${using}`,
    `Remove them with \`baton clean --merged ${done.map((t) => t.id).join(' ')}\` (it never removes unmerged or uncommitted work).`,
  );
}

/** Measures the folders of the targets' worktrees (budgeted, see `measureDiskUsage`). */
export function worktreeDisk(
  targets: readonly CleanTarget[],
): Map<string, { bytes: number; complete: boolean }> {
  return measureDiskUsage(targets.flatMap((t) => (t.worktree?.exists ? [t.worktree.path] : [])));
}

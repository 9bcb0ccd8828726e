/**
 * What `baton status` shows of each feature's worktree on disk: which folder is the feature's (git's
 * word, never the log's alone) and how much it holds, sized once per status.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DiskUsage, measureDiskUsage } from '../clean/disk-usage.js';
import { BRANCH_PREFIX, featureBranch } from '../git/refs.js';
import { worktreesFromFiles } from '../git/worktree-files.js';
import type { WorktreeInfo } from '../git/worktree-list.js';
import type { FeatureState } from '../log/state.js';

/**
 * Directory entries `baton status` looks at to size the worktrees (about 0.15 s, about what `du` takes); past
 * that a size is a lower bound, shown as `≥`. `baton clean` measures with a larger budget.
 */
const STATUS_DISK_BUDGET = 50_000;

/**
 * Each feature's worktree folder on disk, among the worktrees git lists for this repository (`listed`,
 * the main checkout first): the one on the feature's branch `baton/<id>`, else the path the log recorded
 * when git lists it on one of Baton's branches (a best-of-N winner's). A path only the log names
 * (`"worktree": "/"`) is never measured: the log is a file anyone can append to.
 */
function worktreeFolders(
  rows: readonly FeatureState[],
  listed: readonly WorktreeInfo[],
): Map<string, string> {
  const ours = listed.slice(1).filter((w) => !w.prunable && w.branch?.startsWith(BRANCH_PREFIX));
  const folders = new Map<string, string>();
  for (const f of rows) {
    const recorded = f.worktree === undefined ? undefined : resolve(f.worktree);
    const w =
      ours.find((w) => w.branch === featureBranch(f.feature_id)) ??
      ours.find((w) => resolve(w.path) === recorded);
    if (w && existsSync(w.path)) folders.set(f.feature_id, w.path);
  }
  return folders;
}

/**
 * The repository's worktrees: read from git's own administrative files when the layout allows (no
 * process, as a warm `status` starts none), else as git lists them (none when git cannot).
 */
export async function listOwnWorktrees(root: string): Promise<WorktreeInfo[]> {
  const fromFiles = worktreesFromFiles(root);
  if (fromFiles) return fromFiles;
  const { listWorktrees } = await import('../git/worktree-list.js');
  return listWorktrees(root).catch(() => []);
}

/**
 * The disk use of each feature's worktree, by feature id (empty with `--no-disk`, when `listed` is
 * undefined). Sized once: a walk of every worktree on each redraw would cost more than the redraw.
 */
export function diskSizer(
  listed: readonly WorktreeInfo[] | undefined,
): (rows: readonly FeatureState[]) => Map<string, DiskUsage> {
  let disk: Map<string, DiskUsage> | undefined;
  return (rows) => {
    if (!listed) return new Map<string, DiskUsage>();
    if (!disk) {
      const folders = worktreeFolders(rows, listed);
      const sizes = measureDiskUsage([...folders.values()], { entryBudget: STATUS_DISK_BUDGET });
      disk = new Map(
        [...folders].flatMap(([id, path]) => {
          const u = sizes.get(path);
          return u ? [[id, u] as const] : [];
        }),
      );
    }
    return disk;
  };
}

/**
 * The worktree of each `baton/*` target, as `baton clean` judges it: those git lists on the branch,
 * a unit's own left on a detached HEAD, and the folders git no longer lists that a removal cut short
 * left where Baton puts a worktree (`left-behind.ts`).
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { isUnitId } from '../contracts/feature-id.js';
import { BRANCH_PREFIX, batonUnitOf, INTEGRATION_ID } from '../git/refs.js';
import type { WorktreeInfo } from '../git/worktree-list.js';
import { isOwnDetachedWorktree, symlinkTarget } from '../git/worktree-proof.js';
import {
  isLeftoverFolder,
  isMarked,
  isUnitPlace,
  leftOnlyDeletions,
  removalMarks,
  unregisteredLeftovers,
} from './left-behind.js';

/** A target's worktree: where it is and what state git and the disk leave it in. */
export interface TargetWorktree {
  path: string;
  /** False when the folder was deleted by hand, or its `.git` file was (git lists the worktree as prunable). */
  exists: boolean;
  /** The folder is still there though git no longer sees a worktree in it (its `.git` file is gone). */
  strayFolder?: boolean;
  /**
   * With `strayFolder`: it is where Baton puts this unit's worktree and holds no `.git` at all
   * (`isLeftoverFolder`), so clean may remove it (with `--force`, or to finish `removalCutShort`);
   * any other stray folder is kept.
   */
  removable?: boolean;
  /**
   * An earlier clean began removing this folder and was cut short (its note in git's record,
   * `markRemoval`), and what is left is only what that leaves (`leftOnlyDeletions`): it is finished.
   */
  removalCutShort?: boolean;
  /**
   * It is on a detached HEAD: the unit's own worktree, proven (`ownDetachedWorktree`), whose commits
   * there may be on no branch.
   */
  detached?: true;
  locked: boolean;
}

/**
 * The branch (`baton/<id>`) of a listed worktree on a detached HEAD that is proven that unit's own:
 * at Baton's place for it (`<worktrees>/<id>`, not a symbolic link), and this repository's linked
 * worktree of that very folder (`isOwnDetachedWorktree`: its git folder is one of this repository's,
 * naming the folder back), its HEAD detached. Undefined for any other.
 */
async function ownDetachedWorktree(
  root: string,
  w: WorktreeInfo,
  worktreesDir: string | undefined,
): Promise<string | undefined> {
  if (w.branch !== undefined || w.prunable || worktreesDir === undefined || !existsSync(w.path))
    return undefined;
  const id = basename(w.path);
  if (!(isUnitId(id) || id === INTEGRATION_ID) || !isUnitPlace(worktreesDir, id, w.path)) return undefined;
  if (symlinkTarget(w.path) !== undefined) return undefined;
  const branch = `${BRANCH_PREFIX}${id}`;
  return (await isOwnDetachedWorktree(root, w.path, branch)) ? branch : undefined;
}

/**
 * The worktree of each `baton/<id>` branch (one level) among the `listed` worktrees (the main one
 * first), then of each unit whose own worktree is on a detached HEAD (`ownDetachedWorktree`), and of
 * each unregistered leftover folder in `worktreesDir` (the config's `worktrees`), by branch.
 */
export async function targetWorktrees(
  root: string,
  listed: readonly WorktreeInfo[],
  worktreesDir: string | undefined,
): Promise<Map<string, TargetWorktree>> {
  const out = new Map<string, TargetWorktree>();
  for (const w of listed.slice(1)) {
    const id = w.branch === undefined ? undefined : batonUnitOf(w.branch);
    if (w.branch === undefined || id === undefined) continue;
    const folder = existsSync(w.path);
    const stray = w.prunable === true && folder;
    const removable = stray && worktreesDir !== undefined && isLeftoverFolder(worktreesDir, id, w.path);
    out.set(w.branch, {
      path: w.path,
      exists: !w.prunable && folder,
      ...(stray ? { strayFolder: true } : {}),
      ...(removable ? { removable: true } : {}),
      locked: w.locked === true,
    });
  }
  // The unit's own worktree left on a detached HEAD: git ties it to no branch, the proof does.
  for (const w of listed.slice(1)) {
    const branch = await ownDetachedWorktree(root, w, worktreesDir);
    if (branch !== undefined && !out.has(branch))
      out.set(branch, { path: w.path, exists: true, detached: true, locked: w.locked === true });
  }
  // A folder git no longer lists at all (its record pruned once the folder lost its `.git`).
  const registered = listed.map((w) => w.path);
  for (const f of worktreesDir === undefined ? [] : unregisteredLeftovers(worktreesDir, registered)) {
    const branch = `${BRANCH_PREFIX}${f.id}`;
    if (!out.has(branch))
      out.set(branch, { path: f.path, exists: false, strayFolder: true, removable: true, locked: false });
  }
  const marks = await removalMarks(root);
  // A worktree still whole is finished only when nothing in it is new or changed (`leftOnlyDeletions`).
  for (const w of out.values())
    if (isMarked(marks, w.path) && (!w.exists || (await leftOnlyDeletions(w.path)))) w.removalCutShort = true;
  return out;
}

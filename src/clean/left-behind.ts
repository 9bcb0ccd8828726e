/**
 * What a Baton killed outright leaves where `baton clean` works: a dead run's agents and setup still
 * working in its worktrees, and the folder of a worktree whose removal (`git worktree remove`, which
 * deletes the folder first and git's record of it last) was cut short. Clean finds both, proves them
 * Baton's, and says or finishes what is left.
 */

import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isUnitId } from '../contracts/feature-id.js';
import { git } from '../git/git.js';
import { INTEGRATION_ID } from '../git/refs.js';
import { commandOf } from '../guard/daemons.js';
import { findLiveRun, type OrchestratorProbe } from '../guard/liveness.js';
import { type Orphan, scanOrphans, withAttemptUnits } from '../guard/orphans.js';
import type { BatonState } from '../log/fold.js';
import { logPathFor } from '../log/paths.js';
import { unitWorktree } from '../unit-worktree.js';

/** A process group a dead run left in a target's worktree, named by its leader's command line (not escaped). */
export interface CleanOrphan extends Orphan {
  command: string;
}

/**
 * What runs whose orchestrators died left working in the worktrees (`scanOrphans`, the rule a resume
 * stops them by), each group with its leader's command; none while a run is live (its processes are its own).
 */
export function deadRunGroups(state: BatonState, alive: OrchestratorProbe, root: string): CleanOrphan[] {
  if (findLiveRun(state, alive)) return [];
  return scanOrphans(withAttemptUnits(state), logPathFor(root)).orphans.map((o) => ({
    ...o,
    command: commandOf(o.pgid),
  }));
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Whether `path` is where Baton puts the worktree of `id` (`<worktrees>/<id>`) and is a folder of its
 * own (not a symlink) holding no `.git` at all: what a worktree whose removal was cut short leaves, or
 * one whose `.git` file was deleted. A folder with a `.git` of any kind is a repository or a worktree
 * (of this repository or another) and never one of these.
 */
export function isLeftoverFolder(worktrees: string, id: string, path: string): boolean {
  if (realOrResolved(path) !== unitWorktree(realOrResolved(worktrees), id)) return false;
  try {
    if (!lstatSync(path).isDirectory()) return false;
  } catch {
    return false;
  }
  return !existsSync(join(path, '.git')) && !isSymlink(join(path, '.git'));
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The leftover folders (`isLeftoverFolder`) in the worktrees folder that git no longer lists as a
 * worktree at all (`registered`: the paths it lists), named for a unit or the integration: their
 * worktree's record was pruned (a clean that went on without them), so only the folder says they were.
 */
export function unregisteredLeftovers(
  worktrees: string,
  registered: readonly string[],
): Array<{ id: string; path: string }> {
  let names: string[];
  try {
    names = readdirSync(worktrees);
  } catch {
    return [];
  }
  const listed = new Set(registered.map(realOrResolved));
  return names
    .filter((id) => isUnitId(id) || id === INTEGRATION_ID)
    .map((id) => ({ id, path: join(worktrees, id) }))
    .filter((f) => !listed.has(realOrResolved(f.path)) && isLeftoverFolder(worktrees, f.id, f.path));
}

/** The note clean leaves in git's record of a worktree (`<common dir>/worktrees/<name>/`) while it removes it. */
const REMOVING_MARK = 'baton-removing';

/**
 * Git's records of linked worktrees: each `<common dir>/worktrees/<name>` folder and the worktree
 * folder its `gitdir` file names (resolved), whether or not that folder is still there.
 */
async function worktreeRecords(root: string): Promise<Array<{ admin: string; folder: string }>> {
  const common = await git(root, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  const dir = join(common, 'worktrees');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<{ admin: string; folder: string }> = [];
  for (const name of names) {
    try {
      const gitdir = readFileSync(join(dir, name, 'gitdir'), 'utf8').trim();
      out.push({ admin: join(dir, name), folder: realOrResolved(dirname(gitdir)) });
    } catch {
      // A record without its gitdir file is git's to prune.
    }
  }
  return out;
}

/**
 * Notes in git's record of the worktree at `path` that clean is removing it; git deletes the record
 * (and the note) last, once the folder is gone, so a clean killed meanwhile leaves the note for the
 * next one (`removalMarks`). Returns a function that takes the note back (the removal was refused).
 */
export async function markRemoval(root: string, path: string): Promise<() => void> {
  const record = (await worktreeRecords(root)).find((r) => r.folder === realOrResolved(path));
  if (record === undefined) return () => {};
  const mark = join(record.admin, REMOVING_MARK);
  writeFileSync(mark, 'baton clean\n');
  return () => rmSync(mark, { force: true });
}

/** The worktree folders (resolved) whose record carries clean's note: removals a killed clean began. */
export async function removalMarks(root: string): Promise<Set<string>> {
  const records = await worktreeRecords(root);
  return new Set(records.filter((r) => existsSync(join(r.admin, REMOVING_MARK))).map((r) => r.folder));
}

/** Whether `path` is among `marks` (`removalMarks`). */
export function isMarked(marks: ReadonlySet<string>, path: string): boolean {
  return marks.has(realOrResolved(path));
}

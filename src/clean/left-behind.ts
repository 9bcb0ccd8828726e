/**
 * What a Baton killed outright leaves where `baton clean` works: a dead run's agents and setup still
 * working in its worktrees, and the folder of a worktree whose removal (`git worktree remove`, which
 * deletes the folder first and git's record of it last) was cut short. Clean finds both, proves them
 * Baton's, and says or finishes what is left.
 */

import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isUnitId } from '../contracts/feature-id.js';
import { git, gitRaw } from '../git/git.js';
import { INTEGRATION_ID } from '../git/refs.js';
import { parsePorcelainStatus } from '../git/status.js';
import { commandOf } from '../guard/daemons.js';
import { findLiveRun, type OrchestratorProbe } from '../guard/liveness.js';
import { type Orphan, scanOrphans, withAttemptUnits } from '../guard/orphans.js';
import type { BatonState } from '../log/fold.js';
import { logPathFor } from '../log/paths.js';
import { readRegular } from '../open-regular.js';
import { removeQuietly } from '../state-write.js';
import { unitWorktree } from '../unit-worktree.js';
import { hiddenChanges } from './hidden-changes.js';

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

/** Whether `path` is where Baton puts the worktree of `id`, `<worktrees>/<id>` (each resolved). */
export function isUnitPlace(worktrees: string, id: string, path: string): boolean {
  return realOrResolved(path) === unitWorktree(realOrResolved(worktrees), id);
}

/**
 * Whether `path` is where Baton puts the worktree of `id` (`<worktrees>/<id>`) and is a folder of its
 * own (not a symlink) holding no `.git` at all: what a worktree whose removal was cut short leaves, or
 * one whose `.git` file was deleted. A folder with a `.git` of any kind is a repository or a worktree
 * (of this repository or another) and never one of these.
 */
export function isLeftoverFolder(worktrees: string, id: string, path: string): boolean {
  if (!isUnitPlace(worktrees, id, path)) return false;
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

/** What clean's note holds: only a regular file of one link holding exactly this is its note. */
const MARK_TEXT = 'baton clean\n';

/**
 * Notes in git's record of the worktree at `path` that clean is removing it; git deletes the record
 * (and the note) last, once the folder is gone, so a clean killed meanwhile leaves the note for the
 * next one (`removalMarks`). Git's record is the agent's to write (its `git rev-parse --git-dir`), so
 * whatever stands at the note's name (a link planted to a file of the user's) is removed, never
 * followed, and the note is made afresh (O_CREAT|O_EXCL|O_NOFOLLOW); a record that is not a real
 * folder, or a name that cannot be cleared, gets no note. Returns a function that takes the note back
 * (the removal was refused, or never began), only while it is still the file made here.
 */
export async function markRemoval(root: string, path: string): Promise<() => void> {
  const record = (await worktreeRecords(root)).find((r) => r.folder === realOrResolved(path));
  if (record === undefined || !isRealFolder(record.admin)) return () => {};
  const mark = join(record.admin, REMOVING_MARK);
  removeQuietly(mark);
  let fd: number;
  try {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    fd = openSync(mark, flags | constants.O_NONBLOCK, 0o644);
  } catch {
    // Something made meanwhile, or a folder at the name: no note, the removal is only not resumable.
    return () => {};
  }
  let made: { dev: number; ino: number };
  try {
    writeSync(fd, MARK_TEXT);
    made = lstatSync(mark);
  } catch {
    closeSync(fd);
    removeQuietly(mark);
    return () => {};
  }
  closeSync(fd);
  return () => {
    try {
      const now = lstatSync(mark);
      if (now.dev === made.dev && now.ino === made.ino) removeQuietly(mark);
    } catch {
      // Gone already.
    }
  };
}

function isRealFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Whether the note at `mark` is one clean made (`markRemoval`): a regular file of one link (`lstat`, a
 * link to anything is not one) holding exactly its text, read without following a link or waiting on a FIFO.
 */
function isCleanMark(mark: string): boolean {
  try {
    const st = lstatSync(mark);
    if (!st.isFile() || st.nlink !== 1 || st.size !== MARK_TEXT.length) return false;
  } catch {
    return false;
  }
  return readRegular(mark)?.toString('utf8') === MARK_TEXT;
}

/**
 * The worktree folders (resolved) whose record carries clean's note (`isCleanMark`): removals a killed
 * clean began. The note alone proves no more than that a clean meant to remove the folder (it is
 * written before git starts, and an agent can write one); `leftOnlyDeletions` says whether what is
 * there is what a removal cut short leaves.
 */
export async function removalMarks(root: string): Promise<Set<string>> {
  const records = await worktreeRecords(root);
  return new Set(records.filter((r) => isCleanMark(join(r.admin, REMOVING_MARK))).map((r) => r.folder));
}

/**
 * Whether all a worktree holds that its branch does not is what `git worktree remove`, cut short, can
 * leave: tracked files deleted from the folder (git's status ` D`), nothing new, modified, staged or
 * hidden (`hiddenChanges`). Git removes a worktree only once its status is clean (or forced, and a
 * forced decision needs no note), so a file added or changed since is the user's later work, which
 * finishing the removal (forced) would lose. False when git cannot say.
 */
export async function leftOnlyDeletions(worktree: string): Promise<boolean> {
  const status = await gitRaw(worktree, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  if (status.exitCode !== 0) return false;
  if (!parsePorcelainStatus(status.stdout).every((e) => e.code === ' D')) return false;
  return (await hiddenChanges(worktree)).length === 0;
}

/** Whether `path` is among `marks` (`removalMarks`). */
export function isMarked(marks: ReadonlySet<string>, path: string): boolean {
  return marks.has(realOrResolved(path));
}

/**
 * Who may be using a git lock file, from /proc: the proof that a lock left in a worktree by a git
 * that was killed (`index.lock` after a `kill -9` during `git add --all`) is stale before Baton
 * removes it. git keeps its lock's descriptor open from taking the lock until it commits it, and works
 * from inside the worktree (or its git folder): a process doing either is using it, or about to.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isInside } from '../path-inside.js';
import { realOr } from '../real-nearest.js';
import { commandOf, type Straggler } from './daemons.js';
import { listProcesses, type ProcessInfo, procAvailable } from './proc.js';

/** What `lockUsers` looks at: the lock file, and the folders git works from on it. */
export interface LockPlace {
  /** The lock file (`<git dir>/index.lock`). */
  lock: string;
  /** The worktree and its git folder. */
  dirs: readonly string[];
}

/**
 * The live processes using a lock, named: those holding the lock file open, and git processes
 * (`/proc/<pid>/comm` `git…`) whose working folder is inside one of `dirs`. Undefined when /proc
 * cannot say (no /proc): nothing is proven then. A process whose /proc entries cannot be read (another
 * user's) cannot hold a lock in the user's own repository open through Baton's run and is passed over.
 */
export function lockUsers(
  place: LockPlace,
  all: readonly ProcessInfo[] = listProcesses(),
): Straggler[] | undefined {
  if (!procAvailable()) return undefined;
  const lock = realOr(place.lock);
  const dirs = place.dirs.map(realOr);
  const out: Straggler[] = [];
  for (const p of all) {
    if (p.pid === process.pid) continue;
    if (holdsOpen(p.pid, lock) || (isGit(p.pid) && workingIn(p.pid, dirs)))
      out.push({ pid: p.pid, command: commandOf(p.pid) });
  }
  return out;
}

/** Whether one of the process's open descriptors is the file at `path`. */
function holdsOpen(pid: number, path: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

/** Whether the process is git (`git`, or one of its helpers `git-…`), by the name the kernel keeps. */
function isGit(pid: number): boolean {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm === 'git' || comm.startsWith('git-');
  } catch {
    return false;
  }
}

/** Whether the process's working folder is inside one of `dirs` (real paths). */
function workingIn(pid: number, dirs: readonly string[]): boolean {
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return false;
  }
  return dirs.some((d) => isInside(d, cwd));
}

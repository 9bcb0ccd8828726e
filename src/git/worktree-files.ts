/**
 * The linked worktrees of a repository read from its administrative files, without starting git:
 * for `status`, whose warm read starts no process. Only the plain layout (`<root>/.git` a folder);
 * anything else is undefined and the caller asks git (`listWorktrees`). A worktree counts only when
 * the link holds both ways, as git's own: `.git/worktrees/<name>/gitdir` names the worktree's `.git`
 * file, and that file names `.git/worktrees/<name>` back. What a log line says is never used.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { WorktreeInfo } from './worktree-list.js';

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The branch a HEAD file names (`ref: refs/heads/<branch>`), none when detached. */
function branchOf(gitDir: string): string | undefined {
  const head = readTrimmed(join(gitDir, 'HEAD'));
  return head?.startsWith('ref: refs/heads/') ? head.slice('ref: refs/heads/'.length) : undefined;
}

/**
 * The folder a linked worktree's `.git` file names (`gitdir: <path>`, relative to the file's folder),
 * absolute; undefined when `gitFile` is no such file (a main checkout's `.git` folder, nothing there).
 */
export function gitDirNamedBy(gitFile: string): string | undefined {
  const line = readTrimmed(gitFile)?.split('\n')[0]?.trim();
  if (line === undefined || !line.startsWith('gitdir:')) return undefined;
  const named = line.slice('gitdir:'.length).trim();
  return isAbsolute(named) ? named : resolve(dirname(gitFile), named);
}

/** One linked worktree from its admin folder, when the link holds both ways and its folder is there. */
function linkedWorktree(admin: string): WorktreeInfo | undefined {
  const gitFile = readTrimmed(join(admin, 'gitdir'));
  if (gitFile === undefined || !isAbsolute(gitFile)) return undefined;
  const named = gitDirNamedBy(gitFile);
  const target = named === undefined ? undefined : real(named);
  if (target === undefined || target !== real(admin)) return undefined;
  const ref = branchOf(admin);
  const locked = (() => {
    try {
      lstatSync(join(admin, 'locked'));
      return true;
    } catch {
      return false;
    }
  })();
  return { path: dirname(gitFile), ...(ref ? { branch: ref } : {}), ...(locked ? { locked } : {}) };
}

/** The main worktree `root` first, then each linked one; undefined when git must be asked. */
export function worktreesFromFiles(root: string): WorktreeInfo[] | undefined {
  const dotGit = join(root, '.git');
  try {
    if (!lstatSync(dotGit).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  let names: string[];
  try {
    names = readdirSync(join(dotGit, 'worktrees'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    names = [];
  }
  const branch = branchOf(dotGit);
  const main: WorktreeInfo = { path: root, ...(branch ? { branch } : {}) };
  const linked = names.sort().flatMap((n) => linkedWorktree(join(dotGit, 'worktrees', n)) ?? []);
  return [main, ...linked];
}

/**
 * A guess at the main worktree read from the file system, without starting git: only for the plain
 * layout (a `.git` folder above the current one, on the same file system, owned by this user, and
 * nothing in the environment or the repository's config that moves it). A linked worktree, a
 * submodule, `GIT_DIR`, `GIT_WORK_TREE`, `core.worktree`, a bare repository: undefined, and the caller
 * asks git (`findMainWorktree`). A guess is only a key: the caller must confirm it against something
 * git said before (`status` looks up its cached plan, which records the root `findMainWorktree` gave).
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Environment variables that change where git finds the repository or its work tree. */
function envMovesRepository(env: NodeJS.ProcessEnv): boolean {
  return Object.keys(env).some(
    (k) =>
      k === 'GIT_DIR' ||
      k === 'GIT_WORK_TREE' ||
      k === 'GIT_COMMON_DIR' ||
      k === 'GIT_CEILING_DIRECTORIES' ||
      k === 'GIT_DISCOVERY_ACROSS_FILESYSTEM' ||
      k.startsWith('GIT_CONFIG'),
  );
}

/** Whether `.git` at `dotGit` is a plain repository folder whose work tree is its parent. */
function plainRepository(dotGit: string): boolean {
  const own = statSync(dotGit);
  if (process.getuid && own.uid !== process.getuid()) return false;
  statSync(join(dotGit, 'HEAD'));
  const config = readFileSync(join(dotGit, 'config'), 'utf8');
  return !/^\s*worktree\s*=/im.test(config) && !/^\s*bare\s*=\s*true\s*$/im.test(config);
}

/** The main worktree when the layout is the plain one; undefined whenever git must be asked. */
export function mainWorktreeFromFiles(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (envMovesRepository(env)) return undefined;
  try {
    let dir = realpathSync(cwd);
    const device = statSync(dir).dev;
    for (;;) {
      // Inside a `.git` folder git has no work tree to give.
      if (basename(dir) === '.git') return undefined;
      if (statSync(dir).dev !== device) return undefined; // git stops at a file system's edge
      const dotGit = join(dir, '.git');
      let kind: 'dir' | 'other' | 'none';
      try {
        kind = lstatSync(dotGit).isDirectory() ? 'dir' : 'other';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
        kind = 'none';
      }
      if (kind === 'dir') return plainRepository(dotGit) ? dir : undefined;
      if (kind === 'other') return undefined; // a linked worktree or a submodule: `.git` is a file
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  } catch {
    return undefined;
  }
}

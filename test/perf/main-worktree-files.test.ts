import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMainWorktree } from '../../src/git/git.js';
import { mainWorktreeFromFiles } from '../../src/git/main-worktree-files.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const plainEnv = { PATH: process.env.PATH };

describe('the main worktree read from the file system', () => {
  it('is what git says, from the root, a subfolder and a symlink to it', async () => {
    const repo = makeRepo({ 'src/deep/a.txt': 'a\n' });
    repos.push(repo);
    const link = join(repo.root, '..', 'link');
    symlinkSync(join(repo.root, 'src'), link);
    for (const cwd of [repo.root, join(repo.root, 'src', 'deep'), link]) {
      expect(mainWorktreeFromFiles(cwd, plainEnv)).toBe(await findMainWorktree(cwd));
    }
  });

  it('gives no guess where git must be asked: a linked worktree, git variables, core.worktree, inside .git', () => {
    const repo = makeRepo();
    repos.push(repo);
    const linked = join(repo.root, '..', 'linked');
    repo.git('worktree', 'add', '-q', '-b', 'other', linked);
    expect(mainWorktreeFromFiles(linked, plainEnv)).toBeUndefined();
    expect(
      mainWorktreeFromFiles(repo.root, { ...plainEnv, GIT_DIR: join(repo.root, '.git') }),
    ).toBeUndefined();
    expect(mainWorktreeFromFiles(repo.root, { ...plainEnv, GIT_CONFIG_COUNT: '1' })).toBeUndefined();
    expect(mainWorktreeFromFiles(join(repo.root, '.git'), plainEnv)).toBeUndefined();
    repo.git('config', 'core.worktree', repo.root);
    expect(mainWorktreeFromFiles(repo.root, plainEnv)).toBeUndefined();
  });

  it('gives no guess outside any repository', () => {
    const repo = makeRepo();
    repos.push(repo);
    const outside = join(repo.root, '..', 'outside');
    mkdirSync(outside);
    // The temporary folder's parents hold no repository (the rig makes them under the system's temp dir).
    expect(mainWorktreeFromFiles(outside, plainEnv)).toBeUndefined();
  });
});

// The worktrees `status` reads from git's administrative files, with no git process, are the ones git
// lists, and a link that does not hold both ways (a forged admin folder, which git itself would list) is
// none of them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { worktreesFromFiles } from '../../src/git/worktree-files.js';
import { listWorktrees } from '../../src/git/worktree-list.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('worktreesFromFiles', () => {
  it('finds what git worktree list finds, and not a forged admin folder', async () => {
    repo = makeRepo();
    const a = join(repo.root, '..', 'wt-a');
    const d = join(repo.root, '..', 'wt-detached');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', a);
    repo.git('worktree', 'add', '-q', '--detach', d);
    // An admin folder naming a folder whose .git file points elsewhere: not a worktree of this repository.
    const forged = join(repo.root, '.git', 'worktrees', 'forged');
    const victim = join(repo.root, '..', 'victim');
    mkdirSync(forged, { recursive: true });
    mkdirSync(victim);
    writeFileSync(join(forged, 'gitdir'), `${join(victim, '.git')}\n`);
    writeFileSync(join(forged, 'HEAD'), 'ref: refs/heads/baton/x\n');
    writeFileSync(join(victim, '.git'), 'gitdir: /somewhere/else\n');
    const fromGit = (await listWorktrees(repo.root)).filter((w) => !w.prunable);
    const fromFiles = worktreesFromFiles(repo.root);
    const shape = (ws: ReadonlyArray<{ path: string; branch?: string }>) =>
      ws.map((w) => [w.path, w.branch ?? null]).sort();
    expect(fromFiles).toBeDefined();
    // git lists the forged one too (it checks only that the folder is there); the files' reading does not.
    expect(fromGit.some((w) => w.path === victim)).toBe(true);
    expect(shape(fromFiles ?? [])).toEqual(shape(fromGit.filter((w) => w.path !== victim)));
  });

  it('asks git (undefined) when .git is not a folder', () => {
    repo = makeRepo();
    const a = join(repo.root, '..', 'wt-a');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', a);
    expect(worktreesFromFiles(a)).toBeUndefined();
  });
});

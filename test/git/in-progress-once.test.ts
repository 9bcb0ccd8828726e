// Whether a rebase or bisect holds a branch is read from every worktree's admin folder
// (`branchesInProgress`): once per move, though the move is checked twice (`fastForwardBranch`'s own
// refusal, then `moveBranch`'s), and once per `baton clean` inspection, though both the base and each
// target's protection need it. Counted by the one listing of `<common>/worktrees` each scan makes.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inspectCleanTargets } from '../../src/clean/inspect.js';
import { BRANCH_IN_PROGRESS } from '../../src/git/branch-in-progress.js';
import { moveBranch } from '../../src/git/branches.js';
import { fastForwardBranch } from '../../src/git/merge.js';
import { initialState } from '../../src/log/fold.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, readdirSync: vi.fn(real.readdirSync) };
});

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  vi.mocked(fs.readdirSync).mockClear();
});

/** A repository with a linked worktree (so there is a `worktrees` folder to list) and a branch `next` one commit ahead of main. */
function repoWithNext(): { r: TempRepo; next: string } {
  const r = makeRepo({ 'a.txt': 'a\n' });
  repos.push(r);
  r.git('worktree', 'add', '-q', '-b', 'side', join(r.root, '..', 'side'));
  r.git('branch', 'ahead');
  r.git('switch', '-q', 'ahead');
  const next = r.commit('next', { 'b.txt': 'b\n' });
  r.git('switch', '-q', 'main');
  return { r, next };
}

/** How many times the worktrees' admin folders were listed since the last clear. */
function scans(r: TempRepo): number {
  const worktrees = join(r.root, '.git', 'worktrees');
  return vi.mocked(fs.readdirSync).mock.calls.filter(([path]) => path === worktrees).length;
}

describe('one scan of the worktrees per move', () => {
  it('fastForwardBranch of a branch no checkout has scans once for its refusal and the move', async () => {
    const { r, next } = repoWithNext();
    r.git('branch', 'target', 'main');
    vi.mocked(fs.readdirSync).mockClear();
    const moved = await fastForwardBranch(r.root, 'target', next);
    expect(moved.via).toBe('update-ref');
    expect(r.git('rev-parse', 'target')).toBe(next);
    expect(scans(r)).toBe(1);
  });

  it('moveBranch judges the scan it is given, and scans itself when given none', async () => {
    const { r, next } = repoWithNext();
    r.git('branch', 'target', 'main');
    const from = r.git('rev-parse', 'main');
    const held = [{ branch: 'target', worktree: r.root, operation: 'rebase' as const, main: true }];
    vi.mocked(fs.readdirSync).mockClear();
    await expect(
      moveBranch(r.root, { branch: 'target', to: next, from, why: 'test', inProgress: held }),
    ).rejects.toMatchObject({ code: BRANCH_IN_PROGRESS });
    expect(scans(r)).toBe(0);
    expect(r.git('rev-parse', 'target')).toBe(from);
    expect(await moveBranch(r.root, { branch: 'target', to: next, from, why: 'test' })).toBe(true);
    expect(scans(r)).toBe(1);
  });
});

describe('one scan of the worktrees per clean inspection', () => {
  it('a main checkout on a detached HEAD: the base and the protections share one scan', async () => {
    const { r } = repoWithNext();
    r.git('checkout', '-q', '--detach', 'main');
    vi.mocked(fs.readdirSync).mockClear();
    const inspection = await inspectCleanTargets({
      root: r.root,
      cwd: r.root,
      state: initialState(),
      alive: () => false,
    });
    expect(inspection.baseProblem?.code).toBe('clean/no-base');
    expect(scans(r)).toBe(1);
  });
});

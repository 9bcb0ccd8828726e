// Whether a rebase or bisect holds a branch is read from every worktree's admin folder
// (`branchesInProgress`). A caller that checks the branch itself before it moves it (`fastForwardBranch`)
// hands its scan to `moveBranch`, which judges that scan rather than reading the folders again.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BRANCH_IN_PROGRESS } from '../../src/git/branch-in-progress.js';
import { moveBranch } from '../../src/git/branches.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('moveBranch and the scan of the worktrees', () => {
  it('judges the scan it is given, and scans itself when given none', async () => {
    const r = makeRepo({ 'a.txt': 'a\n' });
    repos.push(r);
    r.git('worktree', 'add', '-q', '-b', 'side', join(r.root, '..', 'side'));
    const from = r.git('rev-parse', 'main');
    r.git('branch', 'target', 'main');
    r.git('switch', '-q', '-c', 'ahead');
    const next = r.commit('next', { 'b.txt': 'b\n' });
    r.git('switch', '-q', 'main');
    // No rebase is under way on disk: only the given scan says `target` is held, and it is refused.
    const held = [{ branch: 'target', worktree: r.root, operation: 'rebase' as const, main: true }];
    await expect(
      moveBranch(r.root, { branch: 'target', to: next, from, why: 'test', inProgress: held }),
    ).rejects.toMatchObject({
      code: BRANCH_IN_PROGRESS,
      message: `cannot move target: a rebase of it is in progress in ${r.root} (finish it with git rebase --continue, or git rebase --abort)`,
    });
    expect(r.git('rev-parse', 'target')).toBe(from);
    // Given none, it reads the worktrees itself: nothing holds `target`, so it moves.
    expect(await moveBranch(r.root, { branch: 'target', to: next, from, why: 'test' })).toBe(true);
    expect(r.git('rev-parse', 'target')).toBe(next);
  });
});

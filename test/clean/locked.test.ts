/**
 * Locked worktrees (`git worktree lock`, as for one on a removable disk): clean's hint names the unlock,
 * not "commit and integrate"; one whose folder is missing is refused (git keeps its record, and its
 * disk may only be unmounted) instead of being called removed while git still lists it, `--force`
 * removes the record; doctor names the unlock too, since `git worktree prune` never prunes it.
 */

import { existsSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { checkStaleRecords } from '../../src/doctor/worktrees.js';
import { listWorktrees } from '../../src/git/worktree-list.js';
import {
  addFeatureWorktree,
  batonBranches,
  commitIn,
  projectRepo,
  worktreeList,
} from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('baton clean: a locked worktree', () => {
  it('merged and clean: refused for the lock alone, and the hint says to unlock, not to commit', async () => {
    repo = projectRepo(['a']);
    const a = addFeatureWorktree(repo, 'a');
    repo.git('worktree', 'lock', a);
    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`its worktree is locked (git worktree unlock ${a})`);
    expect(r.stdout).toContain(
      `hint: a: locked (\`git worktree lock\`, as for a worktree on a removable disk): once you are done with it, \`git worktree unlock ${a}\`, then \`baton clean a\`; or \`baton clean --force a\` removes it locked.`,
    );
    expect(r.stdout).not.toContain('commit and integrate');
    expect(batonBranches(repo)).toEqual(['baton/a']);

    // Locked and holding work: both hints.
    commitIn(repo, a, 'work', { 'src/a/x.ts': 'a\n' });
    const both = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(both.stdout).toContain(`git worktree unlock ${a}`);
    expect(both.stdout).toContain('commit and integrate that work first');
  });

  it('its folder missing: refused, not "Removed" while git lists it; --force removes the record', async () => {
    repo = projectRepo(['a']);
    const a = addFeatureWorktree(repo, 'a');
    repo.git('worktree', 'lock', a);
    rmSync(a, { recursive: true, force: true });
    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('Removed');
    expect(r.stdout).toContain(
      `its worktree is locked and its folder ${a} is missing (on a disk not mounted?): git keeps its record`,
    );
    expect(r.stdout).toContain(`\`git worktree unlock ${a}\`, then \`baton clean a\``);
    expect(batonBranches(repo)).toEqual(['baton/a']);
    expect(worktreeList(repo)).toContain(a);

    const forced = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(forced.code, forced.stdout).toBe(0);
    expect(forced.stdout).toContain("(its folder missing: git's locked record of it)");
    expect(worktreeList(repo)).not.toContain(a);
    expect(batonBranches(repo)).toEqual([]);
    expect(existsSync(a)).toBe(false);
  });

  it('doctor: a locked record whose folder is missing is named with its unlock, not "git worktree prune"', async () => {
    repo = projectRepo(['a', 'b']);
    const a = addFeatureWorktree(repo, 'a');
    const b = addFeatureWorktree(repo, 'b');
    repo.git('worktree', 'lock', a);
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
    const c = checkStaleRecords(await listWorktrees(repo.root), existsSync);
    expect(c.status).toBe('warn');
    expect(c.detail).toBe(
      `1 worktree record(s) whose folder is gone: ${b} (baton/b); 1 locked worktree record(s) whose folder is missing (a disk not mounted?), which git never prunes: ${a} (baton/a)`,
    );
    expect(c.hint).toContain(
      `If a locked one is gone for good: \`git worktree unlock ${a}\`, then \`git worktree prune\` (or \`baton clean\`).`,
    );
  });
});

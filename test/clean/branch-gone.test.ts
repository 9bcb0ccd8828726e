/**
 * A feature's branch deleted by hand while its worktree stays: the worktree is on an unborn `baton/<id>`,
 * where every file shows as uncommitted. clean (and doctor) say the branch is gone and name the `git
 * branch` that restores it at the commit the worktree's reflog had, never "commit and integrate" (a root
 * commit with no history); `--force` keeps that commit under a backup ref before the reflog goes.
 */

import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../src/doctor/check.js';
import { addFeatureWorktree, commitIn, projectRepo } from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

function branchDeletedByHand(): { repo: TempRepo; folder: string; sha: string } {
  const r = projectRepo(['a']);
  const folder = addFeatureWorktree(r, 'a');
  const sha = commitIn(r, folder, 'a work', { 'src/a/index.ts': 'a\n' });
  r.git('update-ref', '-d', 'refs/heads/baton/a');
  return { repo: r, folder, sha };
}

describe('baton clean: a worktree whose branch was deleted by hand', () => {
  it('is refused, naming the git branch that restores it, not every file as uncommitted', async () => {
    const t = branchDeletedByHand();
    repo = t.repo;
    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `its branch baton/a no longer exists (deleted by hand?): its worktree is on an unborn branch, where every file shows as uncommitted; its worktree's reflog last had ${t.sha} (git branch baton/a ${t.sha} restores it)`,
    );
    expect(r.stdout).toContain(`hint: a: restore its branch with \`git branch baton/a ${t.sha}\``);
    expect(r.stdout).not.toContain('uncommitted: ');
    expect(r.stdout).not.toContain('commit and integrate');
    expect(existsSync(t.folder)).toBe(true);

    const doctor = await runBaton(['doctor', '--json'], { cwd: repo.root });
    const checks = (JSON.parse(doctor.stdout) as { checks: DoctorCheck[] }).checks;
    const records = checks.find((c) => c.name === 'worktree records');
    expect(records?.status).toBe('warn');
    expect(records?.detail).toContain(`1 worktree(s) on a branch deleted by hand`);
    expect(records?.hint).toContain(`\`git branch baton/a ${t.sha}\``);

    // Restored as the hint says, it is judged as usual: its commit is not merged.
    repo.git('branch', 'baton/a', t.sha);
    const restored = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(restored.stdout).toMatch(/^ {2}a {2}1 commit not merged into main$/m);
  });

  it('with --force, keeps the commit the reflog had under a backup ref before removing the worktree', async () => {
    const t = branchDeletedByHand();
    repo = t.repo;
    const r = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(r.code, r.stdout).toBe(0);
    expect(existsSync(t.folder)).toBe(false);
    expect(repo.git('rev-parse', `refs/baton/clean-backup/a/${t.sha}`)).toBe(t.sha);
    expect(r.stdout).toContain(
      `the commit its worktree last had, ${t.sha}, is kept as refs/baton/clean-backup/a/${t.sha} (git branch baton/a ${t.sha} restores it)`,
    );
  });
});

/**
 * doctor's "finished worktrees" offers `baton clean --merged` only for what that command removes: the
 * same decision (`decideClean`), so never a locked worktree, nor the one doctor runs in; and when clean
 * cannot judge "merged" at all (a main checkout on a detached HEAD), clean's own words and hint.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../src/doctor/check.js';
import { addFeatureWorktree, appendLog, projectRepo } from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

async function finishedCheck(cwd: string): Promise<DoctorCheck | undefined> {
  const r = await runBaton(['doctor', '--json'], { cwd });
  const json = JSON.parse(r.stdout) as { checks: DoctorCheck[] };
  return json.checks.find((c) => c.name === 'finished worktrees');
}

/** Features `a` and `b` complete in the log, their worktrees holding nothing beyond main (merged). */
function twoFinished(): { repo: TempRepo; a: string; b: string } {
  const r = projectRepo(['a', 'b']);
  const a = addFeatureWorktree(r, 'a');
  const b = addFeatureWorktree(r, 'b');
  appendLog(r, [
    { feature_id: 'a', status: 'complete' },
    { feature_id: 'b', status: 'complete' },
  ]);
  return { repo: r, a, b };
}

describe('doctor: finished worktrees, as clean --merged decides them', () => {
  it('leaves out a locked worktree and the one doctor runs in, and names the ids clean removes', async () => {
    const t = twoFinished();
    repo = t.repo;
    expect((await finishedCheck(repo.root))?.detail).toMatch(
      /^2 finished feature worktree\(s\) already merged: a, b/,
    );

    repo.git('worktree', 'lock', t.a);
    const locked = await finishedCheck(repo.root);
    expect(locked?.detail).toMatch(/^1 finished feature worktree\(s\) already merged: b(;|$)/);
    expect(locked?.hint).toContain('`baton clean --merged b`');
    const clean = await runBaton(['clean', '--merged', '--dry-run', 'b'], { cwd: repo.root });
    expect(clean.code, clean.stdout).toBe(0);
    repo.git('worktree', 'unlock', t.a);

    const inside = await finishedCheck(t.b);
    expect(inside?.detail).toMatch(/^1 finished feature worktree\(s\) already merged: a(;|$)/);
  });

  it("gives clean's refusal and hint when the main checkout is on a detached HEAD", async () => {
    const t = twoFinished();
    repo = t.repo;
    repo.git('checkout', '-q', '--detach');
    const c = await finishedCheck(repo.root);
    expect(c?.status).toBe('warn');
    expect(c?.detail).toContain(
      `2 finished feature worktree(s) (a, b); \`baton clean\` refuses them: your main checkout ${repo.root} is on a detached HEAD, not on your base branch: clean cannot tell what is merged [clean/no-base]`,
    );
    expect(c?.hint).toBe('Check out your own branch there (git switch <branch>), or pass --base <branch>.');
    expect(c?.hint).not.toContain('--merged');
  });
});

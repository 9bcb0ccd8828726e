/**
 * A feature's worktree put on a detached HEAD below its work, its branch then deleted by hand: the
 * work survives only in that worktree's HEAD reflog. `baton clean` refused it (`reflogWorkBeyond`),
 * while doctor said nothing, as if its HEAD held no work. doctor now warns with clean's own words,
 * naming the worktree, the commit and the `git branch` that restores it.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../src/doctor/check.js';
import { worktreePath } from '../reliability/fixture.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('doctor: a feature worktree whose work only its HEAD reflog holds', () => {
  it('warns, naming the worktree, the commit and the git branch that restores it, as clean refuses it', async () => {
    repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'a', agent: { command: 'mkdir -p src/a && echo work > src/a/work.txt' } }]),
    });
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const wt = worktreePath(repo, 'a');
    const work = repo.git('rev-parse', 'baton/a');
    expect(work).not.toBe(repo.git('rev-parse', 'main'));
    repo.git('-C', wt, 'checkout', '-q', '--detach', 'main');
    repo.git('branch', '-D', 'baton/a');

    const refused = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);

    const doctor = await runBaton(['doctor', '--json'], { cwd: repo.root });
    const checks = (JSON.parse(doctor.stdout) as { checks: DoctorCheck[] }).checks;
    const records = checks.find((c) => c.name === 'worktree records');
    expect(records?.status).toBe('warn');
    expect(records?.detail).toContain(
      `1 feature worktree(s) on a detached HEAD whose branch was deleted by hand, their work held only by the worktree's reflog: ${wt} (baton/a; its branch baton/a no longer exists (deleted by hand?), and its worktree's reflog holds 1 commit(s) that neither its detached HEAD nor any merge target has, last at ${work} (git branch baton/a ${work} restores them))`,
    );
    expect(records?.hint).toContain(`a: restore its branch with \`git branch baton/a ${work}\``);
  });
});

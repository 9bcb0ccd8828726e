// A feature whose agent timed out (or failed), fixed by hand on its branch: `baton verify` passed it and
// exited 0, yet its status stayed `timeout` and integrate left it out, with nothing said. The verify
// now says the status stays, why, and the ways on; a failed-checks feature fixed the same way still
// becomes complete, and gets no note.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const wantsGood = (id: string) => ({
  id,
  criteria: [{ id: 'good', text: 'the file says good', run: `grep -q good src/${id}/x` }],
});

describe('baton verify on a feature whose agent did not finish', () => {
  it('passes the fixed work, says the status stays timeout and how to go on; a failed-checks one becomes complete', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          ...wantsGood('slow'),
          timeout_minutes: 0.02,
          agent: { command: 'mkdir -p src/slow && echo bad > src/slow/x && sleep 30' },
        },
        { ...wantsGood('wrong'), agent: { command: 'mkdir -p src/wrong && echo bad > src/wrong/x' } },
      ]),
    });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('slow: timeout');
    expect(run.stdout).toContain('wrong: failed-checks');

    // Both fixed by hand and committed on their branches.
    for (const id of ['slow', 'wrong']) {
      const wt = join(repo.root, '..', 'repo.baton-worktrees', id);
      writeFileSync(join(wt, 'src', id, 'x'), 'good\n');
      repo.git('-C', wt, 'commit', '-qam', `fix ${id}`);
    }
    const verified = await runBaton(['verify'], { cwd: repo.root });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stderr).toContain(
      'note: slow: its checks pass, but it stays timeout: a verify decides the status only of a feature whose agent finished (complete or failed-checks), and integrate leaves it out',
    );
    expect(verified.stderr).toContain(
      'hint: baton run --resume slow keeps their work; baton run --resume slow --restart slow starts them over (its agent sees the branch as it is now); or merge it anyway: baton integrate --include timeout (then --into moves no branch)',
    );
    expect(verified.stderr).not.toContain('wrong: its checks pass');

    const status = await runBaton(['status', '--json'], { cwd: repo.root });
    const features = (
      JSON.parse(status.stdout) as { features: Array<{ feature_id: string; status: string }> }
    ).features;
    expect(Object.fromEntries(features.map((f) => [f.feature_id, f.status]))).toEqual({
      slow: 'timeout',
      wrong: 'complete',
    });
  });
});

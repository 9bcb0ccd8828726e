// Checks that pass on changes not committed in a feature's worktree checked no commit, and integrate
// leaves the feature out: verify says so as it happens, and status says so on the feature's row, not
// only a later `integrate --predict-only`. Real run of a command agent, real git.
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

const REASON = 'its last checks ran on changes not committed in its worktree';

/** A repository where feature `f` ran: its agent committed "bad", and its check wants "good". */
async function failedFeature(): Promise<{ repo: TempRepo; wt: string }> {
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': '{}\n',
    ...contractFiles([
      {
        id: 'f',
        agent: { command: 'mkdir -p src/f && echo bad > src/f/a.txt' },
        criteria: [{ id: 'good', text: 'a.txt says good', run: 'grep -q good src/f/a.txt' }],
      },
    ]),
  });
  repos.push(repo);
  expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
  return { repo, wt: join(`${repo.root}.baton-worktrees`, 'f') };
}

describe('checks that ran on uncommitted changes', () => {
  it('verify warns that integrate will leave the feature out, and status shows why on its row', async () => {
    const { repo, wt } = await failedFeature();
    writeFileSync(join(wt, 'src/f/a.txt'), 'good\n');

    const verify = await runBaton(['verify', 'f'], { cwd: repo.root });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('2 passed, 0 failed');
    expect(verify.stderr).toContain(
      `warning: f: ${REASON} (../repo.baton-worktrees/f), and integrate merges only committed work\n` +
        '  hint: commit them, then run `baton verify f`\n',
    );
    const status = await runBaton(['status', '--no-disk'], { cwd: repo.root });
    const row = status.stdout.split('\n').find((l) => /^f +complete /.test(l));
    expect(row).toContain(`${REASON}; commit them, then run \`baton verify f\``);
    // The very words integrate gives, from the same rule.
    const predict = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(predict.stderr).toContain(
      `not merged: f (complete: ${REASON}; commit them, then run \`baton verify f\`)`,
    );

    // Committed and verified again: no warning, and the row is back to its last event.
    repo.git('-C', wt, 'commit', '-qam', 'f says good');
    const again = await runBaton(['verify', 'f'], { cwd: repo.root });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('warning');
    const clean = await runBaton(['status', '--no-disk'], { cwd: repo.root });
    expect(clean.stdout).not.toContain('not committed');
  });
});

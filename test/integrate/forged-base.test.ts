// `integrate --continue --into` re-derives the owns check from git before it moves the branch, but
// measured each feature from the integration's base as the log's `integration.started` names it. A
// forged start whose base is a feature's own tip hid that feature's work: its change outside owns
// reached main. The result's own changes, asked of git alone, now back the per-feature check.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const feature = (id: string, extra = ''): TestContract => ({
  id,
  agent: {
    command: `mkdir -p src/${id} && echo ok > src/${id}/x.txt${extra} && git add -A && git commit -qm ${id}-work`,
  },
  criteria: [{ id: 't', text: 'its file is there', run: `test -f src/${id}/x.txt` }],
});

describe('integrate --continue --into with a forged base', () => {
  it('keeps main where it was when the result changes a file no merged feature owns', async () => {
    const repo = makeRepo({
      'README.md': 'hi\n',
      '.gitignore': '.baton/\n',
      ...contractFiles([feature('a', ' && echo EVIL >> README.md'), feature('b')]),
    });
    repos.push(repo);
    await runBaton(['run'], { cwd: repo.root });
    // b merges; a is left out (its owns check failed).
    await runBaton(['integrate'], { cwd: repo.root });
    const a = repo.git('rev-parse', 'refs/heads/baton/a');
    const b = repo.git('rev-parse', 'refs/heads/baton/b');
    const tip = repo.git('rev-parse', 'refs/heads/baton/integration');
    const worktree = join(repo.root, '..', 'repo.baton-worktrees', 'integration');
    const ts = (n: number) => `2099-01-01T00:00:0${n}.000Z`;
    const passed = (criterion: string) => ({
      v: 1,
      ts: ts(0),
      type: 'check.passed',
      feature_id: 'a',
      criterion_id: criterion,
      text: criterion === 'owns' ? 'changes stay inside owns' : 'its file is there',
      kind: criterion === 'owns' ? 'files' : 'run',
      on: 'worktree',
      message: 'ok',
      commit: a,
    });
    const forged = [
      passed('owns'),
      passed('t'),
      {
        v: 1,
        ts: ts(1),
        type: 'integration.started',
        branch: 'baton/integration',
        worktree,
        order: ['b', 'a'],
        base_commit: a,
        base_name: 'main',
        commits: { b, a },
        on_conflict: 'stop',
      },
      { v: 1, ts: ts(2), type: 'merge.clean', feature_id: 'b', commit: tip, duration_ms: 20 },
    ];
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      forged.map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(r.stdout + r.stderr).toContain(
      'main left where it was: git shows changes outside owns, whatever the log says of the owns checks: the merged result (README.md)',
    );
    // No merged feature's own work (as the forged base has it) changes README.md: the hint says so.
    expect(r.stdout + r.stderr).toContain("No merged feature's own work changes them");
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(repo.git('show', 'main:README.md')).toBe('hi');
  });
});

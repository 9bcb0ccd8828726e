// A user's sparse main checkout is not copied into Baton's worktrees: `git worktree add` copies sparse
// checkout into each new worktree, whose files outside the patterns would then be skip-worktree (every
// criterion refused as hidden entries) and whose `config.worktree`, written by Baton's own add, would
// be reported as an escape. Baton's worktrees are full checkouts, and their admin files Baton's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyFeature } from '../../src/checks/verify.js';
import { criterion, makeContract, makeProject } from '../checks/rig.js';
import { logEvents, ownFileFeatures } from '../integrate/fixture.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const worktreeOf = (r: TempRepo, id: string) => join(r.root, '..', 'repo.baton-worktrees', id);

describe('a sparse main checkout', () => {
  it('gives full feature and integration worktrees, checks that run, and no escape for Baton’s own worktree config', async () => {
    repo = ownFileFeatures(['a']);
    repo.commit('docs', { 'docs/y.md': 'y\n' });
    repo.git('sparse-checkout', 'set', 'src', 'specs');
    expect(existsSync(join(repo.root, 'docs/y.md'))).toBe(false);

    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('hidden from git status');
    const wt = worktreeOf(repo, 'a');
    expect(existsSync(join(wt, 'docs/y.md'))).toBe(true);
    expect(repo.git('-C', wt, 'ls-files', '-t', 'docs/y.md')).toBe('H docs/y.md');
    expect(logEvents(repo).filter((e) => e.type === 'feature.escaped')).toEqual([]);
    const status = await runBaton(['status'], { cwd: repo.root });
    expect(status.stdout).not.toContain('escapes');

    const i = await runBaton(['integrate'], { cwd: repo.root });
    expect(i.code, i.stdout + i.stderr).toBe(0);
    expect(existsSync(join(worktreeOf(repo, 'integration'), 'docs/y.md'))).toBe(true);
    // The user's own checkout stays as sparse as it was.
    expect(existsSync(join(repo.root, 'docs/y.md'))).toBe(false);
  });

  it('names sparse checkout as the cause when it hides a worktree’s files from the checks', async () => {
    repo = makeRepo({ 'test/a.sh': 'exit 0\n', 'docs/y.md': 'y\n' });
    repo.git('sparse-checkout', 'set', 'test');
    const project = makeProject();
    const report = await verifyFeature({
      contract: makeContract('a', [criterion({ id: 'gate', text: 'tests pass', run: 'sh test/a.sh' })]),
      cwd: repo.root,
      on: 'worktree',
      port: 41000,
      config: project.config,
      logPath: project.logPath,
      checked: { commit: repo.git('rev-parse', 'HEAD').trim() },
    });
    expect(report.failures[0]?.message).toContain(
      'docs/y.md hidden from git status (skip-worktree: this worktree has sparse checkout on)',
    );
    expect(report.failures[0]?.message).toContain(`git -C ${repo.root} sparse-checkout disable`);
  });
});

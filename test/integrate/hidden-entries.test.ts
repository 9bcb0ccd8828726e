// A test command that hides a tracked file from git status (assume-unchanged, skip-worktree) and
// rewrites it fails like one that leaves it changed in sight, naming the file and its flag; a later
// integration that resets Baton's worktree clears the flags and puts the files back, and an
// integration worktree with sparse checkout on keeps working (its skip-worktree bits are sparse's).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { logEvents, projectRepo } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const integration = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');
const lastEnd = (r: TempRepo) => logEvents(r).findLast((e) => e.type === 'integration.ended');
const HIDE_AND_REWRITE =
  'git update-index --assume-unchanged src/a/index.ts && echo changed > src/a/index.ts && ' +
  'git update-index --skip-worktree .gitignore && echo changed > .gitignore';

describe('a test command that hides tracked files from git status', () => {
  it('fails the test run, naming each file and its flag', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const r = await runBaton(['integrate', '--test', HIDE_AND_REWRITE], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      'Tests failed after merging a (merge 1 of 2): exit 0; the test command left index entries',
    );
    expect(r.stdout).toContain('.gitignore (skip-worktree)');
    expect(r.stdout).toContain('src/a/index.ts (assume-unchanged)');
    expect(r.stdout).toContain('update-index --no-skip-worktree -- .gitignore src/a/index.ts');
    const tested = logEvents(repo).filter((e) => e.type === 'integration.tested');
    expect(tested).toMatchObject([
      {
        after_feature: 'a',
        passed: false,
        reason: expect.stringContaining('src/a/index.ts (assume-unchanged)'),
      },
    ]);
    expect(lastEnd(repo)).toMatchObject({ outcome: 'tests-failed' });
  });

  it('--fresh clears the flags in the integration worktree and checks the files out again', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const first = await runBaton(['integrate', '--test', HIDE_AND_REWRITE], { cwd: repo.root });
    expect(first.code, first.stdout + first.stderr).toBe(1);
    const wt = integration(repo);

    const r = await runBaton(['integrate', '--fresh', '--test', 'true'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('put back .gitignore, src/a/index.ts in the integration worktree');
    expect(repo.git('-C', wt, 'ls-files', '-v', '--', '.gitignore', 'src/a/index.ts')).toBe(
      'H .gitignore\nH src/a/index.ts',
    );
    expect(readFileSync(join(wt, 'src/a/index.ts'), 'utf8')).toBe('// a\n');
    expect(readFileSync(join(wt, '.gitignore'), 'utf8')).toBe('.baton/\n');
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
  });

  it('without --fresh, the worktree is refused as it is (nothing cleared), naming each file and its flag', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const first = await runBaton(['integrate', '--test', HIDE_AND_REWRITE], { cwd: repo.root });
    expect(first.code, first.stdout + first.stderr).toBe(1);

    const r = await runBaton(['integrate', '--test', 'true'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('has index entries that hide files from git status');
    expect(r.stderr).toContain('src/a/index.ts (assume-unchanged)');
    expect(r.stderr).toContain('[integrate/worktree-dirty]');
    expect(repo.git('-C', integration(repo), 'ls-files', '-v', '--', 'src/a/index.ts')).toBe(
      'h src/a/index.ts',
    );
  });
});

describe('an integration worktree with sparse checkout on', () => {
  it('integrates again: sparse checkout’s own skip-worktree entries are neither changes nor cleared', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const first = await runBaton(['integrate', 'a'], { cwd: repo.root });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const wt = integration(repo);
    repo.git('-C', wt, 'sparse-checkout', 'set', '--no-cone', '/src/');
    expect(repo.git('-C', wt, 'ls-files', '-v', '--', '.gitignore')).toBe('S .gitignore');

    const r = await runBaton(['integrate', '--fresh', '--test', 'true'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('put back');
    expect(repo.git('-C', wt, 'ls-files', '-v', '--', '.gitignore')).toBe('S .gitignore');
  });
});

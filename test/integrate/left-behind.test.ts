// What ran in the integration worktree must leave it as it found it: an after-integration criterion that
// commits keeps --into from moving (checks-failed), and untracked files a test writes where a later
// merge puts its own stop the integration with a reason naming them, never a git stack trace.
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

const worktreeFile = (path: string) => join('..', 'repo.baton-worktrees', 'integration', path);
const lastEnd = (r: TempRepo) => logEvents(r).findLast((e) => e.type === 'integration.ended');

describe('after-integration criteria that change the integration', () => {
  it('ends checks-failed and moves nothing when a criterion commits', async () => {
    const gen = 'echo x > gen.txt && git add gen.txt && git commit -qm gen && true';
    repo = projectRepo([
      { id: 'a', criteria: [{ id: 'gen', text: 'generates', run: gen, after: 'integration' }] },
      { id: 'b' },
    ]);
    const mainBefore = repo.git('rev-parse', 'main');

    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      'Checks failed after integration: the after-integration criteria moved the integration branch',
    );
    expect(r.stdout).toContain('1 commit(s) Baton did not make');
    expect(r.stdout).toContain('An after-integration criterion must leave the integration as it found it');
    expect(r.stdout).toContain('main left where it was: the integration ended checks-failed');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    expect(lastEnd(repo)).toMatchObject({
      outcome: 'checks-failed',
      reason: expect.stringContaining('moved the integration branch'),
    });
  });
});

describe('untracked files in the way of a later merge', () => {
  it('fails the test run that wrote them, naming the files and the merge they block', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const test = 'mkdir -p src/b && echo t > src/b/index.ts';
    const r = await runBaton(['integrate', '--test', test], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toContain(
      'Tests failed after merging a (merge 1 of 2): exit 0; the test command left untracked files that merging baton/b would overwrite: src/b/index.ts',
    );
    expect(r.stdout).toContain('clean -f -- src/b/index.ts');
    expect(r.stdout).toContain('.gitignore');
    const tested = logEvents(repo).filter((e) => e.type === 'integration.tested');
    expect(tested).toMatchObject([
      { after_feature: 'a', passed: false, reason: expect.stringContaining('src/b/index.ts') },
    ]);
    expect(lastEnd(repo)).toMatchObject({ outcome: 'tests-failed' });
  });

  it('stops the merge git refuses over them with a one-line reason, and --continue merges once they are gone', async () => {
    repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
    const first = await runBaton(['integrate', 'a'], { cwd: repo.root });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    repo.write({ [worktreeFile('src/b/index.ts')]: 'by hand\n' });

    const r = await runBaton(['integrate', '--fresh'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toContain('    at ');
    expect(r.stderr).toContain('cannot merge baton/b: untracked files in the integration worktree');
    expect(r.stderr).toContain('src/b/index.ts [integrate/untracked-in-the-way]');
    expect(r.stderr).toContain('clean -f -- src/b/index.ts');

    repo.git('-C', join(repo.root, worktreeFile('')), 'clean', '-qf', '--', 'src/b/index.ts');
    const c = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(
      logEvents(repo)
        .filter((e) => e.type === 'merge.clean')
        .map((e) => e.feature_id),
    ).toEqual(['a', 'a', 'b']);
  });
});

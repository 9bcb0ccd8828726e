// A user who rebases (or bisects) their branch in the main checkout during or after a run: git holds
// the branch for that operation though HEAD is detached, and `git rebase --continue` fails on a branch
// moved meanwhile. Baton never moves such a branch: `--into`, and every other move (`moveBranch`).
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alphaRepo } from '../attempts/alpha-rig.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { cachedState, makeRepo, type TempRepo } from '../rig/repo.js';
import { integrationsStarted } from './fixture.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Stops an interactive rebase of the last commit at `edit`, in `dir` (the repository by default). */
const EDIT_LAST = ['-c', 'sequence.editor=sed -i 1s/^pick/edit/', 'rebase', '-q', '-i', 'HEAD~1'];

/** Feature `a` run to completion on a main with two commits of the user's: run once per test process, then copied. */
async function ranOnTwoCommits(): Promise<TempRepo> {
  const repo = await cachedState('into-in-progress:ran-on-two-commits', async () => {
    const r = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'a', agent: { command: 'mkdir -p src/a && echo a > src/a/a.txt' } }]),
    });
    r.commit('user work', { 'app.txt': 'v2\n' });
    const run = await runBaton(['run'], { cwd: r.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return r;
  });
  repos.push(repo);
  return repo;
}

describe('integrate --into a branch being rebased', () => {
  it('refuses before merging anything, and the rebase still finishes', async () => {
    const repo = await ranOnTwoCommits();
    const before = repo.git('rev-parse', 'main');
    repo.git(...EDIT_LAST);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `cannot fast-forward main: a rebase of it is in progress in ${repo.root} (finish it with git rebase --continue, or git rebase --abort) [integrate/into-in-progress]`,
    );
    expect(r.stderr).toContain(
      'hint: Finish the rebase (git rebase --continue) or abort it (git rebase --abort), then run this command again',
    );
    expect(integrationsStarted(repo)).toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(before);
    repo.git('rebase', '--continue');
    const after = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).toContain('src/a/a.txt');
  });

  it('leaves the branch where it is when the rebase began while integrate ran', async () => {
    const repo = await ranOnTwoCommits();
    const before = repo.git('rev-parse', 'main');
    // The test command, run after the merge, is the user starting the rebase in the main checkout.
    const test = `git -C '${repo.root}' -c 'sequence.editor=sed -i 1s/^pick/edit/' rebase -q -i HEAD~1`;
    const r = await runBaton(['integrate', '--into', 'main', '--test', test], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('Integration merged, main not moved');
    expect(r.stdout).toContain(
      `main left where it was: cannot fast-forward main: a rebase of it is in progress in ${repo.root}`,
    );
    // The command it names runs the integration's test again, as a bare --continue would not.
    expect(r.stdout).toMatch(
      /then run `baton integrate --continue --test '.*rebase -q -i HEAD~1' --into main`/,
    );
    expect(repo.git('rev-parse', 'main')).toBe(before);
    repo.git('rebase', '--continue');
    const promoted = await runBaton(['integrate', '--continue', '--into', 'main', '--test', 'true'], {
      cwd: repo.root,
    });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).toContain('src/a/a.txt');
  });
});

describe('integrate --into a branch with a merge under way in its checkout', () => {
  it('says so and how it ends, not to move files git never named; then moves it once concluded', async () => {
    const repo = await ranOnTwoCommits();
    repo.git('checkout', '-q', '-b', 'side', 'main~1');
    repo.commit('side work', { 'side.txt': 's\n' });
    repo.git('checkout', '-q', 'main');
    // A clean tree, yet MERGE_HEAD: git refuses any fast-forward until the merge is concluded.
    repo.git('merge', '--no-commit', '-s', 'ours', 'side');
    const before = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--into', 'main', '--test', 'true'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `main left where it was: cannot fast-forward main: a merge is in progress in ${repo.root}`,
    );
    expect(r.stdout + r.stderr).toContain(
      'Conclude it (git commit) or abort it (git merge --abort), then run `baton integrate --continue --test true --into main`',
    );
    expect(r.stdout + r.stderr).not.toContain('Move the files git names');
    expect(repo.git('rev-parse', 'main')).toBe(before);
    repo.git('merge', '--abort');
    const promoted = await runBaton(['integrate', '--continue', '--into', 'main', '--test', 'true'], {
      cwd: repo.root,
    });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).toContain('src/a/a.txt');
  });
});

describe('every move of a branch refuses one a rebase holds', () => {
  it('baton pick leaves baton/<id> to the rebase under way on it', async () => {
    const repo = alphaRepo();
    repos.push(repo);
    const run = await runBaton(['run', 'alpha', '--attempts', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const tip = repo.git('rev-parse', 'baton/alpha');
    const hand = join(repo.root, '..', 'hand');
    repo.git('worktree', 'add', '-q', hand, 'baton/alpha');
    repo.git('-C', hand, ...EDIT_LAST);
    const other = repo.git('rev-parse', 'baton/alpha.a1') === tip ? '2' : '1';
    const r = await runBaton(['pick', 'alpha', other], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(`cannot move baton/alpha: a rebase of it is in progress in ${hand}`);
    expect(r.stderr).toContain('[git/branch-in-progress]');
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(tip);
    repo.git('-C', hand, 'rebase', '--continue');
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(tip);
  });
});

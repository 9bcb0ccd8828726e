// Baton goes on from, tests and promotes only the commit it recorded on baton/integration: a commit
// made there by hand or by the test command, a reset that dropped a merge, or changes a test left in
// the worktree stop it with a reason and a hint, never reach the --into branch, never crash a merge.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import { runBaton } from '../rig/cli.js';
import { cachedRepo, makeRepo, type TempRepo } from '../rig/repo.js';
import {
  contract,
  contractFile,
  featureBranch,
  lines,
  logEvents,
  makeFourFeatures,
  projectRepo,
  recordStatus,
} from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const integrationWorktree = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');
const inWorktree = (r: TempRepo, ...args: string[]) => r.git('-C', integrationWorktree(r), ...args);

/** Two complete features, `a` and `b`, each adding a file of its own. */
const twoFeatures = () => projectRepo([{ id: 'a' }, { id: 'b' }]);

/** `twoFeatures` integrated clean without --into: the integration waits to be promoted. */
async function integratedClean(): Promise<TempRepo> {
  const r = twoFeatures();
  const first = await runBaton(['integrate'], { cwd: r.root });
  expect(first.code, first.stdout + first.stderr).toBe(0);
  return r;
}

/** The tip the last `integration.ended` recorded. */
const recordedTip = (r: TempRepo) => logEvents(r).findLast((e) => e.type === 'integration.ended')?.commit;

/**
 * Two complete features that merge cleanly yet both edit `shared.txt` (a line 1, b line 10): a change a
 * test leaves in shared.txt makes git refuse b's merge.
 */
function sharedFileFeatures(): TempRepo {
  const contracts = [contract('a', { owns: ['shared.txt'] }), contract('b', { owns: ['shared.txt'] })];
  const r = cachedRepo('recorded-tip:shared', () => {
    const built = makeRepo({
      '.gitignore': '.baton/\n',
      'shared.txt': lines(10),
      ...Object.fromEntries(contracts.map((c) => [`specs/${c.feature_id}/contract.md`, contractFile(c)])),
    });
    featureBranch(built, 'a', { 'shared.txt': lines(10, { 1: 'a' }) });
    featureBranch(built, 'b', { 'shared.txt': lines(10, { 10: 'b' }) });
    recordStatus(built, ['a', 'b']);
    return built;
  });
  return r;
}

describe('integrate --continue goes on only from the commit Baton recorded', () => {
  // One clean integration for the three refusals, each from the recorded tip and put back after it
  // (each used to integrate on its own); the promotion comes last.
  it('refuses to go on over uncommitted changes in the integration worktree; refuses to promote a branch reset below the merges it recorded, naming what is missing; refuses to promote a commit made by hand on baton/integration, and promotes once it is put back', async () => {
    repo = await integratedClean();
    const recorded = recordedTip(repo);
    const mainBefore = repo.git('rev-parse', 'main');

    // Uncommitted changes in the integration worktree.
    repo.write({ [join('..', 'repo.baton-worktrees', 'integration', '.gitignore')]: 'changed\n' });
    const dirty = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(dirty.code).toBe(1);
    expect(dirty.stderr).toContain('[integrate/worktree-dirty]');
    expect(dirty.stderr).toContain('uncommitted changes: .gitignore');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    inWorktree(repo, 'checkout', '--', '.gitignore');
    expect(inWorktree(repo, 'status', '--porcelain')).toBe('');

    // The branch reset below the merges it recorded.
    inWorktree(repo, 'reset', '-q', '--hard', 'HEAD~1');
    const below = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(below.code).toBe(1);
    expect(below.stderr).toContain('[integrate/branch-moved]');
    expect(below.stderr).toContain('without 2 commit(s) Baton recorded');
    expect(below.stderr).toContain('Merge baton/b');
    expect(below.stdout).not.toContain('merged');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    inWorktree(repo, 'reset', '-q', '--hard', recorded ?? '');

    // A commit made by hand on it.
    repo.write({ [join('..', 'repo.baton-worktrees', 'integration', 'junk.txt')]: 'junk\n' });
    inWorktree(repo, 'add', 'junk.txt');
    inWorktree(repo, 'commit', '-qm', 'junk by hand');
    const refused = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[integrate/branch-moved]');
    expect(refused.stderr).toContain('1 commit(s) Baton did not make');
    expect(refused.stderr).toContain('junk by hand');
    expect(refused.stderr).toContain(`reset --hard ${recorded?.slice(0, 12)}`);
    expect(refused.stderr).toContain('run `baton integrate --continue --into main` again');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);

    inWorktree(repo, 'reset', '-q', '--hard', recorded ?? '');
    const promoted = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(recorded);
  });
});

describe('a test command that changes the integration', () => {
  it('stops the integration when the test commits, and moves no branch', async () => {
    repo = twoFeatures();
    const mainBefore = repo.git('rev-parse', 'main');
    const test = 'echo x >> gen.txt && git add gen.txt && git commit -qm "gen by test"';

    const r = await runBaton(['integrate', '--into', 'main', '--test', test], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'Tests failed after merging a (merge 1 of 2): exit 0; the test command moved the integration branch',
    );
    expect(r.stdout).toContain('gen by test');
    expect(r.stdout).toContain('A test must leave the integration as it found it');
    // The start over it offers runs that test again and moves main, as this one was to.
    expect(r.stdout).toContain(
      `then start over with \`baton integrate --fresh --test ${printableArg(test)} --into main\``,
    );
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    const tested = logEvents(repo).filter((e) => e.type === 'integration.tested');
    expect(tested).toMatchObject([{ after_feature: 'a', passed: false, exit_code: 0 }]);
    expect(tested[0]).toHaveProperty('reason', expect.stringContaining('moved the integration branch'));
    expect(logEvents(repo).findLast((e) => e.type === 'integration.ended')).toMatchObject({
      outcome: 'tests-failed',
    });
  });

  it('stops with a reason, not a crash, when the test leaves changes to tracked files', async () => {
    repo = sharedFileFeatures();
    const r = await runBaton(['integrate', '--test', 'echo gen >> shared.txt'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toContain('the test command left changes to tracked files in: shared.txt');
    expect(r.stdout).toContain('reset --hard');
    const events = logEvents(repo);
    expect(events.filter((e) => e.type === 'merge.clean').map((e) => e.feature_id)).toEqual(['a']);
    expect(events.findLast((e) => e.type === 'integration.ended')).toMatchObject({ outcome: 'tests-failed' });

    // status and doctor say it as integrate did ("Put" where doctor starts its hint): put the worktree back and fix the test command,
    // never "fix it on baton/a": a's own work is not what failed.
    const merged = events.find((e) => e.type === 'merge.clean')?.commit as string;
    const wt = integrationWorktree(repo);
    for (const cmd of ['status', 'doctor']) {
      const said = await runBaton([cmd], { cwd: repo.root });
      const out = said.stdout + said.stderr;
      expect(out, cmd).toContain(
        'tests after merging a: the test command left changes to tracked files in: shared.txt',
      );
      expect(out, cmd).toContain(
        `ut it back (git -C ${printableArg(wt)} reset --hard ${merged.slice(0, 12)}), fix the test command`,
      );
      expect(out, cmd).toContain(
        `then start over with \`baton integrate --fresh --test 'echo gen >> shared.txt'\``,
      );
      expect(out, cmd).not.toContain('fix it on baton/a');
    }

    // Nothing to continue: a fresh start refuses the leftover changes until they are discarded.
    const fresh = await runBaton(['integrate', '--fresh'], { cwd: repo.root });
    expect(fresh.stderr).toContain('[integrate/worktree-dirty]');
    inWorktree(repo, 'reset', '-q', '--hard');
    const again = await runBaton(['integrate', '--fresh', '--test', 'true'], { cwd: repo.root });
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
});

describe('integrate --continue after a conflict', () => {
  it('refuses to commit a resolution while changes are left out of it, so no test is blamed for them', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    const stop = await runBaton(['integrate', 'a', 'b', '--test', 'true'], { cwd: repo.root });
    expect(stop.code).toBe(1);
    const wt = integrationWorktree(repo);
    repo.write({
      [join('..', 'repo.baton-worktrees', 'integration', 'src/routes.ts')]: lines(20, { 10: 'a and b' }),
    });
    inWorktree(repo, 'add', 'src/routes.ts');
    repo.write({ [join('..', 'repo.baton-worktrees', 'integration', '.gitignore')]: 'stray edit\n' });

    const refused = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'changes not added to the merge of baton/b: .gitignore [integrate/unstaged]',
    );
    expect(refused.stderr).toContain(`checkout -- .gitignore`);
    expect(repo.git('-C', wt, 'rev-parse', '-q', '--verify', 'MERGE_HEAD')).not.toBe('');

    inWorktree(repo, 'checkout', '--', '.gitignore');
    const c = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
  });
});

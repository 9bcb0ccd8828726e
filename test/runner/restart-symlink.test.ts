// @module-tag slow
/**
 * The folder where a feature's worktree goes is the user's to change: a resume reuses it, and
 * `--restart` moves its branch, only once it is proven to be this repository's worktree of that
 * branch. A symlink put there (to the main checkout, say) or another repository is refused before
 * anything changes, so the user's branch, files and uncommitted changes are left as they were.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { proveFeatureWorktree } from '../../src/git/worktree-proof.js';
import { expectErrorLine } from '../adversarial/rig.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, okCheckedFeature } from '../rig/contracts.js';
import { cachedState, makeRepo, type TempRepo } from '../rig/repo.js';
import { events, tempRepos } from './repo-rig.js';

const { kept } = tempRepos();

const worktreeOf = (repo: TempRepo) => join(repo.root, '..', 'repo.baton-worktrees', 'alpha');

/**
 * A repository where `alpha` ran and failed its check, then the user committed on main: the commit
 * before it. The run is made once per test process, each test gets a copy of what it left.
 */
async function afterRun(): Promise<{ repo: TempRepo; older: string }> {
  const repo = kept(
    await cachedState('restart-symlink:alpha failed its check, then a commit on main', async () => {
      const built = makeRepo({ 'README.md': '# app\n', ...contractFiles([okCheckedFeature('alpha', 'C')]) });
      expect((await runBaton(['run', 'alpha'], { cwd: built.root })).code).toBe(1);
      built.commit('the user’s own work', { 'notes.txt': 'mine\n' });
      return built;
    }),
  );
  return { repo, older: repo.git('rev-parse', 'HEAD^') };
}

/** What must not change in the main checkout: its branch, its files, its status. */
function mainCheckout(repo: TempRepo): { head: string; notes: string; readme: string; status: string } {
  return {
    head: repo.git('rev-parse', 'refs/heads/main'),
    notes: existsSync(join(repo.root, 'notes.txt'))
      ? readFileSync(join(repo.root, 'notes.txt'), 'utf8')
      : '(gone)',
    readme: readFileSync(join(repo.root, 'README.md'), 'utf8'),
    status: repo.git('status', '--porcelain', '--untracked-files=all'),
  };
}

const restart = (older: string) => [
  'run',
  '--resume',
  '--no-verify',
  '--restart',
  'alpha',
  '--base',
  older,
  'alpha',
];

describe('--resume --restart through a worktree folder that is not the feature’s worktree', () => {
  it.each([
    ['with nothing uncommitted in it', false, true],
    ['with uncommitted changes in it', true, true],
    ['without --restart (its agent would work in it)', false, false],
  ])(
    'refuses a symlink to the main checkout %s, and leaves main’s branch, files and changes alone',
    async (_, dirty, restarting) => {
      const { repo, older } = await afterRun();
      const wt = worktreeOf(repo);
      renameSync(wt, `${wt}.aside`);
      symlinkSync(repo.root, wt);
      if (dirty) {
        writeFileSync(join(repo.root, 'README.md'), '# edited, not committed\n');
        writeFileSync(join(repo.root, 'draft.txt'), 'untracked\n');
      }
      const before = mainCheckout(repo);
      const tip = repo.git('rev-parse', 'baton/alpha');
      const logged = events(repo).length;
      const args = restarting ? restart(older) : ['run', '--resume', '--no-verify', 'alpha'];
      const r = await runBaton(args, { cwd: repo.root });
      expect(mainCheckout(repo)).toEqual(before);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(expectErrorLine(r.stderr, 'run/worktree-symlink')).toContain(wt);
      expect(r.stderr).toMatch(/^hint: Move it away/m);
      // Never a hint to commit the main checkout's changes through the link.
      expect(r.stderr).not.toContain(`git -C ${wt}`);
      expect(repo.git('rev-parse', 'baton/alpha')).toBe(tip);
      expect(repo.git('for-each-ref', 'refs/baton')).toBe('');
      expect(events(repo)).toHaveLength(logged);
      if (dirty) expect(readFileSync(join(repo.root, 'draft.txt'), 'utf8')).toBe('untracked\n');
    },
  );

  it('refuses another repository put where the worktree goes (a clone on the feature’s branch), leaving both alone', async () => {
    const { repo, older } = await afterRun();
    const wt = worktreeOf(repo);
    renameSync(wt, `${wt}.aside`);
    execFileSync('git', ['clone', '-q', '-b', 'baton/alpha', repo.root, wt]);
    const cloneTip = execFileSync('git', ['-C', wt, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const before = mainCheckout(repo);
    const tip = repo.git('rev-parse', 'baton/alpha');
    const r = await runBaton(restart(older), { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(expectErrorLine(r.stderr, 'run/worktree-not-ours')).toContain(wt);
    expect(mainCheckout(repo)).toEqual(before);
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(tip);
    expect(execFileSync('git', ['-C', wt, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()).toBe(cloneTip);
  });

  it('restarts the real worktree as before: the branch moved to the base, the dropped tip kept, the worktree at the base', async () => {
    const { repo, older } = await afterRun();
    const wt = worktreeOf(repo);
    const tip = repo.git('rev-parse', 'baton/alpha');
    const before = mainCheckout(repo);
    const r = await runBaton(restart(older), { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(repo.git('rev-parse', `refs/baton/restart-backup/alpha/${tip}`)).toBe(tip);
    expect(repo.git('rev-list', `${older}..baton/alpha`).split('\n')).not.toContain(tip);
    expect(repo.git('merge-base', older, 'baton/alpha')).toBe(older);
    expect(existsSync(join(wt, 'notes.txt'))).toBe(false);
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
    expect(mainCheckout(repo)).toEqual(before);
  });
});

describe('proveFeatureWorktree', () => {
  it('proves the feature’s own worktree, and refuses a copy of it elsewhere and one on another branch', async () => {
    const { repo } = await afterRun();
    const wt = worktreeOf(repo);
    await expect(proveFeatureWorktree(repo.root, wt, 'baton/alpha')).resolves.toMatchObject({
      path: wt,
      branch: 'baton/alpha',
    });
    // A copy's `.git` file names the worktree's git folder, which names the original folder.
    const copy = `${wt}.copy`;
    cpSync(wt, copy, { recursive: true });
    await expect(proveFeatureWorktree(repo.root, copy, 'baton/alpha')).rejects.toMatchObject({
      code: 'run/worktree-not-ours',
      message: expect.stringContaining('belongs to another folder'),
    });
    repo.git('-C', wt, 'checkout', '-q', '-b', 'elsewhere');
    await expect(proveFeatureWorktree(repo.root, wt, 'baton/alpha')).rejects.toMatchObject({
      code: 'run/worktree-not-ours',
      message: expect.stringContaining('its HEAD is refs/heads/elsewhere'),
    });
    await expect(proveFeatureWorktree(repo.root, repo.root, 'main')).rejects.toMatchObject({
      code: 'run/worktree-not-ours',
    });
  });
});

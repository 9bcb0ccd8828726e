import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBin } from '../adversarial/rig.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { addFeatureWorktree, batonBranches, commitIn, projectRepo, worktreePath } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A repo with feature `a` whose one commit is on `baton/a` only. */
function unmergedFeature(): TempRepo {
  const r = projectRepo(['a']);
  commitIn(r, addFeatureWorktree(r, 'a'), 'a work', { 'src/a/index.ts': 'a\n' });
  return r;
}

describe('baton clean: what "merged" is judged against', () => {
  it('refuses to judge against a main checkout on a detached HEAD (at a feature branch): nothing is removed', async () => {
    repo = unmergedFeature();
    repo.git('checkout', '-q', '--detach', 'baton/a');
    for (const args of [['clean'], ['clean', '--dry-run'], ['clean', '--force']]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        `your main checkout ${repo.root} is on a detached HEAD, not on your base branch: clean cannot tell what is merged [clean/no-base]`,
      );
      expect(r.stderr).toContain(
        'hint: Check out your own branch there (git switch <branch>), or pass --base <branch>.',
      );
    }
    expect(batonBranches(repo)).toEqual(['baton/a']);
    expect(existsSync(worktreePath(repo, 'a'))).toBe(true);

    // A base named on the command line is judged against: a's commit is not in main.
    const named = await runBaton(['clean', '--base', 'main'], { cwd: repo.root });
    expect(named.code).toBe(1);
    expect(named.stdout).toMatch(/^ {2}a {2}1 commit not merged into main$/m);
    expect(batonBranches(repo)).toEqual(['baton/a']);
  });

  it('refuses to judge against a main checkout on an orphan branch, rather than count every commit as not merged', async () => {
    repo = unmergedFeature();
    repo.git('checkout', '-q', '--orphan', 'scratch');
    for (const args of [['clean'], ['clean', '--merged']]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        `your main checkout ${repo.root} is not on your base branch: HEAD is on scratch, a branch with no commit yet (an orphan branch); clean cannot tell what is merged [clean/no-base]`,
      );
      expect(r.stderr).toContain('or name one as the base: --base <branch>.');
    }
    expect(batonBranches(repo)).toEqual(['baton/a']);
    const named = await runBaton(['clean', '--base', 'main'], { cwd: repo.root });
    expect(named.stdout).toMatch(/^ {2}a {2}1 commit not merged into main$/m);
  });

  it('mid-rebase of the main checkout, says so and how to end it rather than to switch branches', async () => {
    repo = unmergedFeature();
    repo.commit('user work', { 'app.txt': 'v2\n' });
    repo.git('-c', 'sequence.editor=sed -i 1s/^pick/edit/', 'rebase', '-q', '-i', 'HEAD~1');
    const r = await runBaton(['clean', '--dry-run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `your main checkout ${repo.root} is on a detached HEAD because a rebase of main is in progress in ${repo.root} (finish it with git rebase --continue, or git rebase --abort): clean cannot tell what is merged until it ends [clean/no-base]`,
    );
    expect(r.stderr).toContain(
      'hint: Finish the rebase (git rebase --continue) or abort it (git rebase --abort) first, or pass --base main.',
    );
    expect(r.stderr).not.toContain('git switch');
    const named = await runBaton(['clean', '--dry-run', '--base', 'main'], { cwd: repo.root });
    expect(named.stdout).toMatch(/^ {2}a {2}1 commit not merged into main$/m);
  });

  it('refuses to judge against baton/integration checked out in the main checkout; a configured base is used instead', async () => {
    repo = unmergedFeature();
    // An integration that never passed holds a's work: a is merged only there.
    repo.git('worktree', 'remove', '--force', worktreePath(repo, 'a'));
    repo.git('branch', 'baton/integration', 'baton/a');
    repo.git('checkout', '-q', 'baton/integration');
    const r = await runBaton(['clean', '--dry-run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('is on baton/integration, a Baton branch, not on your base branch');
    expect(r.stderr).toContain('[clean/no-base]');

    writeFileSync(join(repo.root, 'baton.config.json'), '{"base":"main"}\n');
    const configured = await runBaton(['clean'], { cwd: repo.root });
    expect(configured.code).toBe(1);
    expect(configured.stdout).toMatch(/^ {2}a {2}1 commit not merged into main$/m);
    expect(batonBranches(repo)).toEqual(['baton/a', 'baton/integration']);
  });

  it('with nothing to clean, a detached main checkout is not an error', async () => {
    repo = projectRepo(['a']);
    repo.git('checkout', '-q', '--detach');
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to clean');
  });

  it('says a named base that does not exist does not exist, for a merged branch too', async () => {
    repo = projectRepo(['a']);
    addFeatureWorktree(repo, 'a'); // nothing beyond main: merged
    writeFileSync(join(repo.root, 'baton.config.json'), '{"base":"master"}\n');
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'the base "master" is not a commit in this repository: clean cannot tell what is merged into it [clean/bad-base]',
    );
    expect(r.stderr).toContain(
      'hint: Name an existing branch: --base <branch>, or "base" in baton.config.json',
    );
    expect(r.stdout).not.toContain('no base to compare with');
    expect(batonBranches(repo)).toEqual(['baton/a']);
    const flag = await runBaton(['clean', '--base', 'nope'], { cwd: repo.root });
    expect(flag.stderr).toContain('the base "nope" is not a commit in this repository');
    // --base overrides the config's.
    const ok = await runBaton(['clean', '--base', 'main'], { cwd: repo.root });
    expect(ok.code, ok.stderr).toBe(0);
    expect(batonBranches(repo)).toEqual([]);
  });

  it('names the config file read (baton.yaml) in the hints for a bad base, from clean and verify alike', async () => {
    repo = projectRepo(['a']);
    addFeatureWorktree(repo, 'a');
    writeFileSync(join(repo.root, 'baton.yaml'), 'base: mian\n');
    const clean = await runBaton(['clean'], { cwd: repo.root });
    expect(clean.stderr).toContain('hint: Name an existing branch: --base <branch>, or "base" in baton.yaml');
    const verify = await runBaton(['verify'], { cwd: repo.root });
    expect(verify.stderr).toContain('[verify/no-base]');
    expect(verify.stderr).toContain('hint: Set `base` in baton.yaml to an existing branch, or commit once.');
    writeFileSync(join(repo.root, 'baton.yaml'), 'base: baton/a\n');
    const baton = await runBaton(['clean'], { cwd: repo.root });
    expect(baton.stderr).toContain('[clean/bad-base]');
    expect(baton.stderr).toContain('--base <branch>, or "base" in baton.yaml (git branch lists them).');
    for (const r of [clean, verify, baton]) expect(r.stderr).not.toContain('baton.config.json');
  });
});

describe('baton clean: a branch a rebase or a bisect is under way on', () => {
  it('refuses, even with --force, a feature branch rebased in its worktree (HEAD detached meanwhile)', async () => {
    repo = projectRepo(['b']);
    const b = addFeatureWorktree(repo, 'b');
    commitIn(repo, b, 'b work', { 'src/b/index.ts': 'b\n' });
    repo.git('merge', '-q', 'baton/b');
    repo.git('-C', b, '-c', 'sequence.editor=sed -i s/^pick/edit/', 'rebase', '-q', '-i', 'HEAD~1');
    const more = commitIn(repo, b, 'more', { 'src/b/more.ts': 'more\n' });
    for (const args of [
      ['clean', 'b'],
      ['clean', '--force', 'b'],
    ]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toMatch(
        /^ {2}b {2}a rebase of it is in progress in .*repo\.baton-worktrees\/b \(finish it with git rebase --continue, or git rebase --abort\)$/m,
      );
      expect(r.stdout).not.toContain('hint:');
    }
    expect(batonBranches(repo)).toEqual(['baton/b']);
    repo.git('-C', b, 'rebase', '--continue');
    expect(repo.git('rev-parse', 'baton/b')).toBe(more);
  });

  it('refuses a feature branch a bisect was started on', async () => {
    repo = projectRepo(['b']);
    const b = addFeatureWorktree(repo, 'b');
    commitIn(repo, b, 'one', { 'one.txt': '1\n' });
    commitIn(repo, b, 'two', { 'two.txt': '2\n' });
    repo.git('merge', '-q', 'baton/b');
    repo.git('-C', b, 'bisect', 'start', 'HEAD', 'HEAD~2');
    const r = await runBaton(['clean', 'b'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}b {2}a bisect begun on it is in progress in .*\(git bisect reset ends it\)$/m,
    );
    expect(batonBranches(repo)).toEqual(['baton/b']);
  });

  it("reads no FIFO an agent put among its worktree's git files: it cleans a merged feature instead of hanging", async () => {
    repo = projectRepo(['b']);
    const b = addFeatureWorktree(repo, 'b');
    commitIn(repo, b, 'b work', { 'src/b/index.ts': 'b\n' });
    repo.git('merge', '-q', 'baton/b');
    const gitDir = repo.git('-C', b, 'rev-parse', '--absolute-git-dir');
    execFileSync('mkfifo', [join(gitDir, 'BISECT_START')]);
    // As a process with a deadline: a read blocked on the FIFO would block a test run in-process for good.
    const r = runBin(['clean', 'b'], { cwd: repo.root, timeoutMs: 15_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(batonBranches(repo)).toEqual([]);
  });
});

describe('baton clean --force', () => {
  it('keeps the tip of a branch it discards with unmerged commits under refs/baton/clean-backup/, and prints it with the command that restores it', async () => {
    repo = unmergedFeature();
    const tip = repo.git('rev-parse', 'baton/a');
    const r = await runBaton(['clean', '--force'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `branch baton/a; its tip ${tip} is kept as refs/baton/clean-backup/a/${tip} (git branch baton/a ${tip} restores it) — forced, discarding: 1 commit not merged into main`,
    );
    expect(batonBranches(repo)).toEqual([]);
    expect(repo.git('rev-parse', `refs/baton/clean-backup/a/${tip}`)).toBe(tip);
    repo.git('branch', 'baton/a', tip);
    expect(repo.git('log', '-1', '--format=%s', 'baton/a')).toBe('a work');
  });
});

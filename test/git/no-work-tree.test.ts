import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBaton, runBatonProcess } from '../rig/cli.js';

describe('a repository without a checkout', () => {
  it('in a bare repository says it is bare and needs a checkout, not "run git init"', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bare-')));
    try {
      execFileSync('git', ['init', '-q', '--bare', join(dir, 'b.git')]);
      for (const args of [['init'], ['new', 'x'], ['lint'], ['status']]) {
        const res = await runBaton(args, { cwd: join(dir, 'b.git') });
        expect(res.code).toBe(1);
        expect(res.stderr).toContain(
          `baton: ${join(dir, 'b.git')} is a bare git repository: it has no checkout, and Baton works in one [git/bare-repo]`,
        );
        expect(res.stderr).toContain(`\`git clone '${join(dir, 'b.git')}' <new folder>\``);
        expect(res.stderr).not.toContain('git init');
      }
      // The hint leads to a checkout Baton works in, the repository empty as it is.
      execFileSync('git', ['clone', '-q', join(dir, 'b.git'), join(dir, 'app')], { stdio: 'ignore' });
      expect((await runBaton(['init', '--agent', 'demo'], { cwd: join(dir, 'app') })).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in a worktree of a bare repository says it has no main checkout and to clone it, in every command and in doctor', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-bare-wt-')));
    try {
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
      git('init', '-q', '-b', 'main', 'src');
      git(
        '-C',
        'src',
        '-c',
        'user.name=u',
        '-c',
        'user.email=u@x',
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        'init',
      );
      git('clone', '-q', '--bare', 'src', 'shop.git');
      git('-C', 'shop.git', 'worktree', 'add', '-q', join(dir, 'app'), 'main');
      const app = join(dir, 'app');
      const line = `${app} is a linked worktree of the bare repository ${join(dir, 'shop.git')}, which has no main checkout [git/no-main-checkout]`;
      const clone = `\`git clone '${join(dir, 'shop.git')}' <new folder>\``;
      for (const args of [['init', '--agent', 'demo'], ['lint']]) {
        const res = await runBaton(args, { cwd: app });
        expect(res.code).toBe(1);
        expect(res.stderr).toContain(`baton: ${line}`);
        expect(res.stderr).toContain(clone);
        expect(res.stderr).not.toContain('Run Baton in the main checkout');
      }
      // Doctor: its checks, the repository one failed with that error, not a bare error line.
      const doctor = await runBaton(['doctor', '--json'], { cwd: app });
      expect(doctor.code).toBe(1);
      const checks = (
        JSON.parse(doctor.stdout) as {
          checks: { name: string; status: string; detail: string; hint?: string }[];
        }
      ).checks;
      expect(checks.map((c) => c.name).slice(0, 4)).toEqual(['git', 'node', 'temp folder', 'repository']);
      expect(checks.find((c) => c.name === 'repository')).toMatchObject({
        status: 'fail',
        detail: line,
        hint: expect.stringContaining(clone),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("inside a checkout's .git folder says to run from the checkout", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-gitdir-')));
    try {
      execFileSync('git', ['init', '-q', join(dir, 'app')]);
      const res = await runBaton(['lint'], { cwd: join(dir, 'app', '.git') });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        `is inside the git folder ${join(dir, 'app', '.git')}, not in a checkout [git/inside-git-dir]`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("in another user's repository passes on git's refusal and its safe.directory fix, in every command and in doctor", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'baton-owner-')));
    try {
      const app = join(dir, 'app');
      execFileSync('git', ['init', '-q', app]);
      // What git sees as root on a checkout owned by another user (Docker bind mounts, WSL).
      const env = { GIT_TEST_ASSUME_DIFFERENT_OWNER: '1', GIT_CONFIG_GLOBAL: join(dir, 'gitconfig') };
      const line = `git refuses the repository at ${app}: it is owned by another user than the one running baton (git's "dubious ownership" check) [git/dubious-ownership]`;
      const fix = `\`git config --global --add safe.directory '${app}'\``;
      for (const args of [['status'], ['init', '--agent', 'demo'], ['lint'], ['dashboard']]) {
        const res = runBatonProcess(args, { cwd: app, env });
        expect(res.code).toBe(1);
        expect(res.stderr).toContain(`baton: ${line}`);
        expect(res.stderr).toContain(fix);
        expect(res.stderr).not.toContain('git init');
      }
      const doctor = runBatonProcess(['doctor', '--json'], { cwd: app, env });
      const checks = (
        JSON.parse(doctor.stdout) as { checks: { name: string; detail: string; hint?: string }[] }
      ).checks;
      expect(checks.find((c) => c.name === 'repository')).toMatchObject({
        detail: line,
        hint: expect.stringContaining(fix),
      });
      // The fix the hint gives works.
      execFileSync('git', ['config', '--global', '--add', 'safe.directory', app], {
        env: { ...process.env, ...env },
      });
      expect(runBatonProcess(['init', '--agent', 'demo'], { cwd: app, env }).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

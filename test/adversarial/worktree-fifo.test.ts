/**
 * An agent that leaves a FIFO `.gitignore` in its worktree: git reads every `.gitignore` of the work
 * tree, so Baton's own `git add --all` would wait on it for ever. Baton's commit runs under a deadline
 * (`BATON_GIT_DEADLINE_SECONDS`, set short here): past it git is killed and the feature fails naming
 * the likely cause, and the run ends.
 */

import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { events, hostileRepo } from './rig.js';

const repos: TempRepo[] = [];
/** The FIFOs the agents below plant, relative to f1's worktree. */
const PLANTED = [['shared', 'd', '.gitignore'], ['.gitattributes'], ['sub', '.gitignore']];
afterEach(() => {
  for (const r of repos.splice(0)) {
    const worktree = join(`${r.root}.baton-worktrees`, 'f1');
    for (const fifo of [...PLANTED.map((p) => join(worktree, ...p)), join(r.root, 'evil', '.gitignore')]) {
      // A git still waiting on the FIFO (a Baton without the fix) is let go: a writer opens and closes it.
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {}
      rmSync(fifo, { force: true });
    }
    r.cleanup();
  }
});

/**
 * `baton run f1 --no-verify` as a real process with a 2 s git deadline, killed if it hangs (a bound,
 * not an assertion on time); fails the test when it had to be killed.
 */
function runWithShortDeadline(repo: TempRepo): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [BATON_BIN, 'run', 'f1', '--no-verify'], {
    cwd: repo.root,
    env: { ...process.env, NO_COLOR: '1', BATON_GIT_DEADLINE_SECONDS: '2' },
    encoding: 'utf8',
    timeout: 90_000,
    killSignal: 'SIGKILL',
  });
  expect(r.signal, `baton run hung: ${r.stdout}${r.stderr}`).toBeNull();
  return r;
}

describe('adversarial: a FIFO .gitignore in the agent’s worktree', () => {
  it('Baton’s commit is stopped at its deadline: the run ends, the feature fails saying why', () => {
    const repo = hostileRepo({ f1: 'mkdir -p shared/d && echo x > shared/a && mkfifo shared/d/.gitignore' });
    repos.push(repo);
    const r = runWithShortDeadline(repo);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ feature_id: 'f1', status: 'failed' });
    expect(JSON.stringify(ended)).toContain('a FIFO or another file git cannot read');
    expect(r.stdout).toContain('a FIFO or another file git cannot read');
  });

  it('an agent that also leaves its branch: the look at its uncommitted work is under the deadline too', () => {
    const repo = hostileRepo({
      f1: 'git checkout -q -b elsewhere && mkdir -p shared/d && echo x > shared/a && mkfifo shared/d/.gitignore',
    });
    repos.push(repo);
    const r = runWithShortDeadline(repo);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    // The reason stands; the note on uncommitted work, which git could not give in time, is dropped.
    expect(ended).toMatchObject({ feature_id: 'f1', status: 'failed' });
    expect(JSON.stringify(ended)).toContain('elsewhere');
  });

  it('an interrupted agent: the look at what it left is stopped at its deadline, and the run ends', async () => {
    const repo = hostileRepo({
      f1: 'mkdir -p shared/d && echo x > shared/a && mkfifo shared/d/.gitignore && sleep 60',
    });
    repos.push(repo);
    const child = spawn(process.execPath, [BATON_BIN, 'run', 'f1', '--no-verify'], {
      cwd: repo.root,
      env: { ...process.env, NO_COLOR: '1', BATON_GIT_DEADLINE_SECONDS: '2' },
      stdio: 'ignore',
    });
    let code: number | null | undefined;
    child.on('exit', (c) => {
      code = c;
    });
    try {
      const fifo = join(`${repo.root}.baton-worktrees`, 'f1', 'shared', 'd', '.gitignore');
      expect(await until(() => existsSync(fifo), 40_000)).toBe(true);
      child.kill('SIGTERM');
      // A bound, not an assertion on time: without the deadline the run waits on the FIFO for ever.
      expect(await until(() => code !== undefined, 60_000), 'baton run hung after SIGTERM').toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
    expect(code).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ feature_id: 'f1' });
    expect(JSON.stringify(ended)).toContain("Baton's look at the interrupted agent's work");
  }, 120_000);

  it('the escape look at the main checkout is stopped at its deadline: the run ends, the feature fails', () => {
    // The agent plants the FIFO in the main checkout (the folder of the common git dir).
    const repo = hostileRepo({
      f1: 'd="$(git rev-parse --git-common-dir)/.." && mkdir -p "$d/evil" && mkfifo "$d/evil/.gitignore" && mkdir -p src/f1 && echo a > src/f1/x',
    });
    repos.push(repo);
    const r = runWithShortDeadline(repo);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ feature_id: 'f1', status: 'failed' });
    expect(JSON.stringify(ended)).toContain("Baton's look at the main checkout (git status)");
  });

  it('a refused commit is taken back under the deadline: the run ends, the branch does not carry it', () => {
    // The agent stages its change itself (so Baton's `git add --all` hashes nothing), adds a nested
    // repository (refused), then a FIFO `.gitattributes`: only the take-back's `git reset` reads it.
    const repo = hostileRepo({
      f1: 'echo more >> README.md && sleep 1.1 && git add README.md && git init -q nested && git -C nested -c user.name=n -c user.email=n@n commit -q --allow-empty -m n && mkfifo .gitattributes',
    });
    repos.push(repo);
    const r = runWithShortDeadline(repo);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ feature_id: 'f1', status: 'failed' });
    expect(JSON.stringify(ended)).toContain('nested is a nested git repository');
    expect(JSON.stringify(ended)).toContain("Baton's take-back of its refused commit");
    // The branch is back where the agent left it: Baton's refused commit is not on it.
    const tip = spawnSync('git', ['log', '-1', '--format=%B', 'baton/f1'], {
      cwd: repo.root,
      encoding: 'utf8',
    });
    expect(tip.stdout).not.toContain('Baton-Unit: f1');
    // And the index with it: the agent's work is unstaged, not lost (its files stay in the worktree).
    const wt = join(`${repo.root}.baton-worktrees`, 'f1');
    // (Trees compared without a look at the worktree, whose `.gitattributes` is the FIFO.)
    const git = (...args: string[]) =>
      spawnSync('git', args, { cwd: wt, encoding: 'utf8', timeout: 10_000 }).stdout.trim();
    expect(git('write-tree')).toBe(git('rev-parse', 'HEAD^{tree}'));
    expect(readFileSync(join(wt, 'README.md'), 'utf8')).toContain('more');
    expect(existsSync(join(wt, 'nested', '.git'))).toBe(true);
  });

  it('the look at changed submodules is stopped at its deadline: the run ends, the feature completes, a warning says why', () => {
    // A registered nested repository (a submodule Baton commits as a gitlink) with a FIFO `.gitignore`
    // inside: Baton's `git add --all` does not enter it, `git status --ignore-submodules=none` does.
    const repo = hostileRepo({
      f1: 'git init -q sub && echo s > sub/s && git -C sub add s && git -C sub -c user.name=n -c user.email=n@n commit -q -m s && git config -f .gitmodules submodule.sub.path sub && git config -f .gitmodules submodule.sub.url ./sub && mkfifo sub/.gitignore',
    });
    repos.push(repo);
    const r = runWithShortDeadline(repo);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const ended = events(repo).find((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ feature_id: 'f1', status: 'complete' });
    expect(r.stderr).toContain("Baton's look at the worktree's submodules");
  });
});

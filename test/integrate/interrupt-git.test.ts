/**
 * Ctrl-C (SIGINT to Baton's whole process group, as a terminal sends it) while git moves something a
 * signal must not leave half-moved: the user's checkout (`--into`'s `merge --ff-only`) or the
 * integration worktree (a feature's `merge --no-ff`). That git runs out of the terminal's reach, so it
 * finishes and reports, and the abort is honoured after it. The built CLI runs as a real process in a
 * group of its own, with a `git` on PATH that sends the signal the moment that git call has done its work.
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { BATON_BIN, type CliResult, runBaton, runBatonProcess } from '../rig/cli.js';
import { ctrlCGit, killedGit } from '../rig/git-shim.js';
import type { TempRepo } from '../rig/repo.js';
import { logEvents, projectRepo } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** Runs the built CLI as the leader of a process group of its own (as a shell runs a command), `path` as its PATH. */
function batonInItsGroup(args: string[], cwd: string, path: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BATON_BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', PATH: path },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function ended(r: TempRepo): Extract<BatonEvent, { type: 'integration.ended' }> | undefined {
  return logEvents(r).findLast((e) => e.type === 'integration.ended');
}

describe('Ctrl-C while git moves a checkout', () => {
  it('lets --into’s fast-forward of the checked-out branch finish, and records the move', async () => {
    repo = projectRepo([{ id: 'a' }]);
    const before = repo.git('rev-parse', 'main');
    const { path } = ctrlCGit(dirname(repo.root), 'merge --ff-only');
    const r = await batonInItsGroup(['integrate', '--into', 'main', '--test', 'true'], repo.root, path);
    // The whole move happened: main and the checkout at the result, nothing of it left lying around.
    const tip = repo.git('rev-parse', 'baton/integration');
    expect(tip).not.toBe(before);
    expect(repo.git('rev-parse', 'main')).toBe(tip);
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(r.stdout).toContain(`main fast-forwarded ${before.slice(0, 10)} → ${tip.slice(0, 10)}`);
    expect(r.stdout).toContain(
      'note: Ctrl-C came while main was being moved: the move was let finish, as stopping git half-way would leave the checkout half-moved',
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ended(repo)).toMatchObject({ outcome: 'clean', into: 'main' });
    expect(ended(repo)).not.toHaveProperty('into_refused');
  }, 90_000);

  it('lets a feature’s merge finish and records it, so the advised --continue goes on from it', async () => {
    repo = projectRepo([{ id: 'a' }]);
    const before = repo.git('rev-parse', 'main');
    const { path } = ctrlCGit(dirname(repo.root), 'merge --no-ff');
    const r = await batonInItsGroup(['integrate', '--into', 'main', '--test', 'true'], repo.root, path);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'integration interrupted (stopped by Ctrl-C); go on with `baton integrate --continue --test true --into main`',
    );
    expect(repo.git('rev-parse', 'main')).toBe(before);
    // The merge Baton made is the one it recorded: the integration is at a recorded tip, and clean.
    const merged = logEvents(repo).findLast((e) => e.type === 'merge.clean');
    expect(merged).toMatchObject({ feature_id: 'a', commit: repo.git('rev-parse', 'baton/integration') });
    expect(ended(repo)).toMatchObject({ outcome: 'interrupted' });
    const wt = `${dirname(repo.root)}/repo.baton-worktrees/integration`;
    expect(repo.git('-C', wt, 'status', '--porcelain', '--untracked-files=all')).toBe('');

    // Gone on with in-process: nothing interrupts it (a node start spared).
    const resumed = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  }, 90_000);

  it('leaves the branch where it was when Ctrl-C comes before git began to move it, recorded interrupted', async () => {
    repo = projectRepo([{ id: 'a' }]);
    const before = repo.git('rev-parse', 'main');
    // The last look at the checkout before the move (what the result would overwrite), cut short.
    const { path } = ctrlCGit(dirname(repo.root), 'diff --name-status');
    const r = await batonInItsGroup(['integrate', '--into', 'main', '--test', 'true'], repo.root, path);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('main left where it was: the integration was interrupted before it finished');
    expect(r.stdout).toContain('Finish it with `baton integrate --continue --test true --into main`.');
    expect(r.stderr).toContain('integration interrupted (stopped by Ctrl-C)');
    expect(repo.git('rev-parse', 'main')).toBe(before);
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(ended(repo)).toMatchObject({ outcome: 'interrupted', into_asked: 'main' });

    // Gone on with in-process: nothing interrupts it (a node start spared).
    const resumed = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  }, 90_000);

  it('says a fast-forward git was killed by a signal, with the way on, instead of an empty reason', () => {
    repo = projectRepo([{ id: 'a' }]);
    const before = repo.git('rev-parse', 'main');
    const { path } = killedGit(dirname(repo.root), 'merge --ff-only', 'TERM');
    const r = runBatonProcess(['integrate', '--into', 'main', '--test', 'true'], {
      cwd: repo.root,
      env: { PATH: path },
    });
    expect(r.code).toBe(1);
    const tip = repo.git('rev-parse', 'baton/integration');
    expect(r.stdout).toContain(
      `main left where it was: git merge --ff-only, moving main in ${repo.root}, was killed by SIGTERM (exit 143) before it finished: main is still at ${before.slice(0, 10)}, and the checkout may hold part of the integration's files`,
    );
    expect(r.stdout).toContain(`finish the move with git -C ${repo.root} reset --hard ${tip}`);
    expect(ended(repo)?.into_refused).toContain('was killed by SIGTERM (exit 143)');
    expect(repo.git('rev-parse', 'main')).toBe(before);
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeatureStarted } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { groupAlive } from '../../src/process/supervise.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** `baton run` as a child process, its output collected as it comes (colours off). */
function startRun(root: string) {
  const child = spawn(process.execPath, [BATON_BIN, 'run'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const run = {
    child,
    out: '',
    err: '',
    exited: new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout.on('data', (d: Buffer) => {
    run.out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    run.err += d.toString();
  });
  return run;
}

describe('interrupting baton run', () => {
  it('SIGINT stops every agent group within 5 s, records interrupted and keeps the worktrees', async () => {
    const ids = ['w1', 'w2', 'w3', 'w4'];
    const repo = makeRepo(
      contractFiles(ids.map((id) => ({ id, agent: { command: 'sleep 30 & sleep 30; wait' } }))),
    );
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const child = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = () => readLog(log).events.filter((e) => e.type === 'feature.started') as FeatureStarted[];
    expect(await until(() => started().length === 4, 40_000)).toBe(true);
    const pgids = started().map((e) => e.pgid!);
    expect(pgids.every((g) => groupAlive(g))).toBe(true);
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(code).toBe(1);
    expect(pgids.filter((g) => groupAlive(g))).toEqual([]);
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ feature_id: string; status: string; worktree: string }>;
    };
    expect(status.features.map((f) => f.status)).toEqual([
      'interrupted',
      'interrupted',
      'interrupted',
      'interrupted',
    ]);
    expect(status.features.every((f) => existsSync(f.worktree))).toBe(true);
  });

  it('a run stopped by SIGTERM says so, not Ctrl-C, as it stops and in status', async () => {
    const repo = makeRepo(
      contractFiles([{ id: 'w1', agent: { command: 'echo draft > draft.txt && sleep 30' } }]),
    );
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const run = startRun(repo.root);
    const { child, exited } = run;
    const drafted = () =>
      readLog(log).events.some((e) => e.type === 'worktree.created' && existsSync(join(e.path, 'draft.txt')));
    expect(await until(drafted, 40_000)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(run.out).toContain('w1: interrupted — stopped by SIGTERM; the worktree and its changes are kept');
    expect(run.out).not.toContain('Ctrl-C');
    // Nothing it made is committed on an interrupt; what it left in the worktree is counted, not "0 changed".
    expect(run.out).toContain('w1: agent exited SIGTERM after');
    expect(run.out).toContain(
      '0 file(s) changed in its own commits, 1 path(s) left uncommitted in the worktree',
    );
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ status: string; reason?: string }>;
    };
    expect(status.features).toMatchObject([
      { status: 'interrupted', reason: 'stopped by SIGTERM; the worktree and its changes are kept' },
    ]);
  });

  it('a second Ctrl-C kills an agent that ignores SIGTERM at once, not after the grace period', async () => {
    const repo = makeRepo(contractFiles([{ id: 'w1', agent: { command: "trap '' TERM; sleep 30" } }]));
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const run = startRun(repo.root);
    const { child, exited } = run;
    const started = () => readLog(log).events.find((e) => e.type === 'feature.started') as FeatureStarted;
    expect(await until(() => started() !== undefined, 40_000)).toBe(true);
    const t0 = Date.now();
    child.kill('SIGINT');
    expect(await until(() => run.err.includes('stopping every agent'), 5000)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    // The grace period is 3 s; the second Ctrl-C did not wait it out.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(run.err).toContain('stopping now: killed 1 process group that had not ended on SIGTERM (SIGKILL)');
    expect(groupAlive(started().pgid!)).toBe(false);
  });

  it('says clearly when run outside a git repository', async () => {
    const r = await runBaton(['run'], { cwd: '/' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not inside a git repository/);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { type BatonChild, type InProcessBaton, queueScope, until } from './rig.js';

/** The child's exit code, or 'still running' after 15 s (a command that took its input would go on). */
const exitOf = (c: BatonChild | InProcessBaton) =>
  Promise.race([c.exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);

describe('hubs of a queued run', () => {
  test('a worker of another hub never takes the run’s jobs; the run says no worker serves its hub', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const other = join(p.scratch, 'other-hub.git');
    execFileSync('git', ['init', '-q', '--bare', other]);
    const stranger = s.baton(
      ['worker', '--queue', redis.url, '--hub', other, '--dir', join(p.scratch, 'ws'), '--agents', 'command'],
      { cwd: p.scratch },
    );
    await until(() => /worker \S+ on /.test(stranger.output()), 'the other hub’s worker to start');
    const orch = s.runHere(p, redis);
    await until(() => orch.output().includes('no live worker of the hub'), 'the warning');
    expect(orch.output()).toContain(
      `no live worker of the hub ${p.hub} takes "command" jobs (the live workers with it serve ${other})`,
    );
    // Its worker comes: the job was never taken (nor failed) by the other hub's worker.
    s.worker(p, redis.url, 'w1');
    expect(await orch.exited, orch.output()).toBe(0);
    expect(stranger.output()).not.toContain('feature-001');
    const jobs = p.events().filter((e) => e.type === 'queue.job');
    // The job completed as w1's first attempt; and every reading that named a worker or an attempt
    // named w1's first (a reading can find the job active before its worker wrote its claim, or
    // never find it active at all: the orchestrator polls).
    expect(jobs.find((e) => e.state === 'completed')).toMatchObject({ worker: 'w1', attempt: 1 });
    expect([...new Set(jobs.map((e) => e.attempt).filter((a) => a !== undefined))]).toEqual([1]);
    expect([...new Set(jobs.map((e) => e.worker).filter((w) => w !== undefined))]).toEqual(['w1']);
  }, 60_000);

  test('a relative --hub (and --dir) is taken from the folder it was given in, by the worker and by the run; status says the agent log is on the worker, verify checks the branch out here', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const w = s.baton(
      ['worker', '--queue', redis.url, '--hub', '../hub.git', '--dir', 'w1', '--agents', 'command'],
      { cwd: p.scratch },
    );
    const orch = s.here(['run', '--queue', redis.url, '--hub', '../hub.git'], { cwd: p.repo.root });
    expect(await orch.exited, orch.output() + w.output()).toBe(0);
    // The agent's log stayed on the worker: status says where, not a path on this machine.
    const status = await runBaton(['status'], { cwd: p.repo.root });
    expect(status.stdout).toMatch(
      new RegExp(`feature-001: on worker host ${hostname()}, at ${p.scratch}/w1/attempts/\\S+/agent\\.log`),
    );
    expect(status.stdout).not.toContain(join(p.repo.root, '.baton', 'runs'));
    // Nothing is checked out here: verify checks the branch out where this machine puts worktrees,
    // never at the worker's path the forwarded events named.
    const verify = await runBaton(['verify', 'feature-001'], { cwd: p.repo.root });
    const local = join(p.repo.root, '..', 'repo.baton-worktrees', 'feature-001');
    expect(verify.stdout + verify.stderr).toContain(
      "checked out feature-001's branch (its work came from a worker) in ../repo.baton-worktrees/feature-001",
    );
    expect(verify.stdout + verify.stderr).not.toContain(`${p.scratch}/w1`);
    expect(existsSync(join(local, '.git'))).toBe(true);
    const started = p.events().find((e) => e.type === 'run.started');
    expect(started?.queue).toMatchObject({ hub: p.hub });
    expect(
      p
        .events()
        .filter((e) => e.type === 'feature.ended')
        .map((e) => e.status),
    ).toEqual(['complete']);
  }, 60_000);

  test('a hub that is the project’s own repository is refused, by the run and by a worker started in it', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const worktree = join(p.scratch, 'linked');
    p.repo.git('worktree', 'add', '-q', '--detach', worktree);
    for (const hub of ['.', `file://${p.repo.root}`, worktree, join(p.repo.root, '.git')]) {
      // The first spelling in a `baton` of its own (the real binary's exit), the others in this process.
      const args = ['run', '--queue', redis.url, '--hub', hub];
      const run = hub === '.' ? s.baton(args, { cwd: p.repo.root }) : s.here(args, { cwd: p.repo.root });
      expect(await exitOf(run), run.output()).toBe(2);
      expect(run.output()).toContain('[queue/hub-is-repository]');
      expect(run.output()).toContain('git clone --bare . ../hub.git');
    }
    const w = s.baton(['worker', '--queue', redis.url, '--hub', '.', '--dir', join(p.scratch, 'w')], {
      cwd: p.repo.root,
    });
    expect(await exitOf(w), w.output()).toBe(2);
    expect(w.output()).toContain(`the git hub ${p.repo.root} is this repository`);
    // Nothing reached the repository through the hub: no run's base, no job.
    expect(p.repo.git('for-each-ref', 'refs/baton')).toBe('');
    expect(p.events().filter((e) => e.type === 'run.started')).toEqual([]);
  }, 60_000);
});

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import {
  AGENT,
  forgedCommit,
  type QueuedProject,
  type QueueScope,
  queueScope,
  startForger,
  type TestRedis,
  until,
} from './rig.js';

async function setup(s: QueueScope, agent?: string): Promise<{ redis: TestRedis; p: QueuedProject }> {
  return { redis: await s.redis(), p: s.project(1, agent ? { agent } : {}) };
}

/** A queued run (`start`ed) with no worker yet: it waits, its job on the queue. */
async function waitingRun<T>(p: QueuedProject, start: () => T): Promise<T> {
  const orch = start();
  await until(
    () => p.events().some((e) => e.type === 'queue.job' && e.state === 'waiting'),
    'the job to be on the queue',
    20_000,
  );
  return orch;
}

const endOf = (p: QueuedProject) =>
  p.events().find((e) => e.type === 'feature.ended' && e.feature_id === 'feature-001');

const branchExists = (p: QueuedProject) => p.repo.git('branch', '--list', 'baton/feature-001').trim() !== '';

describe('promotion of a queued run', () => {
  test('a queued run holds the run lock: a local run, a second queued run, integrate and clean are refused while it follows its jobs', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p } = await setup(s);
    // A real process: the lock names its pid, which no command in this one may share.
    const orch = await waitingRun(p, () => s.run(p, redis));
    for (const args of [
      ['run'],
      ['run', '--queue', redis.url, '--hub', p.hub],
      ['integrate'],
      ['clean', '--force'],
    ]) {
      const r = await runBaton(args, { cwd: p.repo.root });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).not.toBe(0);
      expect(r.stderr).toMatch(
        /another Baton is running \(pid \d+, since .*: baton run --queue\).*\[lock\/busy\]/,
      );
    }
    s.worker(p, redis.url, 'w1');
    expect(await orch.exited, orch.output()).toBe(0);
    expect(existsSync(join(p.repo.root, '.baton', 'run.lock'))).toBe(false);
    // A queued run that stops on an error gives its lock back (in-process: no exit hook does it).
    const r = await runBaton(['run', '--queue', redis.url, '--hub', '/nonexistent/hub.git'], {
      cwd: p.repo.root,
    });
    expect(r.stderr).toContain('[queue/hub-unreachable]');
    expect(existsSync(join(p.repo.root, '.baton', 'run.lock'))).toBe(false);
  }, 60_000);

  test('a branch made while the job waited is left as it is: the attempt is not promoted and stays on its ref', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p } = await setup(s);
    const orch = await waitingRun(p, () => s.runHere(p, redis));
    const base = p.repo.git('rev-parse', 'HEAD');
    p.repo.git('branch', 'baton/feature-001', base);
    s.worker(p, redis.url, 'w1');
    expect(await orch.exited, orch.output()).toBe(1);
    expect(p.repo.git('rev-parse', 'baton/feature-001')).toBe(base);
    const ended = endOf(p);
    expect(ended?.status).toBe('failed');
    expect(String(ended?.reason)).toMatch(
      /baton\/feature-001 was made at [0-9a-f]{12} outside this run.*the attempt's work is kept at refs\/baton\/attempts\/feature-001\//,
    );
    const ref = String(ended?.reason).match(/refs\/baton\/attempts\/\S+/)?.[0] ?? '';
    expect(p.repo.git('show', `${ref}:src/feature-001/index.txt`)).toContain('feature-001 by');
  }, 60_000);

  test('an attempt that commits Baton state (.baton/) ends failed and never reaches baton/<id>', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const agent = `${AGENT} && mkdir -p .baton && echo PWNED > .baton/log.jsonl && git add -f .baton/log.jsonl`;
    const { redis, p } = await setup(s, agent);
    s.worker(p, redis.url, 'w1');
    const orch = s.runHere(p, redis);
    expect(await orch.exited, orch.output()).toBe(1);
    const ended = endOf(p);
    expect(ended?.status).toBe('failed');
    expect(String(ended?.reason)).toContain("the feature adds Baton's own state (.baton/log.jsonl)");
    expect(branchExists(p)).toBe(false);
    const heads = execFileSync('git', ['for-each-ref', '--format=%(refname)', 'refs/heads/'], {
      cwd: p.repo.root,
      encoding: 'utf8',
    });
    for (const head of heads.trim().split('\n')) {
      expect(p.repo.git('ls-tree', '-r', '--name-only', head)).not.toContain('.baton/');
    }
  }, 60_000);

  test('a worker that reports complete for a commit holding .baton/ is not believed: the orchestrator checks the commit itself', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p } = await setup(s);
    const orch = await waitingRun(p, () => s.runHere(p, redis));
    // A forged result: a commit on the run's base that adds Baton's log, pushed to the attempt's ref.
    const base = p.repo.git('rev-parse', 'HEAD');
    const forged = forgedCommit(p.repo.root, base, { '.baton/log.jsonl': 'PWNED' });
    const forger = startForger(redis, p, forged);
    s.defer(() => forger.close());
    expect(await orch.exited, orch.output()).toBe(1);
    expect(p.repo.git('rev-parse', 'HEAD')).toBe(base);
    expect(branchExists(p)).toBe(false);
    const ended = endOf(p);
    expect(ended?.status).toBe('failed');
    expect(String(ended?.reason)).toContain("the feature adds Baton's own state (.baton/log.jsonl)");
  }, 60_000);
});

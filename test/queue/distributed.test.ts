import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { runBaton } from '../rig/cli.js';
import {
  AGENT,
  type BatonChild,
  kill,
  type QueuedProject,
  type QueueScope,
  queueScope,
  SHORT_LOCK,
  spawnBaton,
  type TestRedis,
  until,
} from './rig.js';

async function setup(s: QueueScope, n: number): Promise<{ redis: TestRedis; p: QueuedProject }> {
  return { redis: await s.redis(), p: s.project(n) };
}

const ready = (w: BatonChild) => until(() => w.output().includes(' agents command'), 'the worker to start');

/**
 * A queued run of one feature whose agent makes a nested git repository (`git init`, then `tail` in
 * it), on one worker: the run exits 1 and the feature ends failed; its project and its end.
 */
async function nestedRepoAttempt(onTestFinished: Parameters<typeof queueScope>[0], tail: string) {
  const s = queueScope(onTestFinished);
  const redis = await s.redis();
  const agent = `${AGENT} && mkdir -p src/$BATON_FEATURE_ID/nest && cd src/$BATON_FEATURE_ID/nest && git init -q && echo n > n${tail}`;
  const p = s.project(1, { agent });
  await ready(s.worker(p, redis.url, 'w1'));
  const orch = s.runHere(p, redis);
  expect(await orch.exited, orch.output()).toBe(1);
  const ended = p.events().find((e) => e.type === 'feature.ended' && e.feature_id === 'feature-001');
  expect(ended?.status).toBe('failed');
  return { p, ended };
}

/** The checks every queued run must pass: one end per feature, no line twice, branches = promoted attempts. */
function assertExactlyOnce(p: QueuedProject): Array<Record<string, unknown>> {
  const events = p.events();
  const eids = events.map((e) => e.eid).filter((e) => e !== undefined);
  expect(new Set(eids).size).toBe(eids.length);
  const completed = events.filter((e) => e.type === 'queue.job' && e.state === 'completed');
  for (const id of p.ids) {
    expect(events.filter((e) => e.type === 'feature.ended' && e.feature_id === id)).toHaveLength(1);
    const promoted = completed.filter((e) => e.feature_id === id);
    expect(promoted).toHaveLength(1);
    const branch = p.repo.git('rev-parse', `baton/${id}`);
    expect(branch).toBe(promoted[0]?.commit);
    const inHub = execFileSync('git', ['ls-remote', p.hub, String(promoted[0]?.attempt_ref)], {
      encoding: 'utf8',
    });
    expect(inHub.split('\t')[0]).toBe(branch);
  }
  return events;
}

describe('baton run --queue with baton worker', () => {
  test('two workers and an orchestrator complete ten features; every branch is its promoted attempt; integrate works', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p } = await setup(s, 10);
    const w1 = s.worker(p, redis.url, 'w1', { AGENT_SLEEP: '0.1' });
    const w2 = s.worker(p, redis.url, 'w2', { AGENT_SLEEP: '0.1' });
    await Promise.all([ready(w1), ready(w2)]);
    const orch = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    expect(await orch.exited, orch.output()).toBe(0);
    const events = assertExactlyOnce(p);
    for (const id of p.ids) {
      expect(events.find((e) => e.type === 'feature.ended' && e.feature_id === id)?.status).toBe('complete');
    }
    const hosts = new Set(
      events.filter((e) => e.type === 'queue.job' && e.state === 'completed').map((e) => e.worker),
    );
    expect([...hosts].sort()).toEqual(['w1', 'w2']);
    const state = foldEvents(events as unknown as LogEvent[]);
    expect(state.features['feature-001']?.queue).toMatchObject({
      state: 'completed',
      host: expect.any(String),
    });
    // The workers' checks are their word: integrate takes the features once their checks pass here, on
    // branches `baton verify` checks out (a queued run made no worktree on this machine).
    const verify = await runBaton(['verify'], { cwd: p.repo.root });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stderr).toContain("checked out feature-010's branch (its work came from a worker)");
    const integrate = await runBaton(['integrate'], { cwd: p.repo.root });
    expect(integrate.code, integrate.stdout + integrate.stderr).toBe(0);
    for (const id of p.ids) expect(p.repo.git('show', `baton/integration:src/${id}/index.txt`)).toContain(id);
    // The queued agent's environment is a local feature's: its branch (the attempt's own on the worker,
    // `baton/<job_id>.<enqueue tag>.<attempt>`), its port block, its task and log.
    expect(p.repo.git('show', 'baton/feature-001:src/feature-001/index.txt')).toMatch(
      /\nbranch=baton\/\S+\.feature-001\.[0-9a-f]{8}\.1 port=\d+ base=\d+ task=task\.md log=log\.jsonl cwd=worktree$/,
    );
  }, 180_000);

  test('a worker SIGKILLed mid-agent: its job is retried on the other and completes once', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p } = await setup(s, 1);
    const w1 = s.worker(p, redis.url, 'w1', { AGENT_SLEEP: '3', ...SHORT_LOCK });
    await ready(w1);
    const orch = s.runHere(p, redis);
    await until(() => /running command/.test(orch.output()), 'the agent to start on w1');
    await kill(w1);
    s.worker(p, redis.url, 'w2', SHORT_LOCK);
    expect(await orch.exited, orch.output()).toBe(0);
    const events = assertExactlyOnce(p);
    const done = events.find((e) => e.type === 'queue.job' && e.state === 'completed');
    expect(done?.worker).toBe('w2');
    expect(Number(done?.attempt)).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.type === 'feature.started').length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  test('a worker SIGSTOPped past its lock: the job finishes elsewhere; after SIGCONT its completion is refused and its attempt is not promoted', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const { redis, p } = await setup(s, 1);
    const w1 = s.worker(p, redis.url, 'w1', { AGENT_SLEEP: '2', ...SHORT_LOCK });
    await ready(w1);
    const orch = s.runHere(p, redis);
    await until(() => /running command/.test(orch.output()), 'the agent to start on w1');
    w1.proc.kill('SIGSTOP');
    s.defer(() => void w1.proc.kill('SIGCONT'));
    s.worker(p, redis.url, 'w2', SHORT_LOCK);
    expect(await orch.exited, orch.output()).toBe(0);
    const promoted = p.repo.git('rev-parse', 'baton/feature-001');
    w1.proc.kill('SIGCONT');
    await until(() => /lost the lock|refused/.test(w1.output()), 'w1 to learn it lost the job').catch(
      (err) => {
        throw new Error(`${(err as Error).message}; w1 said:\n${w1.output()}`);
      },
    );
    const events = assertExactlyOnce(p);
    const done = events.find((e) => e.type === 'queue.job' && e.state === 'completed');
    expect(done?.worker).toBe('w2');
    const attempts = execFileSync(
      'git',
      ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/baton/attempts/'],
      {
        cwd: p.hub,
        encoding: 'utf8',
      },
    );
    for (const line of attempts.trim().split('\n').filter(Boolean)) {
      const [ref, oid] = line.split(' ');
      if (ref !== done?.attempt_ref) expect(oid).not.toBe(promoted);
    }
    expect(p.repo.git('rev-parse', 'baton/feature-001')).toBe(promoted);
  }, 120_000);

  test('an attempt whose work holds a nested git repository ends failed on the worker, and is never promoted nor merged', async ({
    onTestFinished,
  }) => {
    const { p, ended } = await nestedRepoAttempt(
      onTestFinished,
      ' && git add n && git -c user.name=n -c user.email=n@n commit -qm n',
    );
    expect(String(ended?.reason)).toContain('src/feature-001/nest is a nested git repository');
    const integrate = await runBaton(['integrate'], { cwd: p.repo.root });
    expect(integrate.code).toBe(1);
    // Never promoted: the commit stays on its attempt ref, and there is no baton/<id> to merge.
    expect(p.repo.git('branch', '--list', 'baton/*')).toBe('');
    expect(integrate.stderr).toContain('[integrate/nothing]');
  }, 120_000);

  test("a nested git repository with no commit fails the attempt in words, as a local run says it, not with git add's error", async ({
    onTestFinished,
  }) => {
    const { ended } = await nestedRepoAttempt(onTestFinished, '');
    expect(String(ended?.reason)).toContain(
      "git could not add the agent's work: src/feature-001/nest is a nested git repository (it has its own .git)",
    );
    expect(String(ended?.reason)).not.toContain('git add --all');
  }, 120_000);
});

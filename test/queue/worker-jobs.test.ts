import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { processesMatching } from '../adversarial/rig.js';
import { runBaton } from '../rig/cli.js';
import {
  AGENT,
  agentGate,
  type BatonChild,
  type InProcessBaton,
  kill,
  type QueuedProject,
  type QueueScope,
  queueScope,
  until,
} from './rig.js';

/** The exit code of a child (or a `baton` in this process) that must end within `ms`. */
async function endsWithin(
  child: BatonChild | InProcessBaton,
  what: string,
  ms: number,
): Promise<number | null> {
  const ended =
    'proc' in child ? () => child.proc.exitCode !== null || child.proc.signalCode !== null : child.ended;
  await until(ended, what, ms);
  return child.exited;
}

// Each test has its own Redis, project and hub, and mostly waits on its processes: the tests run at once.
describe.concurrent('jobs on one worker', () => {
  test('two jobs of the same feature at once on one worker each keep their own worktree and branch', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    // Each agent is held until both jobs have started: the two are at work at once.
    const gate = agentGate(p);
    const w = s.worker(p, redis.url, 'w1', gate.env, ['-j', '2']);
    // A first run detached by Ctrl-C: its job goes on, and a fresh run puts a second job for the feature.
    const first = s.runHere(p, redis);
    await until(() => /attempt 1 started/.test(w.output()), 'the first job to start');
    first.interrupt();
    await endsWithin(first, 'the first run to detach', 10_000);
    const second = s.runHere(p, redis);
    await until(
      () => (w.output().match(/attempt 1 started/g) ?? []).length === 2,
      'the second job to start beside the first',
      20_000,
    );
    gate.open();
    expect(await endsWithin(second, 'the second run to end', 30_000), second.output()).toBe(0);
    await until(
      () => (w.output().match(/attempt 1 ended complete/g) ?? []).length === 2,
      'both jobs to end',
      15_000,
    );
    expect(w.output()).not.toContain('attempt failed');
    // Each attempt's worktree and branch left the clone once its commit was in the hub.
    const clone = join(p.scratch, 'w1', 'hub.git');
    expect(
      execFileSync('git', ['worktree', 'list'], { cwd: clone, encoding: 'utf8' }).trim().split('\n'),
    ).toHaveLength(1);
    expect(execFileSync('git', ['branch', '--list', 'baton/*'], { cwd: clone, encoding: 'utf8' })).toBe('');
  }, 60_000);

  test('a second Ctrl-C stops the agents of the jobs in hand: none outlives the worker, and another worker takes the job', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const marker = `held-agent-${process.pid}-${Date.now()}`;
    const p = s.project(1, { agent: `${AGENT} # ${marker}` });
    const gate = agentGate(p);
    const w1 = s.worker(p, redis.url, 'w1', gate.env);
    const run = s.runHere(p, redis);
    await until(() => processesMatching(marker).length > 0, 'the agent to start', 20_000);
    w1.proc.kill('SIGINT');
    await until(
      () => w1.output().includes('Ctrl-C again stops their agents'),
      'the first Ctrl-C to be heard',
    );
    w1.proc.kill('SIGINT');
    await endsWithin(w1, 'the worker to exit once its agent is stopped', 15_000);
    expect(w1.output()).toContain(
      'stopping the agent of 1 job in hand; each goes back to the queue for another worker',
    );
    expect(processesMatching(marker)).toEqual([]);
    // Handed back, not failed: a stop spends none of the job's attempts.
    // Said once: put back once.
    expect(
      w1.output().split('attempt 1 stopped (a second Ctrl-C on this worker); the job goes back to the queue'),
    ).toHaveLength(2);
    expect(w1.output()).not.toContain('attempt failed');
    gate.open();
    const w2 = s.worker(p, redis.url, 'w2');
    expect(await endsWithin(run, 'the run to end', 40_000), run.output()).toBe(0);
    expect(w2.output()).toContain('attempt 2 started');
  }, 90_000);

  test('with Redis gone, an attempt still runs its checks and pushes its work; two Ctrl-Cs then end the worker', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const gate = agentGate(p);
    const w = s.worker(p, redis.url, 'w1', { ...gate.env, BATON_WORKER_ABANDON_MS: '2000' });
    const run = s.runHere(p, redis);
    await until(() => /attempt 1 started/.test(w.output()), 'the job to start');
    // The run detaches (its job goes on), so that only the worker is left to miss Redis.
    run.interrupt();
    await run.exited;
    await redis.kill9();
    gate.open();
    // The agent's end, its checks and the push of its commit wait for no Redis.
    const attemptRefs = () =>
      execFileSync('git', ['for-each-ref', 'refs/baton/attempts'], { cwd: p.hub, encoding: 'utf8' });
    await until(() => attemptRefs() !== '', 'the attempt to be pushed to the hub', 30_000);
    const attemptLog = execFileSync('sh', ['-c', `cat ${join(p.scratch, 'w1', 'attempts')}/*/log.jsonl`], {
      encoding: 'utf8',
    });
    expect(attemptLog).toContain('"type":"check.passed"');
    w.proc.kill('SIGINT');
    await until(() => w.output().includes('Ctrl-C again stops their agents'), 'the first Ctrl-C to be heard');
    w.proc.kill('SIGINT');
    await endsWithin(w, 'the worker to exit without Redis', 20_000);
    expect(w.output()).toContain(
      'the jobs in hand could not finish (Redis not answering?); exiting without them',
    );
  }, 90_000);

  test('a --dir that cannot be made is one line naming it, not an internal error', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    writeFileSync(join(p.scratch, 'afile'), '');
    const w = s.worker(p, redis.url, join('afile', 'x'));
    expect(await endsWithin(w, 'the worker to stop', 15_000)).toBe(1);
    const errors = w
      .output()
      .split('\n')
      .filter((l) => l.startsWith('baton:'));
    expect(errors).toEqual([
      `baton: the worker folder ${join(p.scratch, 'afile', 'x')} cannot be made (ENOTDIR) [worker/bad-dir]`,
    ]);
  });

  test('a second worker on the same --dir is refused in one line naming the holder, and the first goes on', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const w1 = s.worker(p, redis.url, 'shared');
    await until(() => w1.output().includes(' agents command'), 'the first worker to start');
    const w2 = s.worker(p, redis.url, 'shared');
    expect(await endsWithin(w2, 'the second worker to stop', 15_000)).toBe(1);
    const errors = w2
      .output()
      .split('\n')
      .filter((l) => l.startsWith('baton:'));
    expect(errors).toEqual([
      `baton: the worker folder ${join(p.scratch, 'shared')} is held by worker pid ${w1.proc.pid} on ${execFileSync('hostname', { encoding: 'utf8' }).trim()} (${join(p.scratch, 'shared', 'pid')}); two workers cannot share one --dir [worker/dir-busy]`,
    ]);
    expect(w1.proc.exitCode).toBeNull();
    // Once the first has stopped, the folder is free again.
    await kill(w1);
    const w3 = s.worker(p, redis.url, 'shared');
    await until(() => w3.output().includes(' agents command'), 'a third worker to take the folder');
  }, 60_000);

  test('a second live worker given the same --name is refused naming the holder; the first keeps its heartbeat', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const named = (dir: string) =>
      s.baton(
        ['worker', '--queue', redis.url, '--hub', p.hub, '--dir', join(p.scratch, dir), '--name', 'same'],
        { cwd: p.scratch },
      );
    const heartbeat = () =>
      JSON.parse(
        execFileSync('redis-cli', ['-p', String(redis.port), 'get', 'baton:worker:same'], {
          encoding: 'utf8',
        }) || 'null',
      ) as { pid: number } | null;
    const w1 = named('a');
    await until(() => w1.output().includes('worker same on'), 'the first worker to start');
    const w2 = named('b');
    expect(await endsWithin(w2, 'the second worker to stop', 15_000), w2.output()).toBe(1);
    expect(w2.output()).toContain(
      `baton: the worker name same is held by worker pid ${w1.proc.pid} on ${execFileSync('hostname', { encoding: 'utf8' }).trim()} (baton:worker:same); two live workers cannot share one --name [worker/name-busy]`,
    );
    expect(heartbeat()?.pid).toBe(w1.proc.pid);
    // A worker of this machine killed outright: its name is taken over at once, not after its key expires.
    await kill(w1);
    const w3 = named('c');
    await until(() => w3.output().includes('worker same on'), 'a third worker to take the name');
    expect(heartbeat()?.pid).toBe(w3.proc.pid);
  }, 60_000);
});

/**
 * A one-feature project whose agent sleeps `seconds` at its first run only (`$SLEPT`, a file the
 * worker's `env` names, marks it): the test does what it does to Redis while that one works, and a
 * retry or a resume goes straight on.
 */
function sleepingFirstRun(s: QueueScope, seconds: number): { p: QueuedProject; env: NodeJS.ProcessEnv } {
  const p = s.project(1, {
    agent: `${AGENT} && { [ -e "$SLEPT" ] || { touch "$SLEPT" && sleep ${seconds}; }; }`,
  });
  return { p, env: { SLEPT: join(p.scratch, 'slept') } };
}

describe.concurrent('a job Redis lost', () => {
  test('ends its feature failed naming the resume; the resume enqueues it again under new event ids and a new attempt ref', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const { p, env } = sleepingFirstRun(s, 2);
    s.worker(p, redis.url, 'w1', env);
    const orch = s.runHere(p, redis);
    await until(() => p.events().some((e) => e.type === 'feature.started'), 'the agent to start');
    // Redis restarted without persistence: every key gone, the job's and the event stream's alike.
    execFileSync('redis-cli', ['-p', String(redis.port), 'flushall']);
    expect(await endsWithin(orch, 'the run to end', 15_000), orch.output()).toBe(1);
    const command = `baton run --queue ${redis.url} --hub ${p.hub} --resume`;
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended).toEqual([
      expect.objectContaining({
        status: 'failed',
        reason: expect.stringMatching(
          new RegExp(
            `^job \\S+\\.feature-001 is no longer on the queue \\(Redis lost it\\?\\); \`${command}\` enqueues it again$`,
          ),
        ),
      }),
    ]);

    const resumed = s.here(command.split(' ').slice(1), { cwd: p.repo.root });
    expect(await endsWithin(resumed, 'the resume to end', 30_000), resumed.output()).toBe(0);
    const events = p.events();
    const eids = events.map((e) => e.eid).filter(Boolean);
    expect(new Set(eids).size).toBe(eids.length);
    // Both enqueues' first attempts are in the log, and the new one's end is the feature's.
    const started = events.filter((e) => e.type === 'feature.started');
    expect(started.map((e) => e.attempt)).toEqual([1, 1]);
    const exits = events.filter((e) => e.type === 'agent.exited');
    expect(exits.at(-1)).toMatchObject({ exit_code: 0, files: ['src/feature-001/index.txt'] });
    expect(events.filter((e) => e.type === 'feature.ended').at(-1)?.status).toBe('complete');
    const status = await runBaton(['status', '--json'], { cwd: p.repo.root });
    expect(JSON.parse(status.stdout).features[0]).toMatchObject({ status: 'complete' });
    // The attempt refs of the two enqueues are apart: the second did not overwrite the first.
    const refs = execFileSync('git', ['for-each-ref', '--format=%(refname)', 'refs/baton/attempts/'], {
      cwd: p.hub,
      encoding: 'utf8',
    });
    expect(refs.trim().split('\n')).toHaveLength(2);
  }, 90_000);
});

describe.concurrent('baton workers', () => {
  test('keys under the heartbeat prefix that are not heartbeats are shown as not workers, without a crash', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(redis.port), ...args]);
    cli('set', 'baton:worker:g', '{}', 'EX', '100');
    cli('set', 'baton:worker:z', '{"id":"z","agents":"x"}', 'EX', '100');
    cli('set', 'baton:worker:t', 'plain text');
    cli('hset', 'baton:worker:h', 'a', '1');
    const r = await runBaton(['workers', '--queue', redis.url], { cwd: redis.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'no live workers',
      expect.stringMatching(/^baton:worker:g {2}not a worker: not a heartbeat \(id: /),
      'baton:worker:h  not a worker: not a string key',
      'baton:worker:t  not a worker: not JSON',
      expect.stringMatching(/^baton:worker:z {2}not a worker: not a heartbeat \(host: /),
    ]);
    const json = await runBaton(['workers', '--queue', redis.url, '--json'], { cwd: redis.dir });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(json.stderr).toContain('baton: baton:worker:h  not a worker: not a string key');
  }, 30_000);
});

describe.concurrent('a Redis outage', () => {
  test('the orchestrator and the worker each say once that Redis is lost and once that it is back, and the run completes', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis({ aof: true });
    const { p, env } = sleepingFirstRun(s, 4);
    const w = s.worker(p, redis.url, 'w1', env);
    const orch = s.baton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    await until(() => p.events().some((e) => e.type === 'feature.started'), 'the agent to start');
    await redis.kill9();
    await new Promise((r) => setTimeout(r, 2500));
    await redis.restart();
    expect(await endsWithin(orch, 'the run to end', 30_000), orch.output()).toBe(0);
    const url = redis.url.replace(/\/$/, '');
    for (const out of [orch.output(), w.output()]) {
      expect(
        out.match(/lost Redis at \S+ \(connect ECONNREFUSED [^)]*\); retrying/g) ?? [],
        out,
      ).toHaveLength(1);
      expect(out.match(/reconnected to Redis at \S+/g) ?? [], out).toEqual([
        `reconnected to Redis at ${url}`,
      ]);
      expect(out).not.toContain('[ioredis]');
      expect(out).not.toContain('queue error');
    }
  }, 60_000);

  test('an idle worker asked to stop while Redis is down exits, instead of waiting on Redis for ever', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    // Its waits on Redis made short (an idle wait for a job, its close: 5 s and 2 s by default), so that
    // the exit comes in well under a second; without a bound on them it would never come.
    const w = s.worker(p, redis.url, 'w1', { BATON_QUEUE_DRAIN_MS: '500', BATON_QUEUE_CLOSE_MS: '500' });
    await until(() => w.output().includes(' agents command'), 'the worker to start');
    await redis.kill9();
    await until(() => w.output().includes('lost Redis'), 'the worker to notice');
    w.proc.kill('SIGTERM');
    await endsWithin(w, 'the worker to exit', 15_000);
    expect(w.output()).toContain('finishing the jobs in hand, then exiting');
  }, 40_000);
});

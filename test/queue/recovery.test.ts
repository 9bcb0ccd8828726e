import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { kill, makeQueuedProject, spawnBaton, spawnWorker, startRedis, until } from './rig.js';

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('recovery of a queued run', () => {
  test('the orchestrator killed mid-run and resumed: no job enqueued twice, no log line twice, every feature ends once, and the run leaves nothing in Redis', async () => {
    const redis = await startRedis();
    const p = makeQueuedProject(4);
    cleanups.push(
      () => redis.stop(),
      () => p.cleanup(),
    );
    const w = spawnWorker(p, redis.url, 'w1', { AGENT_SLEEP: '1' }, ['-j', '2']);
    cleanups.push(() => kill(w));
    const first = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    cleanups.push(() => kill(first));
    await until(() => /check file passed/.test(first.output()), 'a first feature to be checked');
    await kill(first);
    const resumed = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub, '--resume'], {
      cwd: p.repo.root,
    });
    cleanups.push(() => kill(resumed));
    expect(await resumed.exited, resumed.output()).toBe(0);
    // A queued run runs as many at once as the workers take, and its resume times only itself.
    expect(first.output()).toMatch(
      /4 features, as jobs on redis:\/\/127\.0\.0\.1:\d+ \(each worker runs its own -j\)/,
    );
    expect(first.output()).not.toContain('at a time');
    expect(resumed.output()).toMatch(/run complete in \S.* \(since the resume\)/);
    const events = p.events();
    const eids = events.map((e) => e.eid).filter(Boolean);
    expect(new Set(eids).size).toBe(eids.length);
    const runs = new Set(events.filter((e) => e.type === 'run.started').map((e) => e.run_id));
    expect(runs.size).toBe(1);
    for (const id of p.ids) {
      expect(
        events.filter((e) => e.type === 'queue.job' && e.state === 'waiting' && e.feature_id === id),
      ).toHaveLength(1);
      const ended = events.filter((e) => e.type === 'feature.ended' && e.feature_id === id);
      expect(ended).toHaveLength(1);
      expect(ended[0]?.status).toBe('complete');
    }
    // The run ended and every job was promoted: its jobs and its event stream leave Redis.
    const runId = String([...runs][0]);
    const left = execFileSync('redis-cli', ['-p', String(redis.port), '--scan', '--pattern', `*${runId}*`], {
      encoding: 'utf8',
    });
    expect(left.trim()).toBe('');
  }, 120_000);

  test('the orchestrator killed mid-run: status names the queued resume, a plain --resume refuses naming it, and the named command finishes the run', async () => {
    const redis = await startRedis();
    const p = makeQueuedProject(2);
    cleanups.push(
      () => redis.stop(),
      () => p.cleanup(),
    );
    const first = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    cleanups.push(() => kill(first));
    await until(
      () => p.events().filter((e) => e.type === 'queue.job' && e.state === 'waiting').length === 2,
      'two jobs on the queue',
    );
    await kill(first);
    const command = `baton run --queue ${redis.url} --hub ${p.hub} --resume`;
    const status = await runBaton(['status'], { cwd: p.repo.root });
    expect(status.stdout + status.stderr).toContain(command);
    expect(status.stdout + status.stderr).not.toContain('resume with `baton run --resume`');

    const local = await runBaton(['run', '--resume'], { cwd: p.repo.root });
    expect(local.code).toBe(1);
    const errors = local.stderr
      .split('\n')
      .filter((l) => l.startsWith('baton:') && !l.includes('stale lock'));
    expect(errors).toEqual([expect.stringContaining('[run/resume-queued]')]);
    expect(local.stderr).toContain(command);
    expect(p.repo.git('worktree', 'list').split('\n')).toHaveLength(1);

    const w = spawnWorker(p, redis.url, 'w1', {}, ['-j', '2']);
    cleanups.push(() => kill(w));
    const resumed = spawnBaton(command.split(' ').slice(1), { cwd: p.repo.root });
    cleanups.push(() => kill(resumed));
    expect(await resumed.exited, resumed.output()).toBe(0);
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => e.status)).toEqual(['complete', 'complete']);
    expect(p.repo.git('branch', '--list', 'baton/*').split('\n')).toHaveLength(2);
  }, 60_000);

  test('redis-server killed with -9 (AOF on) and restarted: the queued jobs survive and complete', async () => {
    const redis = await startRedis({ aof: true });
    const p = makeQueuedProject(3);
    cleanups.push(
      () => redis.stop(),
      () => p.cleanup(),
    );
    const orch = spawnBaton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    cleanups.push(() => kill(orch));
    await until(
      () => p.events().filter((e) => e.type === 'queue.job' && e.state === 'waiting').length === 3,
      'three jobs on the queue',
    );
    await redis.kill9();
    await redis.restart();
    const w = spawnWorker(p, redis.url, 'w1', {}, ['-j', '3']);
    cleanups.push(() => kill(w));
    cleanups.push(() => {
      if (process.env.DEBUG_QUEUE_TEST) console.log(orch.output(), w.output(), JSON.stringify(p.events()));
    });
    expect(await orch.exited, orch.output()).toBe(0);
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => e.status)).toEqual(['complete', 'complete', 'complete']);
  }, 120_000);
});

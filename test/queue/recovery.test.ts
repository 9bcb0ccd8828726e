import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { kill, queueScope, until } from './rig.js';

// Each test has its own Redis, project and hub, and mostly waits on its processes: the tests run at once.
describe.concurrent('recovery of a queued run', () => {
  test('the orchestrator killed mid-run and resumed: no job enqueued twice, no log line twice, every feature ends once, and the run leaves nothing in Redis', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(4);
    s.worker(p, redis.url, 'w1', { AGENT_SLEEP: '1' }, ['-j', '2']);
    const first = s.baton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    await until(() => /check file passed/.test(first.output()), 'a first feature to be checked');
    await kill(first);
    const resumed = s.runHere(p, redis, ['--resume']);
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

  test('the orchestrator killed mid-run: status names the queued resume, a plain --resume refuses naming it, and the named command finishes the run', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(2);
    const first = s.baton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
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

    s.worker(p, redis.url, 'w1', {}, ['-j', '2']);
    const resumed = s.here(command.split(' ').slice(1), { cwd: p.repo.root });
    expect(await resumed.exited, resumed.output()).toBe(0);
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => e.status)).toEqual(['complete', 'complete']);
    expect(p.repo.git('branch', '--list', 'baton/*').split('\n')).toHaveLength(2);
  }, 60_000);

  test('redis-server killed with -9 (AOF on) and restarted: the queued jobs survive and complete', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis({ aof: true });
    const p = s.project(3);
    const orch = s.baton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    await until(
      () => p.events().filter((e) => e.type === 'queue.job' && e.state === 'waiting').length === 3,
      'three jobs on the queue',
    );
    await redis.kill9();
    await redis.restart();
    const w = s.worker(p, redis.url, 'w1', {}, ['-j', '3']);
    s.defer(() => {
      if (process.env.DEBUG_QUEUE_TEST) console.log(orch.output(), w.output(), JSON.stringify(p.events()));
    });
    expect(await orch.exited, orch.output()).toBe(0);
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => e.status)).toEqual(['complete', 'complete', 'complete']);
  }, 120_000);
});

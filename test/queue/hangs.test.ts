import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  type BatonChild,
  type QueuedProject,
  type QueueScope,
  queueScope,
  standInWorker,
  type TestRedis,
  until,
} from './rig.js';

/** A hub's deadline short enough for a test: a git command with no word from the hub for 1 s is stopped. */
const SHORT = { BATON_HUB_TIMEOUT_MS: '1000' };

/** A TCP server on loopback that takes every connection and never says a byte; its port. */
async function silentServer(s: QueueScope): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.defer(
    () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as { port: number }).port;
}

/** The exit code of a child that must end within `ms`, or `still running`. */
async function exitWithin(child: BatonChild, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([
    child.exited,
    new Promise<'still running'>((r) => setTimeout(r, ms, 'still running')),
  ]);
}

/** The error lines a command printed (without the hint). */
const errorLines = (out: string) => out.split('\n').filter((l) => /^baton( worker)?:/.test(l));

describe.concurrent('a git hub that takes connections and never answers', () => {
  test('`baton run --queue` says it in one line within seconds', async ({ onTestFinished }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const hub = `http://127.0.0.1:${await silentServer(s)}/hub.git`;
    const orch = s.baton(['run', '--queue', redis.url, '--hub', hub], { cwd: p.repo.root, env: SHORT });
    expect(await exitWithin(orch, 15_000), orch.output()).toBe(1);
    expect(errorLines(orch.output())).toEqual([
      `baton: the git hub ${hub} is not reachable: no answer in 1 s [queue/hub-unreachable]`,
    ]);
  }, 30_000);

  test('`baton worker` says it in one line within seconds, and keeps no half-made clone (git://: no timeout of its own)', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const hub = `git://127.0.0.1:${await silentServer(s)}/hub.git`;
    const dir = join(p.scratch, 'w1');
    const args = ['worker', '--queue', redis.url, '--hub', hub, '--dir', dir, '--agents', 'command'];
    const w = s.baton(args, { cwd: p.scratch, env: SHORT });
    expect(await exitWithin(w, 15_000), w.output()).toBe(1);
    expect(errorLines(w.output())).toEqual([
      `baton: the git hub ${hub} is not reachable: no answer in 1 s [queue/hub-unreachable]`,
    ]);
    expect(existsSync(join(dir, 'hub.git'))).toBe(false);
    expect(existsSync(join(dir, 'hub.git.partial'))).toBe(false);
  }, 30_000);
});

/**
 * A stand-in worker (`standInWorker`) whose `hang` sends
 * the orchestrator's next git command to the hub elsewhere, before it reports the job complete.
 */
function pushThenHang(s: QueueScope, p: QueuedProject, redis: TestRedis, hang: () => void): void {
  const w = standInWorker(p, redis.url, hang);
  s.defer(() => w.close());
}

describe.concurrent('a hub that stops answering during a run', () => {
  test('the fetch at promotion is stopped, tried again in the retry window, and the attempt promoted once the hub answers', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    // The orchestrator's own git config: a rule written in it sends the hub's path to the silent server.
    const config = join(p.scratch, 'gitconfig');
    writeFileSync(config, '');
    const silent = `http://127.0.0.1:${await silentServer(s)}/`;
    const env = { ...SHORT, BATON_HUB_RETRY_MS: '30000', GIT_CONFIG_GLOBAL: config };
    const orch = s.run(p, redis, [], env);
    pushThenHang(s, p, redis, () =>
      writeFileSync(config, `[url "${silent}"]\n\tinsteadOf = ${dirname(p.hub)}/\n`),
    );
    await until(
      () => /could not fetch .* no answer in 1 s; trying again for up to 30 s/.test(orch.output()),
      'the fetch to be stopped',
      20_000,
    );
    writeFileSync(config, '');
    expect(await exitWithin(orch, 20_000), orch.output()).toBe(0);
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => e.status)).toEqual(['complete']);
  }, 60_000);
});

describe.concurrent('Ctrl-C while Redis is away', () => {
  test('`baton run --queue` detaches at once, saying so, and records no end of the feature', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    // Each client's socket, ended with Redis gone, waits 0.5 s for it instead of 2 s (BATON_QUEUE_CLOSE_MS).
    const env = { BATON_QUEUE_CLOSE_MS: '500' };
    const orch = s.run(p, redis, [], env);
    await until(
      () => p.events().some((e) => e.type === 'queue.job' && e.state === 'waiting'),
      'the job to be on the queue',
      20_000,
    );
    await redis.kill9();
    await until(() => orch.output().includes('lost Redis'), 'the run to notice', 10_000);
    orch.proc.kill('SIGINT');
    expect(await exitWithin(orch, 5000), orch.output()).not.toBe('still running');
    expect(orch.output()).toMatch(/detached from run \S+; its jobs keep running on the workers/);
    expect(orch.output()).not.toContain('already stopping');
    expect(p.events().filter((e) => e.type === 'feature.ended')).toEqual([]);
    expect(p.events().at(-1)).toMatchObject({ type: 'run.ended', outcome: 'interrupted' });
  }, 40_000);
});

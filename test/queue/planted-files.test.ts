/**
 * A worker's files an agent (or another process) can reach: the attempt's log, which the agent's hooks
 * append to, and the worker's cache slots. A FIFO put in place of either must not hang the worker.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { createEventForwarder } from '../../src/queue/event-stream.js';
import { eventStreamKey } from '../../src/queue/names.js';
import { type QueueScope, queueScope, until } from './rig.js';

function scratch(s: QueueScope): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-planted-'));
  s.defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function connected(s: QueueScope, url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  s.defer(() => void redis.disconnect());
  return redis;
}

describe("the forwarder of an attempt's log", () => {
  test('sends each complete line once, in order, and leaves a half-written line for the next flush', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const server = await s.redis();
    const redis = await connected(s, server.url);
    const logPath = join(scratch(s), 'log.jsonl');
    const f = createEventForwarder({ redis, runId: 'r1', instance: 'r1.a.0000beef', attempt: 1, logPath });
    await f.flush(); // no log yet: nothing to send
    writeFileSync(logPath, '{"n":1}\n{"n":2}\n');
    await f.flush();
    appendFileSync(logPath, '{"n":3');
    await f.flush();
    appendFileSync(logPath, '}\n\n{"n":4}\n');
    await f.flush();
    await f.flush();
    const entries = (await redis.xrange(eventStreamKey('r1'), '-', '+')).map(([, fields]) => fields);
    expect(entries).toEqual([
      ['eid', 'r1.a.0000beef:1:1', 'line', '{"n":1}'],
      ['eid', 'r1.a.0000beef:1:2', 'line', '{"n":2}'],
      ['eid', 'r1.a.0000beef:1:3', 'line', '{"n":3}'],
      // The blank line has a number of its own and is not sent.
      ['eid', 'r1.a.0000beef:1:5', 'line', '{"n":4}'],
    ]);
  });

  test('refuses a FIFO put in place of the log with the log/unusable error, without waiting on it', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const server = await s.redis();
    const redis = await connected(s, server.url);
    const logPath = join(scratch(s), 'log.jsonl');
    execFileSync('mkfifo', [logPath]);
    const f = createEventForwarder({ redis, runId: 'r1', instance: 'r1.a.0000beef', attempt: 1, logPath });
    await expect(f.flush()).rejects.toThrow(/cannot be used: it is a FIFO \(named pipe\)/);
    expect(await redis.xlen(eventStreamKey('r1'))).toBe(0);
  });
});

describe("a worker's cache slot", () => {
  test('with a FIFO in place of its pid file is left alone: the worker takes the next slot and starts', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const server = await s.redis();
    const p = s.project(1);
    const cache = scratch(s);
    const slots = join(
      cache,
      'baton',
      'workers',
      createHash('sha1').update(p.hub).digest('hex').slice(0, 12),
    );
    mkdirSync(join(slots, '0'), { recursive: true });
    execFileSync('mkfifo', [join(slots, '0', 'pid')]);
    // Without `--dir` the worker claims a cache slot.
    const w = s.baton(
      ['worker', '--queue', server.url, '--hub', p.hub, '--name', 'w1', '--agents', 'command'],
      { cwd: p.scratch, env: { XDG_CACHE_HOME: cache } },
    );
    await until(() => w.output().includes(' agents command'), 'the worker to start', 15_000);
    expect(readFileSync(join(slots, '1', 'pid'), 'utf8')).toMatch(
      new RegExp(`^${w.proc.pid} \\d+ ${hostname()}$`),
    );
  }, 30_000);

  test('held in the lock by a live pid that started at another time (a reused pid) is taken', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const server = await s.redis();
    const p = s.project(1);
    const dir = join(scratch(s), 'shared');
    mkdirSync(dir, { recursive: true });
    // This test's own process is alive, but it did not start in 1970: it is not the worker that wrote this.
    writeFileSync(join(dir, 'pid'), `${process.pid} 1000 ${hostname()}`);
    const w = s.baton(
      ['worker', '--queue', server.url, '--hub', p.hub, '--name', 'w1', '--agents', 'command', '--dir', dir],
      { cwd: p.scratch },
    );
    await until(() => w.output().includes(' agents command'), 'the worker to start', 15_000);
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toMatch(new RegExp(`^${w.proc.pid} \\d+ `));
  }, 30_000);
});

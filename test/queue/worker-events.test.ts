import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { createLogSink } from '../../src/log/sink.js';
import { createEventConsumer } from '../../src/queue/event-stream.js';
import {
  EVENT_GROUP,
  eventIdOf,
  eventStreamKey,
  jobInstanceOf,
  parseEventId,
} from '../../src/queue/names.js';
import { AGENT, agentGate, kill, queueScope, SHORT_LOCK, until } from './rig.js';

const COMPLETION_HOOK = resolve(import.meta.dirname, '..', '..', 'examples', 'completionhook.sh');

// Each test has its own Redis and project, and the longer ones mostly wait on workers: they run at once.
describe.concurrent("a worker's events in the orchestrator's log", () => {
  test('an over-long line and a plain hook line from a worker: the first is refused and acknowledged, the second kept, nothing else lost, and the result promoted', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    // The agent appends to its $BATON_LOG a 2 MB line (over the log's 1 MiB limit), then a plain hook
    // line as examples/completionhook.sh writes it (no `type`).
    const huge = `node -e 'require("fs").appendFileSync(process.env.BATON_LOG, JSON.stringify({feature_id: process.env.BATON_FEATURE_ID, status: "running", pad: "a".repeat(2e6)}) + "\\n")'`;
    const agent = `${AGENT} && ${huge} && sh ${COMPLETION_HOOK} "$BATON_FEATURE_ID" needs-input`;
    const p = s.project(1, { agent });
    const w = s.worker(p, redis.url, 'w1');
    await until(() => w.output().includes(' agents command'), 'the worker to start');
    const orch = s.runHere(p, redis);
    expect(await orch.exited, orch.output()).toBe(0);
    expect(orch.output()).toMatch(
      /baton: ignored worker event \S+:1:\d+: an event of \d+ bytes is longer than the log's 1048576-byte limit; not written/,
    );
    expect(orch.output()).not.toContain('lost the queue');
    expect(orch.output()).toContain('feature-001: hook → needs-input');
    const events = p.events();
    const types = events.filter((e) => e.eid !== undefined).map((e) => e.type ?? 'plain');
    for (const t of ['worktree.created', 'feature.started', 'plain', 'agent.exited', 'check.passed']) {
      expect(types).toContain(t);
    }
    expect(events.find((e) => e.type === undefined)).toMatchObject({
      feature_id: 'feature-001',
      status: 'needs-input',
    });
    expect(events.find((e) => e.type === 'feature.ended')?.status).toBe('complete');
    expect(p.repo.git('show', 'baton/feature-001:src/feature-001/index.txt')).toContain('feature-001 by');
    // The run ended with every job promoted: its stream left Redis, so a --resume has nothing to read again.
    const runId = String(events.find((e) => e.type === 'run.started')?.run_id);
    const exists = execFileSync('redis-cli', ['-p', String(redis.port), 'EXISTS', eventStreamKey(runId)], {
      encoding: 'utf8',
    });
    expect(exists.trim()).toBe('0');
  }, 60_000);

  test('a drain that fails mid-batch leaves the rest pending, and the next drain appends each of them once', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const dir = mkdtempSync(join(tmpdir(), 'baton-events-'));
    const client = new Redis(redis.url);
    s.defer(() => rmSync(dir, { recursive: true, force: true }));
    s.defer(() => void client.disconnect());
    const logPath = join(dir, 'log.jsonl');
    const sink = createLogSink({ logPath });
    let failures = 1;
    sink.subscribe(() => {
      if (failures-- > 0) throw new Error('a subscriber failed once');
    });
    const consumer = await createEventConsumer({
      redis: client,
      runId: 'r1',
      sink,
      seen: new Set(),
      accept: () => true,
    });
    for (let seq = 1; seq <= 3; seq++) {
      const line = JSON.stringify({ feature_id: 'feature-001', status: 'running', seq });
      await client.xadd(
        eventStreamKey('r1'),
        '*',
        'eid',
        eventIdOf(jobInstanceOf('r1.feature-001', '0000beef'), 1, seq),
        'line',
        line,
      );
    }
    await expect(consumer.drain(0)).rejects.toThrow('a subscriber failed once');
    await consumer.drain(0);
    const lines = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number });
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    const pending = (await client.xpending(eventStreamKey('r1'), EVENT_GROUP)) as [number];
    expect(pending[0]).toBe(0);
  }, 30_000);

  test("a superseded attempt's events are not the feature's: written after the job was retried, they stay out of the log", async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const client = new Redis(redis.url);
    s.defer(() => void client.disconnect());
    const w1 = s.worker(p, redis.url, 'w1', { AGENT_SLEEP: '5', ...SHORT_LOCK });
    const orch = s.runHere(p, redis);
    await until(() => /running command/.test(orch.output()), 'the agent to start on w1', 20_000);
    await kill(w1);
    // w2's agent is held until the stale line is on the stream: the job is still running when it comes.
    const gate = agentGate(p);
    s.worker(p, redis.url, 'w2', { ...gate.env, ...SHORT_LOCK });
    const second = () => p.events().find((e) => e.type === 'feature.started' && Number(e.attempt) >= 2);
    await until(() => second() !== undefined, 'the second attempt to start', 20_000);
    // What w1's attempt 1 would still send, had it been paused rather than killed.
    const jobId = String(p.events().find((e) => e.type === 'queue.job')?.job_id);
    const enqueue = parseEventId(String(second()?.eid))?.enqueue ?? '';
    const stale = JSON.stringify({ feature_id: 'feature-001', status: 'stale-attempt' });
    await client.xadd(
      eventStreamKey(String(second()?.run_id)),
      '*',
      'eid',
      eventIdOf(jobInstanceOf(jobId, enqueue), 1, 999),
      'line',
      stale,
    );
    gate.open();
    expect(await orch.exited, orch.output()).toBe(0);
    expect(p.events().filter((e) => e.status === 'stale-attempt')).toEqual([]);
    expect(p.events().find((e) => e.type === 'feature.ended')?.status).toBe('complete');
  }, 60_000);

  test("an event whose id claims an attempt the queue never started is refused and said; the job's own events still enter the log", async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const client = new Redis(redis.url);
    s.defer(() => void client.disconnect());
    // The agent is held until the forged line is on the stream: what it sends next comes after it.
    const gate = agentGate(p);
    s.worker(p, redis.url, 'w1', gate.env);
    const orch = s.runHere(p, redis);
    const started = () => p.events().find((e) => e.type === 'feature.started');
    await until(() => started() !== undefined, 'the agent to start', 20_000);
    const jobId = String(p.events().find((e) => e.type === 'queue.job')?.job_id);
    const enqueue = parseEventId(String(started()?.eid))?.enqueue ?? '';
    const forged = eventIdOf(jobInstanceOf(jobId, enqueue), 999, 1);
    await client.xadd(
      eventStreamKey(String(started()?.run_id)),
      '*',
      'eid',
      forged,
      'line',
      JSON.stringify({ feature_id: 'feature-001', status: 'forged' }),
    );
    gate.open();
    expect(await orch.exited, orch.output()).toBe(0);
    const events = p.events();
    expect(events.filter((e) => e.status === 'forged')).toEqual([]);
    // What attempt 1 sent after the forged line is in the log.
    for (const t of ['agent.exited', 'check.passed']) expect(events.map((e) => e.type)).toContain(t);
    expect(orch.output()).toContain(
      `ignored worker event ${forged}: attempt 999 of job ${jobId} was never started (the queue has started 1)`,
    );
  }, 60_000);
});

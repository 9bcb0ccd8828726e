import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { createLogSink } from '../../src/log/sink.js';
import { createEventConsumer } from '../../src/queue/event-stream.js';
import { eventIdOf, eventStreamKey, jobInstanceOf } from '../../src/queue/names.js';
import { runBaton } from '../rig/cli.js';
import { contractText } from '../rig/contracts.js';
import { queueScope, until } from './rig.js';

/** One Claude `result` line, as its stream-json output ends. */
const result = (fields: object) =>
  `echo '${JSON.stringify({ type: 'result', subtype: 'success', is_error: false, ...fields })}'`;

describe("a worker runs the agent by the local runner's rules", () => {
  test("its usage is read and summed, and it is retried when rate-limited (config `retry`) and when it failed (the contract's `retries`)", async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    // A fake `claude` on the worker's PATH: rate-limited first, then failed, then done; each run costs.
    const bin = join(p.scratch, 'bin');
    mkdirSync(bin);
    const runs = join(p.scratch, 'runs');
    writeFileSync(
      join(bin, 'claude'),
      [
        '#!/bin/sh',
        'if [ "$1" = "--version" ]; then echo "2.1.197 (Claude Code)"; exit 0; fi',
        'cat > /dev/null',
        `echo x >> '${runs}'; n=$(wc -l < '${runs}')`,
        `if [ "$n" = 1 ]; then ${result({ is_error: true, api_error_status: 429, total_cost_usd: 0.1, num_turns: 1 })}; exit 1; fi`,
        `if [ "$n" = 2 ]; then ${result({ total_cost_usd: 0.2, num_turns: 2 })}; exit 1; fi`,
        'mkdir -p src/feature-001 && echo done > src/feature-001/index.txt',
        result({ total_cost_usd: 0.12, num_turns: 3, usage: { input_tokens: 1000, output_tokens: 200 } }),
      ].join('\n'),
    );
    chmodSync(join(bin, 'claude'), 0o755);
    p.repo.commit('claude', {
      'baton.config.json': JSON.stringify({ retry: { attempts: 1, initial_delay_s: 0, factor: 1 } }),
      'specs/feature-001/contract.md': contractText({
        id: 'feature-001',
        agent: 'claude',
        retries: 1,
        criteria: [{ id: 'file', text: 'file exists', run: 'test -f src/feature-001/index.txt' }],
      }),
    });
    const w = s.baton(
      ['worker', '--queue', redis.url, '--hub', p.hub, '--dir', join(p.scratch, 'w1'), '--agents', 'claude'],
      { cwd: p.scratch, env: { PATH: `${bin}:${process.env.PATH}` } },
    );
    await until(() => w.output().includes(' agents claude'), 'the worker to start');
    const orch = s.runHere(p, redis);
    expect(await orch.exited, `${orch.output()}\n${w.output()}`).toBe(0);
    const events = p.events();
    expect(events.filter((e) => e.type === 'agent.retrying')).toMatchObject([
      { feature_id: 'feature-001', reason: 'rate-limited', retry: 1, of: 1 },
      { feature_id: 'feature-001', reason: 'failed', retry: 1, of: 1 },
    ]);
    const usage = { cost_usd: 0.42, turns: 6, input_tokens: 1000, output_tokens: 200 };
    expect(events.find((e) => e.type === 'agent.exited')).toMatchObject({ usage });
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: p.repo.root })).stdout) as {
      features: Array<{ status: string; usage?: object }>;
    };
    expect(status.features[0]).toMatchObject({ status: 'complete', usage });
  }, 60_000);

  test("a worker's usage passes the schema a local one does: one that does not is refused and said", async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const dir = mkdtempSync(join(tmpdir(), 'baton-usage-'));
    const client = new Redis(redis.url);
    s.defer(() => rmSync(dir, { recursive: true, force: true }));
    s.defer(() => void client.disconnect());
    const logPath = join(dir, 'log.jsonl');
    const rejected: string[] = [];
    const consumer = await createEventConsumer({
      redis: client,
      runId: 'r1',
      sink: createLogSink({ logPath }),
      seen: new Set(),
      accept: () => true,
      onRejected: (eid, why) => rejected.push(`${eid}: ${why}`),
    });
    const exited = { type: 'agent.exited', feature_id: 'feature-001', exit_code: 0, signal: null };
    const lines = [
      { ...exited, duration_ms: 1, files: [], usage: { cost_usd: 'a lot' } },
      { ...exited, duration_ms: 2, files: [], usage: { cost_usd: 0.42, turns: 3 } },
    ];
    const ids = lines.map((_, i) => eventIdOf(jobInstanceOf('r1.feature-001', '0000beef'), 1, i + 1));
    for (const [i, line] of lines.entries()) {
      await client.xadd(
        eventStreamKey('r1'),
        '*',
        'eid',
        ids[i]!,
        'line',
        JSON.stringify({ v: 1, ts: new Date().toISOString(), ...line }),
      );
    }
    await consumer.drain(0);
    const logged = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { usage: object });
    expect(logged.map((e) => e.usage)).toEqual([{ cost_usd: 0.42, turns: 3 }]);
    expect(rejected).toEqual([`${ids[0]}: agent.exited: "usage.cost_usd" must be a number, got "a lot"`]);
  }, 30_000);
});

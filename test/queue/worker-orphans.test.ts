import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { processInfo } from '../../src/guard/proc.js';
import { groupAlive, signalGroup } from '../../src/process/supervise.js';
import { kill, queueScope, until } from './rig.js';

describe('a worker killed with -9 while its agent runs', () => {
  test("the next worker on its folder stops the agent's group, proven the attempt's, and leaves a group it cannot prove alone", async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const w1 = s.worker(p, redis.url, 'w1', { AGENT_SLEEP: '300' });
    const orch = s.runHere(p, redis);
    await until(() => p.events().some((e) => e.type === 'feature.started'), 'the agent to start on w1');
    const pgid = Number(p.events().find((e) => e.type === 'feature.started')?.pgid);
    s.defer(() => void signalGroup(pgid, 'SIGKILL'));
    await kill(w1);
    expect(groupAlive(pgid)).toBe(true);

    // A record planted in another attempt's folder, naming a group that is not that attempt's agent.
    const stranger = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const strangerPgid = stranger.pid as number;
    s.defer(() => void signalGroup(strangerPgid, 'SIGKILL'));
    const attempts = join(p.scratch, 'w1', 'attempts');
    const planted = join(attempts, 'planted.1');
    mkdirSync(planted, { recursive: true });
    const [real] = readdirSync(attempts).filter((d) => d !== 'planted.1');
    writeFileSync(
      join(planted, 'agent.json'),
      JSON.stringify({
        pgid: strangerPgid,
        start_ms: processInfo(strangerPgid)?.startMs,
        run_id: p.events().find((e) => e.type === 'run.started')?.run_id,
        feature_id: 'feature-001',
      }),
    );

    const w2 = s.worker(p, redis.url, 'w1');
    const stopped = `stopped the agent of attempt ${real} left running by worker pid ${w1.proc.pid} (process group ${pgid})`;
    await until(() => w2.output().includes(stopped), "w1's agent group to be stopped", 20_000);
    expect(groupAlive(pgid)).toBe(false);
    expect(w2.output()).toMatch(
      new RegExp(`left process group ${strangerPgid} alone \\(named in .*planted\\.1/agent\\.json\\): .*`),
    );
    expect(groupAlive(strangerPgid)).toBe(true);
    // The job is retried on the new worker and completes once.
    expect(await orch.exited, orch.output()).toBe(0);
  }, 60_000);
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { AGENT, freePort, queueScope, until } from './rig.js';

/** Each feature's status as `baton status --json` folds it. */
async function statuses(root: string): Promise<Record<string, string>> {
  const r = await runBaton(['status', '--json'], { cwd: root });
  const features = (JSON.parse(r.stdout) as { features: Array<{ feature_id: string; status: string }> })
    .features;
  return Object.fromEntries(features.map((f) => [f.feature_id, f.status]));
}

describe('resuming a queued run', () => {
  test('a feature that ended before the detach keeps its status after the resume (not pending)', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    // feature-001 fails at once; feature-002 works until the test opens its gate.
    const gates = mkdtempSync(join(tmpdir(), 'baton-gate-'));
    const gate = join(gates, 'open');
    const p = s.project(2, {
      agent: `case $BATON_FEATURE_ID in feature-001) exit 3;; esac; for i in $(seq 300); do [ -e '${gate}' ] && break; sleep 0.1; done; ${AGENT}`,
    });
    s.defer(() => rmSync(gates, { recursive: true, force: true }));
    s.worker(p, redis.url, 'w1', {}, ['-j', '2']);
    const first = s.runHere(p, redis);
    await until(
      () => p.events().some((e) => e.type === 'feature.ended' && e.feature_id === 'feature-001'),
      'feature-001 to fail',
    );
    first.interrupt();
    await first.exited;
    expect(first.output()).toContain('detached from run');
    writeFileSync(gate, '');
    const resumed = s.runHere(p, redis, ['--resume']);
    expect(await resumed.exited, resumed.output()).toBe(1);
    const starts = p.events().filter((e) => e.type === 'run.started');
    expect(starts.map((e) => e.feature_ids)).toEqual([['feature-001', 'feature-002'], ['feature-002']]);
    expect(await statuses(p.repo.root)).toEqual({ 'feature-001': 'failed', 'feature-002': 'complete' });
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => [e.feature_id, e.status])).toEqual([
      ['feature-001', 'failed'],
      ['feature-002', 'complete'],
    ]);
    // The jobs went on while detached: the implementation phase stayed open, and the resume ended it.
    const phases = p.events().filter((e) => String(e.type).startsWith('phase.'));
    expect(phases.map((e) => `${e.type} ${e.phase}`)).toEqual([
      'phase.started implementation',
      'phase.ended implementation',
    ]);
  }, 60_000);

  test('a resume given no ids takes the run’s own features, not the rest of the plan; with all of them ended it starts nothing, and says so', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(3);
    s.worker(p, redis.url, 'w1');
    const first = s.runHere(p, redis, ['feature-002']);
    expect(await first.exited, first.output()).toBe(0);
    const resumed = s.baton(['run', '--queue', redis.url, '--hub', p.hub, '--resume'], {
      cwd: p.repo.root,
    });
    expect(await resumed.exited, resumed.output()).toBe(1);
    // Every feature had ended: the resume has nothing to follow, starts nothing, and says so.
    const runId = String(p.events().find((e) => e.type === 'run.started')?.run_id);
    expect(resumed.output()).toContain(
      `baton: run ${runId} has nothing left to follow: each of its features ended (feature-002: complete); nothing was started [queue/resume-ended]`,
    );
    expect(resumed.output()).not.toMatch(/Connection is closed|\n\s+at /);
    const jobs = p.events().filter((e) => e.type === 'queue.job' && e.state === 'waiting');
    expect(jobs.map((e) => e.feature_id)).toEqual(['feature-002']);
    expect(p.events().filter((e) => e.type === 'run.started' && e.resume)).toHaveLength(0);
    expect(p.events().filter((e) => e.type === 'phase.ended')).toHaveLength(1);
    expect(await statuses(p.repo.root)).toMatchObject({ 'feature-002': 'complete' });
  }, 60_000);
  test("a resume of some of the run's features leaves the others' worker events in the stream for the resume that follows them", async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    // Each feature's agent works until the test opens its own gate.
    const gates = mkdtempSync(join(tmpdir(), 'baton-gate-'));
    const p = s.project(2, {
      agent: `for i in $(seq 300); do [ -e '${gates}'/$BATON_FEATURE_ID ] && break; sleep 0.1; done; ${AGENT}`,
    });
    s.defer(() => rmSync(gates, { recursive: true, force: true }));
    const w = s.worker(p, redis.url, 'w1', {}, ['-j', '2']);
    const first = s.runHere(p, redis);
    await until(
      () => p.events().filter((e) => e.type === 'feature.started').length === 2,
      'both agents to start',
    );
    first.interrupt();
    await first.exited;
    const some = s.runHere(p, redis, ['--resume', 'feature-002']);
    await until(() => some.output().includes('1 feature'), 'the resume of feature-002 to start');
    // feature-001 ends with its checks passing while only feature-002's resume reads the stream.
    writeFileSync(join(gates, 'feature-001'), '');
    await until(() => /feature-001: attempt 1 ended complete/.test(w.output()), 'feature-001 to end');
    writeFileSync(join(gates, 'feature-002'), '');
    expect(await some.exited, some.output()).toBe(0);
    const rest = s.runHere(p, redis, ['--resume']);
    expect(await rest.exited, rest.output()).toBe(0);
    expect(await statuses(p.repo.root)).toEqual({ 'feature-001': 'complete', 'feature-002': 'complete' });
    // feature-001's worker check of its criterion reached the log, through the resume that follows it.
    const passed = p.events().filter((e) => e.type === 'check.passed' && e.criterion_id === 'file');
    expect(passed.map((e) => e.feature_id).sort()).toEqual(['feature-001', 'feature-002']);
  }, 60_000);
});

describe('a resume given another queue or hub than its run’s', () => {
  test('is refused before it reaches Redis, naming what the run used and the command that re-attaches', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const p = s.project(1);
    const port = await freePort();
    const queue = `redis://:s3cret@127.0.0.1:${port}`;
    const at = { v: 1, ts: new Date().toISOString(), run_id: 'r1' };
    const log = [
      {
        ...at,
        type: 'run.started',
        feature_ids: ['feature-001'],
        concurrency: 1,
        base: 'HEAD',
        base_commit: p.repo.git('rev-parse', 'HEAD'),
        mode: 'contract-first',
        pid: 999_999_999,
        queue: { url: `redis://:***@127.0.0.1:${port}`, hub: p.hub },
      },
      { ...at, type: 'queue.job', feature_id: 'feature-001', job_id: 'r1.feature-001', state: 'waiting' },
      { ...at, type: 'run.ended', outcome: 'interrupted', duration_ms: 1 },
    ];
    mkdirSync(join(p.repo.root, '.baton'), { recursive: true });
    writeFileSync(
      join(p.repo.root, '.baton', 'log.jsonl'),
      log.map((e) => `${JSON.stringify(e)}\n`).join(''),
    );
    const other = join(p.scratch, 'other.git');
    const resume = (url: string, hub: string) =>
      runBaton(['run', '--queue', url, '--hub', hub, '--resume'], { cwd: p.repo.root });
    const cases: Array<[string, string, string]> = [
      [queue, other, `the hub ${other}`],
      [`redis://127.0.0.1:${port}/1`, p.hub, `the queue redis://127.0.0.1:${port}/1`],
    ];
    for (const [url, hub, given] of cases) {
      const r = await resume(url, hub);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `baton: run r1 put its jobs on the queue redis://:***@127.0.0.1:${port} with the hub ${p.hub}; this resume was given ${given} [queue/resume-elsewhere]`,
      );
      expect(r.stderr).toContain(
        `Re-attach with \`baton run --queue 'redis://:***@127.0.0.1:${port}' --hub ${p.hub} --resume\``,
      );
    }
    // The run's own queue (its password is not compared) and hub get past the check, to Redis.
    const own = await resume(queue, p.hub);
    expect(own.stderr).toContain('cannot reach Redis');
    expect(p.events()).toHaveLength(3);
  }, 60_000);
});

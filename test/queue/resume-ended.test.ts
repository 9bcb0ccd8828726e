import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { AGENT, queueScope, until } from './rig.js';

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
    const first = s.baton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    await until(
      () => p.events().some((e) => e.type === 'feature.ended' && e.feature_id === 'feature-001'),
      'feature-001 to fail',
    );
    first.proc.kill('SIGINT');
    await first.exited;
    expect(first.output()).toContain('detached from run');
    writeFileSync(gate, '');
    const resumed = s.baton(['run', '--queue', redis.url, '--hub', p.hub, '--resume'], {
      cwd: p.repo.root,
    });
    expect(await resumed.exited, resumed.output()).toBe(1);
    const starts = p.events().filter((e) => e.type === 'run.started');
    expect(starts.map((e) => e.feature_ids)).toEqual([['feature-001', 'feature-002'], ['feature-002']]);
    expect(await statuses(p.repo.root)).toEqual({ 'feature-001': 'failed', 'feature-002': 'complete' });
    const ended = p.events().filter((e) => e.type === 'feature.ended');
    expect(ended.map((e) => [e.feature_id, e.status])).toEqual([
      ['feature-001', 'failed'],
      ['feature-002', 'complete'],
    ]);
  }, 60_000);

  test('a resume given no ids takes the run’s own features, not the rest of the plan; with all of them ended it ends quietly', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(3);
    s.worker(p, redis.url, 'w1');
    const first = s.baton(['run', '--queue', redis.url, '--hub', p.hub, 'feature-002'], {
      cwd: p.repo.root,
    });
    expect(await first.exited, first.output()).toBe(0);
    const resumed = s.baton(['run', '--queue', redis.url, '--hub', p.hub, '--resume'], {
      cwd: p.repo.root,
    });
    expect(await resumed.exited, resumed.output()).toBe(0);
    // Every feature had ended: the resume follows none, and closes its connections without a word.
    expect(resumed.output()).toContain('0 features');
    expect(resumed.output()).not.toMatch(/Connection is closed|\n\s+at /);
    const jobs = p.events().filter((e) => e.type === 'queue.job' && e.state === 'waiting');
    expect(jobs.map((e) => e.feature_id)).toEqual(['feature-002']);
    expect(p.events().filter((e) => e.type === 'run.started' && e.resume)).toHaveLength(1);
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
    const first = s.baton(['run', '--queue', redis.url, '--hub', p.hub], { cwd: p.repo.root });
    await until(
      () => p.events().filter((e) => e.type === 'feature.started').length === 2,
      'both agents to start',
    );
    first.proc.kill('SIGINT');
    await first.exited;
    const some = s.baton(['run', '--queue', redis.url, '--hub', p.hub, '--resume', 'feature-002'], {
      cwd: p.repo.root,
    });
    await until(() => some.output().includes('1 feature'), 'the resume of feature-002 to start');
    // feature-001 ends with its checks passing while only feature-002's resume reads the stream.
    writeFileSync(join(gates, 'feature-001'), '');
    await until(() => /feature-001: attempt 1 ended complete/.test(w.output()), 'feature-001 to end');
    writeFileSync(join(gates, 'feature-002'), '');
    expect(await some.exited, some.output()).toBe(0);
    const rest = s.baton(['run', '--queue', redis.url, '--hub', p.hub, '--resume'], { cwd: p.repo.root });
    expect(await rest.exited, rest.output()).toBe(0);
    expect(await statuses(p.repo.root)).toEqual({ 'feature-001': 'complete', 'feature-002': 'complete' });
    // feature-001's worker check of its criterion reached the log, through the resume that follows it.
    const passed = p.events().filter((e) => e.type === 'check.passed' && e.criterion_id === 'file');
    expect(passed.map((e) => e.feature_id).sort()).toEqual(['feature-001', 'feature-002']);
  }, 60_000);
});

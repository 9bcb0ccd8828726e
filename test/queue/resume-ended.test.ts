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
    const first = s.baton(['run', '--queue', redis.url, '--hub', p.hub, 'feature-002'], {
      cwd: p.repo.root,
    });
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
});

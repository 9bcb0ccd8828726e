import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { eventIdOf, eventStreamKey } from '../../src/queue/names.js';
import { runBaton } from '../rig/cli.js';
import { AGENT, forgedCommit, queueScope, startForger } from './rig.js';

const checkEvents = (events: Array<Record<string, unknown>>, id: string) =>
  events.filter((e) => String(e.type).startsWith('check.') && e.feature_id === id);

describe('a queued run does not take a worker at its word', () => {
  test('checks that pass only on the worker: integrate refuses them until verified here, and the agent never saw the queue', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    // The agent notes whether the queue reached its environment; its check passes only where ONLY_HERE is set.
    const agent = `${AGENT} && echo "queue=\${BATON_QUEUE:-none} hub=\${BATON_HUB:-none}" >> src/$BATON_FEATURE_ID/index.txt`;
    const p = s.project(2, {
      agent,
      criteria: [{ id: 'here', text: 'passes where ONLY_HERE=yes', run: 'test "$ONLY_HERE" = yes' }],
    });
    // The worker's environment holds the queue, as a Kubernetes Secret would give it.
    s.worker(p, redis.url, 'w1', { ONLY_HERE: 'yes', BATON_QUEUE: redis.url, BATON_HUB: p.hub });
    const orch = s.runHere(p, redis);
    expect(await orch.exited, orch.output()).toBe(0);
    // The run ends as the workers said, and says whose word that is and what checks it here.
    expect(orch.output()).toMatch(
      /feature-001: its checks passed on worker w1 \(host [^)]+\), unverified here; run `baton verify feature-001`/,
    );
    const events = p.events();
    const checks = checkEvents(events, 'feature-001');
    expect(checks.find((e) => e.criterion_id === 'here')).toMatchObject({
      type: 'check.passed',
      by: 'worker',
    });
    // The worker's `owns` result is followed by the orchestrator's own, on the promoted commit.
    const owns = checks.filter((e) => e.criterion_id === 'owns');
    expect(owns.at(-1)).toMatchObject({
      type: 'check.passed',
      commit: p.repo.git('rev-parse', 'baton/feature-001'),
    });
    expect(owns.at(-1)).not.toHaveProperty('by');
    expect(p.repo.git('show', 'baton/feature-001:src/feature-001/index.txt')).toContain(
      'queue=none hub=none',
    );

    const status = await runBaton(['status', '--no-disk'], { cwd: p.repo.root });
    expect(status.stdout).toMatch(/^feature-001 +complete \(unverified\) .*its checks passed on worker w1/m);
    const json = await runBaton(['status', '--json', '--no-disk'], { cwd: p.repo.root });
    const row = (JSON.parse(json.stdout) as { features: Array<Record<string, unknown>> }).features[0];
    expect(row).toMatchObject({
      unverified: true,
      unverified_reason: expect.stringContaining('baton verify feature-001'),
    });
    const report = await runBaton(['report'], { cwd: p.repo.root });
    expect(report.stdout).toMatch(
      /- `feature-001`: its checks passed on worker w1 .*run `baton verify feature-001`/,
    );

    const refused = await runBaton(['integrate'], { cwd: p.repo.root });
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toContain('[integrate/nothing-passed]');
    expect(refused.stderr).toMatch(
      /feature-001 \(complete: its checks passed on worker w1 \(host [^)]+\), unverified here; run `baton verify feature-001`\)/,
    );
    expect(p.repo.git('branch', '--list', 'baton/integration')).toBe('');

    // Verified here, the check fails (no ONLY_HERE on this machine): it stays out, now for that.
    const verified = await runBaton(['verify', 'feature-001'], { cwd: p.repo.root });
    expect(verified.code, verified.stdout + verified.stderr).toBe(1);
    expect(verified.stderr).toContain("checked out feature-001's branch (its work came from a worker)");
    const still = await runBaton(['integrate'], { cwd: p.repo.root });
    expect(still.code).toBe(1);
    expect(still.stderr).toMatch(/feature-001 \(failed-checks: here: /);

    // Trusting workers is the user's decision, in the config: feature-002 merges on w1's word; feature-001,
    // which failed here, does not.
    const config = join(p.repo.root, 'baton.config.json');
    writeFileSync(
      config,
      JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), trust_workers: true }),
    );
    const trusted = await runBaton(['integrate'], { cwd: p.repo.root });
    // A partial integration (feature-001 left out) exits 1.
    expect(trusted.code, trusted.stdout + trusted.stderr).toBe(1);
    expect(trusted.stdout).toContain('1 of 2 merged');
    expect(p.repo.git('show', 'baton/integration:src/feature-002/index.txt')).toContain('feature-002 by');
    expect(() => p.repo.git('show', 'baton/integration:src/feature-001/index.txt')).toThrow();
  }, 120_000);

  test('a worker that reports complete and sends no check event: not complete, the run exits 1, status and integrate say why', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1, {
      criteria: [{ id: 'tests', text: 'the file says GOOD', run: 'grep -q GOOD src/feature-001/index.txt' }],
    });
    const orch = s.runHere(p, redis);
    // Work inside owns that fails the criterion, and not one check event: the criterion ran nowhere.
    const forged = forgedCommit(p.repo.root, p.repo.git('rev-parse', 'HEAD'), {
      'src/feature-001/index.txt': 'x',
    });
    const forger = startForger(redis, p, forged);
    s.defer(() => forger.close());
    expect(await orch.exited, orch.output()).toBe(1);
    const why =
      'criterion tests of its contract has no result from its last checks (never run, or added or changed since they ran); run `baton verify feature-001`';
    expect(orch.output()).toContain('0/1 features complete');
    expect(orch.output()).toContain(`the worker reported it complete, but ${why}`);
    const log = p.events();
    // The only check on record is the orchestrator's own `owns`, which passed.
    expect(checkEvents(log, 'feature-001').map((e) => [e.criterion_id, e.type])).toEqual([
      ['owns', 'check.passed'],
    ]);
    expect(log.find((e) => e.type === 'feature.ended')).toMatchObject({
      status: 'failed-checks',
      reason: expect.stringContaining(why),
    });
    expect(log.find((e) => e.type === 'run.ended')).toMatchObject({ outcome: 'failed' });

    const status = await runBaton(['status', '--no-disk'], { cwd: p.repo.root });
    expect(status.stdout).toMatch(
      /^feature-001 +failed-checks .* 1\/2 .*the worker reported it complete, but criterion tests/m,
    );
    const refused = await runBaton(['integrate'], { cwd: p.repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /feature-001 \(failed-checks: the worker reported it complete, but criterion tests/,
    );
    // Checked here, the criterion fails on the worker's commit.
    expect((await runBaton(['verify', 'feature-001'], { cwd: p.repo.root })).code).toBe(1);
    const after = await runBaton(['status', '--no-disk'], { cwd: p.repo.root });
    expect(after.stdout).toMatch(/^feature-001 +failed-checks .*tests: /m);
  }, 60_000);

  test('a --no-verify queued run: complete, but unverified at its end and in status, since its criterion has no result', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    s.worker(p, redis.url, 'w1');
    const orch = s.runHere(p, redis, ['--no-verify']);
    expect(await orch.exited, orch.output()).toBe(0);
    const why = 'criterion file of its contract has no result from its last checks';
    expect(orch.output()).toContain('1/1 features complete');
    expect(orch.output()).toContain(`feature-001: ${why}`);
    const status = await runBaton(['status', '--no-disk'], { cwd: p.repo.root });
    expect(status.stdout).toMatch(new RegExp(`^feature-001 +complete \\(unverified\\) .* 1/2 .*${why}`, 'm'));
    const json = await runBaton(['status', '--json', '--no-disk'], { cwd: p.repo.root });
    expect(JSON.parse(json.stdout).features[0]).toMatchObject({
      status: 'complete',
      unverified: true,
      unverified_reason: expect.stringContaining(why),
    });
    expect((await runBaton(['verify', 'feature-001'], { cwd: p.repo.root })).code).toBe(0);
    const verified = await runBaton(['status', '--no-disk'], { cwd: p.repo.root });
    expect(verified.stdout).toMatch(/^feature-001 +complete +command .* 2\/2 /m);
  }, 60_000);

  test('a forged result with forged passing checks for work outside owns: the orchestrator fails its owns check, integrate refuses', async ({
    onTestFinished,
  }) => {
    const s = queueScope(onTestFinished);
    const redis = await s.redis();
    const p = s.project(1);
    const orch = s.runHere(p, redis);
    // The commit: the feature's file, and README.md, which feature-001 does not own.
    const base = p.repo.git('rev-parse', 'HEAD');
    const forged = forgedCommit(p.repo.root, base, {
      'src/feature-001/index.txt': 'ok',
      'README.md': 'pwned',
    });
    const events = new Redis(redis.url);
    s.defer(() => void events.disconnect());
    // A "worker" an agent could start with the queue's URL: it does no work, and says every check passed.
    const forger = startForger(redis, p, forged, async (job, instance) => {
      const passed = (criterion_id: string, text: string, kind: string) => ({
        v: 1,
        ts: new Date().toISOString(),
        type: 'check.passed',
        feature_id: 'feature-001',
        criterion_id,
        text,
        kind,
        on: 'worktree',
        message: 'fine',
        commit: forged,
      });
      const lines = [
        passed('owns', 'changes stay inside owns', 'files'),
        passed('file', 'file exists', 'run'),
      ];
      for (const [i, line] of lines.entries()) {
        await events.xadd(
          eventStreamKey(job.data.run_id),
          '*',
          'eid',
          eventIdOf(instance, 1, i + 1),
          'line',
          JSON.stringify(line),
        );
      }
    });
    s.defer(() => forger.close());
    expect(await orch.exited, orch.output()).toBe(1);
    expect(p.repo.git('rev-parse', 'baton/feature-001')).toBe(forged);
    const log = p.events();
    const checks = checkEvents(log, 'feature-001');
    expect(checks.filter((e) => e.type === 'check.passed').map((e) => e.by)).toEqual(['worker', 'worker']);
    expect(checks.at(-1)).toMatchObject({
      type: 'check.failed',
      criterion_id: 'owns',
      message: 'changed outside owns: README.md (owns: src/feature-001/**)',
      commit: forged,
    });
    expect(checks.at(-1)).not.toHaveProperty('by');
    const ended = log.find((e) => e.type === 'feature.ended' && e.feature_id === 'feature-001');
    expect(ended).toMatchObject({
      status: 'failed-checks',
      reason: expect.stringContaining('owns: changed outside owns: README.md'),
    });

    const integrate = await runBaton(['integrate'], { cwd: p.repo.root });
    expect(integrate.code, integrate.stdout + integrate.stderr).toBe(1);
    expect(integrate.stderr).toMatch(/feature-001 \(failed-checks: owns: changed outside owns: README\.md/);
    expect(p.repo.git('branch', '--list', 'baton/integration')).toBe('');
  }, 60_000);
});

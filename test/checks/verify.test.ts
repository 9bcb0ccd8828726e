import { describe, expect, it } from 'vitest';
import { canConnect } from '../../src/checks/server.js';
import { criteriaFor, makeWorktreeVerifier, verifyFeature } from '../../src/checks/verify.js';
import { countChecks } from '../../src/log/check-reason.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { createLogSink } from '../../src/log/sink.js';
import { portBlockFor } from '../../src/ports.js';
import type { Verifier } from '../../src/runner/run.js';
import { criterion, freePortBase, makeContract, makeProject, serveFixture } from './rig.js';

const vague = criterion({ id: 'robust', text: 'Error handling should be robust' });
const passing = criterion({ id: 'unit', text: 'unit tests pass', run: 'true' });
const afterMerge = criterion({
  id: 'calls',
  text: 'feature 3 can call PATCH',
  run: 'true',
  after: 'integration',
});

describe('verifyFeature', () => {
  it('reports a vague criterion as unverifiable, never as passed', async () => {
    const project = makeProject();
    const report = await verifyFeature({
      contract: makeContract('feature-001', [passing, vague]),
      cwd: project.root,
      on: 'worktree',
      port: 41000,
      config: project.config,
      logPath: project.logPath,
    });
    expect(report).toMatchObject({
      feature_id: 'feature-001',
      passed: 1,
      failed: 0,
      unverifiable: 1,
      total: 2,
    });
    expect(report.events[1]).toMatchObject({
      type: 'check.unverifiable',
      criterion_id: 'robust',
      text: 'Error handling should be robust',
      kind: 'unverifiable',
    });
    // The fold sees the same: one of two passed.
    const state = foldEvents(readLog(project.logPath).events);
    const f = state.features['feature-001'];
    expect(f && countChecks(f)).toEqual({ passed: 1, failed: 0, unverifiable: 1, total: 2 });
  });

  it('runs `after: integration` criteria only on integration, and the others only on the worktree', async () => {
    const project = makeProject();
    const contract = makeContract('feature-002', [passing, afterMerge]);
    expect(criteriaFor(contract, 'worktree').map((c) => c.id)).toEqual(['unit']);
    expect(criteriaFor(contract, 'integration').map((c) => c.id)).toEqual(['calls']);
    const common = {
      contract,
      cwd: project.root,
      port: 41000,
      config: project.config,
      logPath: project.logPath,
    };
    const onWorktree = await verifyFeature({ ...common, on: 'worktree' });
    const onIntegration = await verifyFeature({ ...common, on: 'integration' });
    expect(onWorktree.events.map((e) => 'criterion_id' in e && e.criterion_id)).toEqual(['unit']);
    expect(onIntegration.events).toMatchObject([{ criterion_id: 'calls', on: 'integration' }]);
    const f = foldEvents(readLog(project.logPath).events).features['feature-002'];
    expect(Object.keys(f?.checks ?? {})).toEqual(['unit']);
    expect(Object.keys(f?.integration_checks ?? {})).toEqual(['calls']);
  });

  it('stamps events with the given clock and run id', async () => {
    const project = makeProject();
    const report = await verifyFeature({
      contract: makeContract('feature-003', [passing]),
      cwd: project.root,
      on: 'worktree',
      port: 41000,
      config: project.config,
      logPath: project.logPath,
      runId: 'r-42',
      clock: () => new Date('2030-01-02T03:04:05.000Z'),
    });
    expect(report.events[0]).toMatchObject({ v: 1, ts: '2030-01-02T03:04:05.000Z', run_id: 'r-42' });
  });

  it('plugs into the runner as its verifier, running the worktree criteria with the run id', async () => {
    const project = makeProject();
    const verifier: Verifier = makeWorktreeVerifier({ config: project.config, logPath: project.logPath });
    const counts = await verifier({
      feature: makeContract('feature-005', [passing, vague, afterMerge]),
      worktree: project.root,
      port: 41000,
      base: 'HEAD',
      branch: 'baton/feature-005',
      runId: 'r-7',
      changed: ['src/feature-005/a.ts'],
      signal: new AbortController().signal,
      sink: createLogSink({ logPath: project.logPath }),
    });
    expect(counts).toMatchObject({ passed: 1, failed: 0, unverifiable: 1, total: 2 });
    expect(readLog(project.logPath).events.map((e) => e.run_id)).toEqual(['r-7', 'r-7']);
  });

  it('does nothing once the signal has aborted', async () => {
    const project = makeProject();
    const report = await verifyFeature({
      contract: makeContract('feature-004', [passing, vague]),
      cwd: project.root,
      on: 'worktree',
      port: 41000,
      config: project.config,
      logPath: project.logPath,
      signal: AbortSignal.abort(),
    });
    expect(report).toMatchObject({ passed: 0, total: 2, events: [], interrupted: true });
  });

  it('verifies 8 features at once, each server on its own port block, without collision', async () => {
    const project = makeProject();
    const base = await freePortBase(8);
    const contracts = Array.from({ length: 8 }, (_, i) =>
      makeContract(
        `feature-${String(i + 1).padStart(3, '0')}`,
        [
          // Ports are under test here, not speed: eight loads on a small machine are slow, never wrong.
          criterion({
            id: 'latency',
            text: 'GET /products p95 < 2 s',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the contract's own placeholder syntax
            http: { url: 'http://127.0.0.1:${PORT}/products', p95_ms: 2000, requests: 40, concurrency: 2 },
          }),
          criterion({
            id: 'port',
            text: 'sees its port',
            run: `echo "$PORT"; test "$PORT" = ${base + i * 10}`,
          }),
        ],
        { serve: serveFixture('delay-server.js', { DELAY_MS: '5' }) },
      ),
    );
    const reports = await Promise.all(
      contracts.map((contract, i) =>
        verifyFeature({
          contract,
          cwd: project.root,
          on: 'worktree',
          port: portBlockFor(i, base).port,
          config: project.config,
          logPath: project.logPath,
        }),
      ),
    );
    for (const r of reports) {
      expect(r, JSON.stringify(r.events.map((e) => ('message' in e ? e.message : '')))).toMatchObject({
        passed: 2,
        failed: 0,
        total: 2,
      });
    }
    const ports = reports.map((_, i) => portBlockFor(i, base).port);
    expect(new Set(ports).size).toBe(8);
    for (const port of ports) expect(await canConnect('127.0.0.1', port)).toBe(false);
    // 16 whole lines in the shared log, none torn.
    const log = readLog(project.logPath);
    expect(log.problems).toEqual([]);
    expect(log.events).toHaveLength(16);
  });
});

import { describe, expect, it } from 'vitest';
import { countChecks, unverifiedReason } from '../../src/log/check-reason.js';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';

const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;
const trust = { trustWorkers: false };

/** A worktree check of feature `api` on `commit`. */
function check(
  s: number,
  id: string,
  commit: string | undefined,
  extra: Record<string, unknown> = {},
): LogEvent {
  return {
    v: 1,
    ts: at(s),
    run_id: 'r1',
    type: 'check.passed',
    feature_id: 'api',
    criterion_id: id,
    text: `criterion ${id}`,
    kind: 'run',
    on: 'worktree',
    message: 'exit 0',
    ...(commit ? { commit } : {}),
    ...extra,
  } as LogEvent;
}

/** A run of `api` whose agent committed `commit`, then its checks t and slow on it, and its end. */
function ranOn(commit: string | undefined): LogEvent[] {
  return [
    { v: 1, ts: at(0), run_id: 'r1', type: 'run.started', feature_ids: ['api'], pid: 1 } as LogEvent,
    {
      v: 1,
      ts: at(1),
      run_id: 'r1',
      type: 'feature.started',
      feature_id: 'api',
      agent: 'x',
      branch: 'baton/api',
      worktree: '/w',
    } as LogEvent,
    {
      v: 1,
      ts: at(2),
      run_id: 'r1',
      type: 'agent.exited',
      feature_id: 'api',
      exit_code: 0,
      signal: null,
      duration_ms: 1000,
      files: ['a'],
      ...(commit ? { commit } : {}),
    } as LogEvent,
    check(3, 't', commit),
    check(4, 'slow', commit),
    {
      v: 1,
      ts: at(5),
      run_id: 'r1',
      type: 'feature.ended',
      feature_id: 'api',
      status: 'complete',
    } as LogEvent,
  ];
}

const criteria = [
  { id: 't', kind: 'run' as const, text: 'criterion t', digest: 'd' },
  { id: 'slow', kind: 'run' as const, text: 'criterion slow', digest: 'd' },
];

describe('worktree check results and the commit they ran on', () => {
  it('a verify of a new commit stopped before a criterion leaves that criterion without a result', () => {
    const state = foldEvents([...ranOn('aaaa'), check(6, 't', 'bbbb')]);
    const f = state.features.api!;
    expect(f.commit).toBe('bbbb');
    expect(Object.keys(f.checks)).toEqual(['t']);
    expect(f.checks.t?.commit).toBe('bbbb');
    expect(f.status).toBe('complete');
    expect(unverifiedReason(f, criteria, trust)).toMatch(/criterion slow of its contract has no result/);
  });
  it('keeps the results of a log older than the commit field, and those of the same commit', () => {
    expect(
      Object.keys(foldEvents([...ranOn(undefined), check(6, 't', 'bbbb')]).features.api!.checks),
    ).toEqual(['t', 'slow']);
    const same = foldEvents([...ranOn('aaaa'), check(6, 't', 'aaaa')]).features.api!;
    expect(unverifiedReason(same, criteria, trust)).toBeUndefined();
  });
  it('counts "checks n/m" over the criteria the contract has now, by their results', () => {
    const f = foldEvents(ranOn('aaaa')).features.api!;
    expect(countChecks(f, 'worktree', criteria)).toEqual({ passed: 2, failed: 0, unverifiable: 0, total: 2 });
    // t replaced by t2, never run: t's pass counts for nothing, t2 has no result.
    const renamed = [criteria[1]!, { id: 't2', kind: 'run' as const, text: 'criterion t2', digest: 'd' }];
    expect(countChecks(f, 'worktree', renamed)).toEqual({ passed: 1, failed: 0, unverifiable: 0, total: 2 });
    // Without the contract, the results recorded.
    expect(countChecks(f)).toEqual({ passed: 2, failed: 0, unverifiable: 0, total: 2 });
  });
  it("a feature a resume completed keeps no reason of the run before's end", () => {
    const events: LogEvent[] = [
      ...ranOn('aaaa').slice(0, 4),
      {
        v: 1,
        ts: at(5),
        run_id: 'r1',
        type: 'feature.ended',
        feature_id: 'api',
        status: 'interrupted',
        reason: 'stopped by Ctrl-C while its checks ran',
      } as LogEvent,
      {
        v: 1,
        ts: at(6),
        run_id: 'r1',
        type: 'run.started',
        feature_ids: ['api'],
        pid: 2,
        resume: true,
      } as LogEvent,
      {
        v: 1,
        ts: at(7),
        run_id: 'r1',
        type: 'worktree.created',
        feature_id: 'api',
        path: '/w',
        branch: 'baton/api',
        agent_finished: 'aaaa',
      } as LogEvent,
      check(8, 't', 'aaaa'),
      check(9, 'slow', 'aaaa'),
      {
        v: 1,
        ts: at(10),
        run_id: 'r1',
        type: 'feature.ended',
        feature_id: 'api',
        status: 'complete',
      } as LogEvent,
    ];
    const f = foldEvents(events).features.api!;
    expect(f.status).toBe('complete');
    expect(f.reason).toBeUndefined();
  });
});

/** `ranOn('aaaa')` with its `slow` criterion failed: the run ended it `failed-checks`. */
function failedSlow(): LogEvent[] {
  return [
    ...ranOn('aaaa').slice(0, 4),
    check(4, 'slow', 'aaaa', { type: 'check.failed', message: 'exit 1' }),
    {
      v: 1,
      ts: at(5),
      run_id: 'r1',
      type: 'feature.ended',
      feature_id: 'api',
      status: 'failed-checks',
      reason: 'slow: exit 1',
    } as LogEvent,
  ];
}

describe('a verification names the criteria it runs', () => {
  it('drops the result of a criterion it no longer runs: its failure no longer keeps the feature failed-checks', () => {
    const f = foldEvents([...failedSlow(), check(6, 't', 'aaaa', { criteria: ['t'] })]).features.api!;
    expect(Object.keys(f.checks)).toEqual(['t']);
    expect(f.status).toBe('complete');
    expect(f.reason).toBeUndefined();
  });
  it('keeps a failure of a criterion it still runs, one a worker reported the set of, and one of a log older than the field', () => {
    for (const extra of [{ criteria: ['t', 'slow'] }, { criteria: ['t'], by: 'worker' }, {}]) {
      const f = foldEvents([...failedSlow(), check(6, 't', 'aaaa', extra)]).features.api!;
      expect(f.status, JSON.stringify(extra)).toBe('failed-checks');
      expect(f.reason).toBe('slow: exit 1');
    }
  });
  it('on the integration branch, drops the result of an after-integration criterion it no longer runs', () => {
    const onIntegration = { on: 'integration', commit: undefined };
    const events = [
      ...ranOn('aaaa'),
      check(6, 'e2e', undefined, { ...onIntegration, type: 'check.failed', message: 'exit 1' }),
      check(7, 'smoke', undefined, { ...onIntegration, criteria: ['smoke'] }),
    ];
    const f = foldEvents(events).features.api!;
    expect(Object.keys(f.integration_checks)).toEqual(['smoke']);
    expect(Object.keys(f.checks)).toEqual(['t', 'slow']);
  });
});

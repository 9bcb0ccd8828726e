import { describe, expect, it } from 'vitest';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import { describePlan } from '../../src/dashboard/plan-view.js';
import {
  columnOf,
  countHeadline,
  featureView,
  listFeatures,
  withReport,
  withRunTime,
} from '../../src/dashboard/view.js';
import { buildPlan } from '../../src/graph/plan.js';
import type { Plan } from '../../src/graph/types.js';
import { stampEvent } from '../../src/log/append.js';
import { FEATURE_STATUSES, type FeatureStatus, type NewEvent } from '../../src/log/events.js';
import { type BatonState, foldEvents, initialState } from '../../src/log/fold.js';
import { computeReport } from '../../src/metrics/report.js';
import { contractText, type TestContract } from '../rig/contracts.js';

function planOf(contracts: TestContract[]): Plan {
  const parsed: Contract[] = contracts.map((c) => {
    const r = parseContract(contractText(c), `specs/${c.id}/contract.md`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  });
  const plan = buildPlan(parsed);
  if (!plan.ok) throw new Error(JSON.stringify(plan.errors));
  return plan.value;
}

describe('dashboard view', () => {
  it('puts every status in exactly one column', () => {
    const expected: Record<FeatureStatus, string> = {
      pending: 'pending',
      running: 'running',
      verifying: 'running',
      'needs-input': 'needs-input',
      complete: 'complete',
      failed: 'failed',
      'failed-checks': 'failed',
      timeout: 'failed',
      interrupted: 'failed',
      empty: 'failed',
      collision: 'failed',
    };
    for (const status of FEATURE_STATUSES) expect(columnOf(status), status).toBe(expected[status]);
  });

  it('describes the plan for the page: waves, edges, criteria counts', () => {
    const plan = planOf([
      {
        id: 'a',
        estimate: 30,
        criteria: [
          { text: 't', run: 'true' },
          { text: 'i', run: 'true', after: 'integration' },
        ],
      },
      { id: 'b', depends: ['a'], estimate: 20 },
      { id: 'c', estimate: 10 },
    ]);
    const view = describePlan(plan);
    expect(view.waves).toEqual([['a', 'c'], ['b']]);
    expect(view.edges).toEqual([{ from: 'a', to: 'b' }]);
    // Its worktree checks run the implicit `owns` criterion and its own one.
    expect(view.features.find((f) => f.id === 'a')).toMatchObject({
      criteria: 2,
      integration_criteria: 1,
      file: 'specs/a/contract.md',
      estimate_minutes: 30,
    });
    expect(view.critical_path).toEqual(['a', 'b']);
    expect(view.max_speedup).toBeCloseTo(60 / 50);
    expect(view.overlaps).toEqual([]);
  });

  it("lists the plan's ownership overlaps for the graph, only between independent features", () => {
    const plan = planOf([
      { id: 'a', owns: ['src/shared/**'] },
      { id: 'b', depends: ['a'], owns: ['src/shared/**'] },
      { id: 'c', owns: ['src/shared/routes.ts'] },
    ]);
    const view = describePlan(plan);
    expect(view.overlaps.map((o) => [o.a, o.b].sort())).toEqual([
      ['a', 'c'],
      ['b', 'c'],
    ]);
    expect(view.overlaps[0]?.pattern).toContain('src/shared/');
  });

  it('lists the plan features first, pending until the log names them, then features only the log knows', () => {
    const plan = planOf([{ id: 'a' }, { id: 'b', depends: ['a'] }]);
    const state = foldEvents([
      { feature_id: 'b', status: 'running' },
      { feature_id: 'stray', status: 'complete' },
    ]);
    expect(listFeatures(state, plan).map((f) => [f.feature_id, f.status])).toEqual([
      ['a', 'pending'],
      ['b', 'running'],
      ['stray', 'complete'],
    ]);
  });

  it('leaves off a feature only a hook outside the run names, as status does (one rule with the report)', () => {
    const plan = planOf([{ id: 'a' }, { id: 'b' }]);
    const events: NewEvent[] = [
      {
        type: 'run.started',
        run_id: 'r1',
        feature_ids: ['a'],
        concurrency: 1,
        base: 'main',
        base_commit: '0'.repeat(40),
        mode: 'contract-first',
        pid: 1,
      },
      { type: 'hook', feature_id: 'stray', event: 'stop', status: 'complete' },
      { type: 'hook', feature_id: 'b', event: 'stop', status: 'complete' },
    ];
    const state = foldEvents(events.map((e) => stampEvent(e)));
    expect(listFeatures(state, plan).map((f) => [f.feature_id, f.status])).toEqual([
      ['a', 'pending'],
      ['b', 'pending'],
    ]);
  });

  it('counts the board and the merges from the fold, leaving speedup to the report', () => {
    const ts = '2026-01-01T00:00:00.000Z';
    const state = foldEvents([
      { feature_id: 'a', status: 'complete' },
      { feature_id: 'b', status: 'timeout' },
      { feature_id: 'c', status: 'needs-input' },
      {
        v: 1,
        ts,
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/w',
        order: ['a', 'b'],
      },
      { v: 1, ts, type: 'merge.clean', feature_id: 'a', commit: 'x', duration_ms: 5 },
      {
        v: 1,
        ts,
        type: 'merge.conflict',
        feature_id: 'b',
        files: ['src/db.ts'],
        with: ['a'],
        duration_ms: 5,
      },
    ]);
    const m = countHeadline(state, undefined);
    expect(m).toEqual({
      features: 3,
      by_column: { pending: 0, running: 0, 'needs-input': 1, complete: 1, failed: 1 },
      conflicts: 1,
      merged: 1,
    });
  });

  it('counts a conflict from a base lacking the cut commit apart, on the board and from the report', () => {
    const ts = '2026-01-01T00:00:00.000Z';
    const conflict = (id: string, cut?: string) => ({
      v: 1 as const,
      ts,
      type: 'merge.conflict' as const,
      feature_id: id,
      files: ['docs/plan.md'],
      with: [],
      duration_ms: 5,
      ...(cut ? { base_lacks_cut: cut } : {}),
    });
    const events = [
      {
        v: 1 as const,
        ts,
        type: 'integration.started' as const,
        branch: 'baton/integration',
        worktree: '/w',
        order: ['a', 'b'],
      },
      conflict('a', 'c'.repeat(40)),
      conflict('b'),
    ];
    const board = countHeadline(foldEvents(events), undefined);
    expect(board).toMatchObject({ conflicts: 1, conflicts_base_lacks_cut: 1 });
    const m = withReport(board, computeReport({ events }), 1);
    expect(m).toMatchObject({ conflicts: 1, conflicts_base_lacks_cut: 1 });
    // Once the report says there are none, the board's count does not linger.
    const none = withReport(board, computeReport({ events: [events[0]!, conflict('b')] }), 2);
    expect(none.conflicts_base_lacks_cut).toBeUndefined();
  });

  it("counts merges from the report's run, not from another run's integration the fold kept", () => {
    const ts = (min: number) => new Date(Date.UTC(2026, 0, 1, 10, min)).toISOString();
    const runStarted = (min: number, run_id: string, id: string) => ({
      v: 1 as const,
      ts: ts(min),
      type: 'run.started' as const,
      run_id,
      feature_ids: [id],
      concurrency: 1,
      base: 'main',
      base_commit: '0'.repeat(40),
      mode: 'contract-first' as const,
      pid: 1,
    });
    const events = [
      runStarted(0, 'r1', 'fa'),
      {
        v: 1 as const,
        ts: ts(1),
        type: 'run.ended' as const,
        run_id: 'r1',
        outcome: 'complete' as const,
        duration_ms: 60_000,
      },
      {
        v: 1 as const,
        ts: ts(2),
        type: 'integration.started' as const,
        branch: 'baton/integration',
        worktree: '/w',
        order: ['fa'],
      },
      {
        v: 1 as const,
        ts: ts(2),
        type: 'merge.clean' as const,
        feature_id: 'fa',
        commit: 'x',
        duration_ms: 5,
      },
      {
        v: 1 as const,
        ts: ts(2),
        type: 'integration.ended' as const,
        outcome: 'clean' as const,
        duration_ms: 100,
      },
      // Another run, not integrated: the report (and so the page) is about it.
      runStarted(3, 'r2', 'fb'),
      {
        v: 1 as const,
        ts: ts(4),
        type: 'run.ended' as const,
        run_id: 'r2',
        outcome: 'complete' as const,
        duration_ms: 60_000,
      },
    ];
    const board = countHeadline(foldEvents(events), undefined);
    expect(board.merged).toBe(1);
    const report = computeReport({ events });
    expect(report.run.run_id).toBe('r2');
    expect(withReport(board, report, 1)).toMatchObject({ merged: 0, conflicts: 0 });
    expect(withReport(board, computeReport({ events, runId: 'r1' }), 1)).toMatchObject({ merged: 1 });
  });

  it("shows the report's headline speedup, the one every other output leads with", () => {
    const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 10, min)).toISOString();
    const events = [
      {
        v: 1 as const,
        ts: at(0),
        type: 'run.started' as const,
        run_id: 'r',
        feature_ids: ['a', 'b'],
        concurrency: 2,
        base: 'main',
        base_commit: 'x',
        mode: 'contract-first' as const,
        pid: 1,
      },
      ...['a', 'b'].flatMap((id) => [
        {
          v: 1 as const,
          ts: at(0),
          type: 'feature.started' as const,
          feature_id: id,
          status: 'running' as const,
          agent: 'x',
          branch: `baton/${id}`,
          worktree: '/w',
          log_file: '/l',
          port: 1,
        },
        {
          v: 1 as const,
          ts: at(20),
          type: 'agent.exited' as const,
          feature_id: id,
          exit_code: 0,
          signal: null,
          duration_ms: 20 * 60_000,
          files: [],
        },
        {
          v: 1 as const,
          ts: at(20),
          type: 'feature.ended' as const,
          feature_id: id,
          status: 'complete' as const,
        },
      ]),
      {
        v: 1 as const,
        ts: at(20),
        type: 'run.ended' as const,
        run_id: 'r',
        outcome: 'complete' as const,
        duration_ms: 20 * 60_000,
      },
    ];
    const counts = countHeadline(foldEvents(events), undefined);
    const report = computeReport({ events });
    expect(report.headline.speedup).toBe(2);
    expect(withReport(counts, report, 7)).toMatchObject({
      speedup: report.headline.speedup,
      speedup_scope: 'implementation',
      speedup_basis: 'measured',
      headline_text: report.headline.text,
      report_seq: 7,
    });
  });
});

describe("a feature's agent time on the page", () => {
  it('is held to the duration rule status --json uses: a negative one 0 and flagged, an impossible one left out and flagged', () => {
    const at = (sec: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, sec)).toISOString();
    const started = (id: string): NewEvent => ({
      type: 'feature.started',
      feature_id: id,
      status: 'running',
      agent: 'command',
      branch: `baton/${id}`,
      worktree: `/x/${id}`,
      log_file: '/x',
      port: 41000,
    });
    const exited = (id: string, duration_ms: number): NewEvent => ({
      type: 'agent.exited',
      feature_id: id,
      exit_code: 0,
      signal: null,
      duration_ms,
      files: [],
    });
    const ended = (id: string): NewEvent => ({ type: 'feature.ended', feature_id: id, status: 'complete' });
    const timed: Array<[number, NewEvent]> = [
      [
        0,
        {
          type: 'run.started',
          run_id: 'r',
          feature_ids: ['fa', 'fb', 'fc'],
          concurrency: 3,
          base: 'main',
          base_commit: '0'.repeat(40),
          mode: 'contract-first',
          pid: 1,
        },
      ],
      [0, started('fa')],
      [0, started('fb')],
      [0, started('fc')],
      // A negative duration, a forged 10-hour one in a 3-second run, and a sane one.
      [2, exited('fa', -5000)],
      [2, ended('fa')],
      [3, exited('fb', 36_000_000)],
      [3, ended('fb')],
      [3, exited('fc', 2500)],
      [3, ended('fc')],
    ];
    const state = foldEvents(timed.map(([sec, e]) => stampEvent(e, () => new Date(at(sec)))));
    const sent = (id: string) => {
      const view = JSON.parse(JSON.stringify(featureView(state.features[id]!, {}, state)));
      return {
        duration_ms: view.duration_ms,
        clock_backwards: view.clock_backwards,
        duration_implausible: view.duration_implausible,
      };
    };
    expect(sent('fa')).toEqual({ duration_ms: 0, clock_backwards: true, duration_implausible: undefined });
    expect(sent('fb')).toEqual({
      duration_ms: undefined,
      clock_backwards: undefined,
      duration_implausible: true,
    });
    expect(sent('fc')).toEqual({
      duration_ms: 2500,
      clock_backwards: undefined,
      duration_implausible: undefined,
    });
  });
});

describe('a feature whose checks passed only on a worker', () => {
  it('is unverified on the board, in the words of baton status, unless the config trusts workers', () => {
    const plan = planOf([{ id: 'q', criteria: [{ id: 'ok', text: 'works', run: 'true' }] }]);
    const ts = '2026-01-01T00:00:00.000Z';
    const events: NewEvent[] = [
      { type: 'queue.job', feature_id: 'q', job_id: 'r.q', state: 'completed', worker: 'w1', host: 'h1' },
      ...['owns', 'ok'].map(
        (id): NewEvent => ({
          type: 'check.passed',
          feature_id: 'q',
          criterion_id: id,
          text: id === 'owns' ? 'changes stay inside owns' : 'works',
          kind: id === 'owns' ? 'files' : 'run',
          on: 'worktree',
          message: 'fine',
          by: 'worker',
        }),
      ),
      { type: 'feature.ended', feature_id: 'q', status: 'complete' },
    ];
    const f = foldEvents(events.map((e) => stampEvent(e, () => new Date(ts)))).features.q!;
    expect(featureView(f, { plan }, {})).toMatchObject({
      unverified: true,
      unverified_reason: 'its checks passed on worker w1 (host h1), unverified here; run `baton verify q`',
    });
    expect(featureView(f, { plan, trustWorkers: true }, {})).toMatchObject({
      unverified: false,
      unverified_reason: null,
    });
  });
});

describe("the header's Elapsed tile, computed by the server", () => {
  const counts = countHeadline(initialState(), undefined);
  const run = (fields: Partial<BatonState>): BatonState => ({ ...initialState(), run_id: 'r2', ...fields });
  const chain = { run_id: 'r1', resumed_by: ['r2'], started_at: '2026-12-01T09:00:00.000Z' };
  const started = '2026-12-01T10:00:00.000Z';
  const ended = '2026-12-01T10:00:03.000Z';
  const cases: Array<[string, BatonState, Partial<typeof counts>, unknown]> = [
    ['no run yet', initialState(), {}, undefined],
    ['a run going on: from its start', run({ run_started_at: started }), {}, { ms: 0, since: started }],
    ['a run ended: its span', run({ run_started_at: started, run_ended_at: ended }), {}, { ms: 3000 }],
    [
      'a run whose end was inferred: unknown',
      run({ run_started_at: started, run_ended_at: ended, run_end_inferred: true }),
      {},
      undefined,
    ],
    [
      "a resumed run ended: its parts' wall-clock",
      run({ run_started_at: started, run_ended_at: ended }),
      { run_chain: { ...chain, wall_ms: 9000 } },
      { ms: 9000 },
    ],
    [
      'a resumed run ended, a part of which never recorded its end: unknown, never the last part alone',
      run({ run_started_at: started, run_ended_at: ended }),
      { run_chain: { ...chain, wall_ms: null } },
      undefined,
    ],
    [
      'a resumed run going on: its ended parts and its last so far',
      run({ run_started_at: started }),
      { run_chain: { ...chain, wall_ms: null, so_far: { ended_ms: 5000, since: started } } },
      { ms: 5000, since: started },
    ],
    [
      "a later run than the report's: the report's chain is not this run's",
      run({ run_id: 'r3', run_started_at: started, run_ended_at: ended }),
      { run_chain: { ...chain, wall_ms: null } },
      { ms: 3000 },
    ],
  ];
  it.each(cases)('%s', (_, state, reported, elapsed) => {
    const metrics = withRunTime({ ...counts, ...reported }, state);
    expect(metrics.elapsed).toEqual(elapsed);
    if (state.run_id === 'r3') expect(metrics).not.toHaveProperty('run_chain');
  });
});

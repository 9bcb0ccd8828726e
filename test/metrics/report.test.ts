import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { formatPercent, formatSpeedup } from '../../src/metrics/format.js';
import { computeReport } from '../../src/metrics/report.js';
import {
  at,
  contract,
  ev,
  featureEvents,
  handPlan,
  phase,
  runEnded,
  runStarted,
  threeParallelFeatures,
} from './log-builder.js';

describe('computeReport: golden logs', () => {
  it('three 30-minute features in parallel with no conflict give an implementation speedup of 3.0×', () => {
    const r = computeReport({ events: threeParallelFeatures() });
    const impl = r.worksheet.rows.find((x) => x.phase === 'implementation');
    expect(impl).toMatchObject({
      sequential_estimate_min: null,
      sequential_measured_min: 90,
      parallel_actual_min: 30,
      speedup_basis: 'measured',
    });
    expect(formatSpeedup(impl?.speedup)).toBe('3.0×');
    expect(r.conflicts).toMatchObject({ count: 0, potential_points: 3, conflicting_pairs: 0 });
    expect(
      r.features.map((f) => [f.feature_id, f.status, f.duration_min, f.checks.passed, f.checks.total]),
    ).toEqual([
      ['feature-001-auth', 'complete', 30, 2, 2],
      ['feature-002-catalog', 'complete', 30, 2, 2],
      ['feature-003-cart', 'complete', 30, 2, 2],
    ]);
    // 5 min of integration after 30 min of execution.
    expect(r.integration.ratio).toBeCloseTo(5 / 30, 10);
    expect(r.integration.verdict).toBe('healthy');
    expect(r.amdahl.n).toBe(3);
    expect(r.amdahl.serial_fraction).toBeCloseTo(5 / 95, 10);
    expect(r.amdahl.bound).toBeCloseTo(1 / (5 / 95 + 90 / 95 / 3), 10);
    expect(r.diagnosis.join('\n')).toContain(
      'No merge conflicts: none of the 3 potential integration points',
    );
    expect(r.diagnosis.join('\n')).toContain('as parallel as N = 3 allows');
    expect(r.unknowns).toEqual([]);
  });

  it('reproduces the methodology worksheet (375 min sequential, 130 min parallel) from phase events: 2.9×', () => {
    // Sequential estimates: specification 60 + planning 75 + implementation 3 × 60 + integration 60 = 375.
    // Parallel actuals:     specification 30 + planning 15 + implementation 60     + integration 25 = 130.
    // Gaps between phases (breaks) are not work and are not counted.
    const events = [
      ...phase(0, 30, 'specification'),
      ...phase(40, 55, 'planning'),
      ...phase(60, 120, 'implementation'),
      ...phase(130, 155, 'integration'),
    ];
    const ids = ['feature-001-auth', 'feature-002-catalog', 'feature-003-cart'];
    const plan = handPlan({
      contracts: ids.map((id) => contract(id, { estimate_minutes: 60 })),
      waves: [ids],
      critical: { feature_ids: ['feature-001-auth'], minutes: 60 },
    });
    const r = computeReport({
      events,
      plan,
      estimates: { specification: 60, planning: 75, integration: 60 },
    });
    expect(
      r.worksheet.rows.map((x) => [
        x.phase,
        x.sequential_estimate_min,
        x.parallel_actual_min,
        x.speedup_estimate,
      ]),
    ).toEqual([
      ['specification', 60, 30, 2],
      ['planning', 75, 15, 5],
      ['implementation', 180, 60, 3],
      ['integration', 60, 25, 2.4],
    ]);
    expect(r.worksheet.total.sequential_estimate_min).toBe(375);
    expect(r.worksheet.total.parallel_actual_min).toBe(130);
    expect(r.worksheet.total.speedup_basis).toBe('estimate');
    expect(formatSpeedup(r.worksheet.total.speedup)).toBe('2.9×');
    // Amdahl on measured terms: serial 70 min, parallelisable 180 min, N = 3.
    expect(r.amdahl.serial_min).toBe(70);
    expect(r.amdahl.serial_fraction).toBeCloseTo(70 / 250, 10);
    expect(r.amdahl.bound).toBeCloseTo(1 / (70 / 250 + 180 / 250 / 3), 10);
    expect(r.integration.ratio).toBeCloseTo(25 / 60, 10);
    expect(r.integration.verdict).toBe('high');
  });

  it('an integration of 4 h after 6 h of execution is 67 % and the verdict points at the contracts', () => {
    const ids = ['feature-001-auth', 'feature-002-catalog'];
    const events = [
      runStarted(0, 'r1', ids),
      ...featureEvents({ id: ids[0]!, runId: 'r1', start: 0, exit: 360 }),
      ...featureEvents({ id: ids[1]!, runId: 'r1', start: 0, exit: 300 }),
      runEnded(360, 'r1', 0),
      ...phase(360, 600, 'integration'),
    ];
    const r = computeReport({ events });
    expect(r.integration.duration_min).toBe(240);
    expect(r.integration.execution_min).toBe(360);
    expect(formatPercent(r.integration.ratio)).toBe('67 %');
    expect(r.integration.verdict).toBe('high');
    expect(r.integration.verdict_text).toMatch(/contracts are probably under-specified/);
    const line = r.diagnosis.find((d) => d.startsWith('Integration took'));
    expect(line).toBe(
      'Integration took 240 min after 360 min of execution: 67 %, far above the healthy 15–20 %: ' +
        'the contracts are probably under-specified — interfaces were discovered at merge time instead of being ' +
        'agreed in the contracts.',
    );
  });

  it('a failed feature, a conflict and a run that never recorded its end still report, with unknowns marked', () => {
    const ids = ['feature-001-db', 'feature-002-orders', 'feature-003-mail'];
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...featureEvents({ id: ids[0]!, runId: 'r1', start: 0, exit: 20, files: ['src/db.ts'] }),
      ...featureEvents({
        id: ids[1]!,
        runId: 'r1',
        start: 0,
        exit: 25,
        exitCode: 1,
        files: ['src/orders.ts', 'src/db.ts'],
        usage: { cost_usd: 0.42, input_tokens: 1200, output_tokens: 800 },
      }),
      // feature-003 started and nothing more: the orchestrator died (no agent.exited, no run.ended).
      ...featureEvents({ id: ids[2]!, runId: 'r1', start: 1 }),
      ev(40, { type: 'integration.started', branch: 'baton/integration', worktree: '/tmp/int', order: ids }),
      ev(41, { type: 'merge.clean', feature_id: ids[0]!, commit: 'a'.repeat(40), duration_ms: 500 }),
      ev(42, {
        type: 'merge.conflict',
        feature_id: ids[1]!,
        files: ['src/db.ts'],
        with: [ids[0]!],
        duration_ms: 700,
      }),
      ev(50, { type: 'integration.ended', outcome: 'conflict', duration_ms: 10 * 60_000 }),
    ];
    const plan = handPlan({
      contracts: [
        contract(ids[0]!, { owns: ['src/db.ts'], estimate_minutes: 20 }),
        contract(ids[1]!, { owns: ['src/orders.ts'], estimate_minutes: 30 }),
        contract(ids[2]!, { owns: ['src/mail/**'] }),
      ],
      waves: [ids],
      critical: { feature_ids: [ids[1]!], minutes: 30 },
    });
    const r = computeReport({ events, plan });

    expect(r.run).toMatchObject({ run_id: 'r1', unfinished: true, ended_at: null, outcome: null });
    const byId = Object.fromEntries(r.features.map((f) => [f.feature_id, f]));
    expect(byId[ids[0]!]).toMatchObject({
      status: 'complete',
      duration_min: 20,
      conflicts: 1,
      outside_owns: [],
    });
    expect(byId[ids[1]!]).toMatchObject({
      status: 'failed',
      exit_code: 1,
      duration_min: 25,
      conflicts: 1,
      cost_usd: 0.42,
      input_tokens: 1200,
      output_tokens: 800,
      outside_owns: ['src/db.ts'],
    });
    expect(byId[ids[2]!]).toMatchObject({
      status: 'running',
      duration_min: null,
      end_min: null,
      start_min: 1,
    });

    const impl = r.worksheet.rows.find((x) => x.phase === 'implementation');
    // Estimates are incomplete (feature-003 has none) and the wall-clock and agent sum are unknown.
    expect(impl).toMatchObject({
      sequential_estimate_min: null,
      sequential_measured_min: null,
      parallel_actual_min: null,
      speedup: null,
    });
    expect(r.worksheet.total.speedup).toBeNull();
    expect(r.integration).toMatchObject({
      duration_min: 10,
      execution_min: null,
      ratio: null,
      verdict: 'unknown',
    });
    expect(r.conflicts).toMatchObject({
      count: 1,
      conflicting_pairs: 1,
      potential_points: 3,
      files: ['src/db.ts'],
    });
    expect(r.conflicts.pairs[0]).toEqual({
      feature_id: ids[1],
      with: ids[0],
      files: [{ file: 'src/db.ts', owners: [ids[0]] }],
      dependent: false,
    });
    const text = r.diagnosis.join('\n');
    expect(text).toContain(
      '`src/db.ts` is owned only by `feature-001-db`, so `feature-002-orders` crossed its boundary',
    );
    expect(text).toContain(
      'Integration ÷ execution is unknown: the execution (implementation) time was not recorded.',
    );
    const unknowns = r.unknowns.join('\n');
    expect(unknowns).toContain('Run r1 has no run.ended event');
    expect(unknowns).toContain('feature-003-mail: agent time unknown (started and never recorded an end)');
    expect(unknowns).toContain('No estimate_minutes in the contracts of feature-003-mail');
  });
});

describe('computeReport: choosing the run', () => {
  const run1 = [
    ...phase(0, 10, 'specification'),
    runStarted(10, 'r1', ['a']),
    ...featureEvents({ id: 'a', runId: 'r1', start: 10, exit: 20 }),
    runEnded(20, 'r1', 10),
    ev(20, { type: 'phase.started', phase: 'integration' }),
    ev(21, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ['a'] }),
    ev(22, { type: 'integration.ended', outcome: 'clean', duration_ms: 60_000 }),
    // The integration phase ends after the run's last activity: it still belongs to r1.
    ev(24, { type: 'phase.ended', phase: 'integration' }),
  ];
  const run2 = [
    // Specification for the next run, recorded before it starts: it belongs to r2.
    ...phase(30, 45, 'specification'),
    runStarted(50, 'r2', ['b', 'c']),
    ...featureEvents({ id: 'b', runId: 'r2', start: 50, exit: 60 }),
    ...featureEvents({ id: 'c', runId: 'r2', start: 50, exit: 70 }),
    runEnded(70, 'r2', 50),
  ];

  it('defaults to the latest run, and phases recorded before a run belong to it', () => {
    const r = computeReport({ events: [...run1, ...run2] });
    expect(r.run.run_id).toBe('r2');
    expect(r.features.map((f) => f.feature_id)).toEqual(['b', 'c']);
    expect(r.worksheet.rows.map((x) => [x.phase, x.parallel_actual_min])).toEqual([
      ['specification', 15],
      ['implementation', 20],
    ]);
  });

  it('selects an earlier run by id, with the integration that followed it', () => {
    const r = computeReport({ events: [...run1, ...run2], runId: 'r1' });
    expect(r.features.map((f) => f.feature_id)).toEqual(['a']);
    expect(r.worksheet.rows.map((x) => [x.phase, x.parallel_actual_min])).toEqual([
      ['specification', 10],
      ['implementation', 10],
      // The phase (20–24) covers the integration events (21–22): union, not sum.
      ['integration', 4],
    ]);
  });

  it('says so when the run asked for is not in the log', () => {
    const r = computeReport({ events: run1, runId: 'nope' });
    expect(r.run.run_id).toBe('nope');
    expect(r.features).toEqual([]);
    expect(r.unknowns[0]).toBe('Run nope is not in the log.');
  });

  it('reports a log of hand-written hook lines, timing the implementation from first start to last end', () => {
    const events: LogEvent[] = [
      { feature_id: 'x', status: 'started', ts: '2026-03-02T09:00:00.000Z' },
      { feature_id: 'y', status: 'running', ts: '2026-03-02T09:05:00.000Z' },
      { feature_id: 'x', status: 'done', ts: '2026-03-02T09:40:00.000Z' },
      { feature_id: 'y', status: 'complete', ts: '2026-03-02T09:45:00.000Z' },
      { feature_id: 'z', status: 'complete' },
    ];
    const r = computeReport({ events });
    expect(r.run.run_id).toBeNull();
    expect(r.features.map((f) => [f.feature_id, f.status, f.duration_min])).toEqual([
      ['x', 'complete', 40],
      ['y', 'complete', 40],
      ['z', 'complete', null],
    ]);
    const impl = r.worksheet.rows.find((x) => x.phase === 'implementation');
    expect(impl?.parallel_actual_min).toBe(45);
    // z reported no times at all, so the agents' sum is unknown rather than 80.
    expect(impl?.sequential_measured_min).toBeNull();
  });

  it('leaves out a hand-written status line for a feature the run did not start, keeping its speedup', () => {
    const ids = ['a', 'b', 'c'];
    const events: LogEvent[] = [
      runStarted(0, 'r1', ids),
      ...ids.flatMap((id) => featureEvents({ id, runId: 'r1', start: 0, exit: 10 })),
      runEnded(10, 'r1', 0),
      // `sh examples/completionhook.sh zeta complete`, an hour later, for a feature of no run.
      { feature_id: 'zeta', status: 'running', ts: '2026-03-02T10:00:00.000Z' },
      { feature_id: 'zeta', status: 'complete', ts: '2026-03-02T10:10:00.000Z' },
    ];
    const r = computeReport({ events });
    expect(r.run.feature_ids).toEqual(ids);
    expect(r.features.map((f) => f.feature_id)).toEqual(ids);
    expect(r.conflicts.potential_points).toBe(3);
    expect(r.headline.speedup).toBe(3);
    expect(r.worksheet.rows.find((x) => x.phase === 'implementation')?.parallel_actual_min).toBe(10);
    expect(r.unknowns).toEqual([
      "Left out: events for `zeta`, which this run did not start (a hook or command for a feature outside the run); they count in none of this run's numbers.",
    ]);
  });

  it('leads with no speedup when every feature failed, in the headline and the diagnosis alike', () => {
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b']),
      ...['a', 'b'].flatMap((id) => featureEvents({ id, runId: 'r1', start: 0, exit: 10, exitCode: 2 })),
      runEnded(10, 'r1', 0, 'failed'),
    ];
    const r = computeReport({ events });
    expect(r.features.map((f) => f.status)).toEqual(['failed', 'failed']);
    expect(r.headline.speedup).toBeNull();
    expect(r.headline.text).toMatch(/^Implementation speedup not measured: no feature completed \(0 of 2\)/);
    expect(r.diagnosis).toContain(r.headline.text);
    expect(r.diagnosis.join('\n')).not.toMatch(/Implementation speedup \d/);
  });

  it('sums agent time and usage over retries, and counts a conflict seen twice once', () => {
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 5, exitCode: 1, usage: { cost_usd: 0.1 } }),
      ...featureEvents({ id: 'a', runId: 'r1', start: 6, exit: 16, usage: { cost_usd: 0.2, turns: 3 } }),
      ...featureEvents({ id: 'b', runId: 'r1', start: 0, exit: 12 }),
      runEnded(16, 'r1', 0),
      ...[20, 30].flatMap((m) => [
        // `--fresh` discarded the first attempt.
        ...(m === 30
          ? [ev(m, { type: 'integration.discarded', branch: 'baton/integration', started_at: at(20) })]
          : []),
        ev(m, {
          type: 'integration.started',
          branch: 'baton/integration',
          worktree: '/w',
          order: ['a', 'b'],
        }),
        ev(m + 1, {
          type: 'merge.conflict',
          feature_id: 'b',
          files: ['package.json'],
          with: ['a'],
          duration_ms: 10,
        }),
        ev(m + 2, { type: 'integration.ended', outcome: 'conflict', duration_ms: 120_000 }),
      ]),
    ];
    const r = computeReport({ events });
    const a = r.features.find((f) => f.feature_id === 'a');
    expect(a).toMatchObject({ attempts: 2, duration_min: 15, turns: 3, status: 'complete' });
    expect(a?.cost_usd).toBeCloseTo(0.3, 10);
    expect(r.totals.cost_usd).toBeCloseTo(0.3, 10);
    expect(r.conflicts.count).toBe(1);
    // The second integrate discarded the first: only the final attempt counts toward integration time.
    expect(r.integration).toMatchObject({
      attempts: 2,
      discarded_attempts: 1,
      discarded_min: 2,
      duration_min: 2,
      merges: { clean: 0, conflict: 1, skipped: 0 },
    });
    expect(r.worksheet.rows.find((x) => x.phase === 'implementation')?.sequential_measured_min).toBe(27);
    expect(r.diagnosis.join('\n')).toContain('without contracts Baton cannot tell whose boundary that was');
  });

  it('names the dependency chain when the speedup is below N', () => {
    const events: LogEvent[] = [
      runStarted(0, 'r1', ['a', 'b', 'c']),
      ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 30 }),
      ...featureEvents({ id: 'b', runId: 'r1', start: 30, exit: 60 }),
      ...featureEvents({ id: 'c', runId: 'r1', start: 0, exit: 20 }),
      runEnded(70, 'r1', 0),
    ];
    const plan = handPlan({
      contracts: ['a', 'b', 'c'].map((id) => contract(id)),
      waves: [['a', 'c'], ['b']],
      edges: [{ from: 'a', to: 'b' }],
      critical: { feature_ids: [], minutes: 0 },
    });
    const r = computeReport({ events, plan });
    expect(r.critical_path.measured).toEqual({ feature_ids: ['a', 'b'], minutes: 60, wall_min: 60 });
    const line = r.diagnosis.find((d) => d.startsWith('Implementation speedup'));
    expect(line).toBe(
      'Implementation speedup 1.1× is below N = 3: the dependency chain `a` → `b` took 60 min of agent time in a row, ' +
        'which no number of agents shortens; 10 min of the 70 min wall-clock went outside agent time ' +
        '(worktree setup, checks, waiting).',
    );
    expect(r.graph).toEqual({ waves: [['a', 'c'], ['b']], edges: [{ from: 'a', to: 'b' }], critical: [] });
  });
});

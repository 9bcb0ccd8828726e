// Table tests of the report's pure modules, each on its own: worksheet, integration attempts and
// verdict, Amdahl, conflicts, critical path, timeline, headline, well-formedness.
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { buildAmdahl } from '../../src/metrics/amdahl.js';
import { buildConflicts, countConflicts, outsideOwns } from '../../src/metrics/conflicts.js';
import { chainOverlapped, chainWallMin, plannedCriticalPath } from '../../src/metrics/critical-path.js';
import { extent } from '../../src/metrics/features.js';
import { headlineSpeedup } from '../../src/metrics/headline.js';
import { splitIntegrationAttempts } from '../../src/metrics/integration.js';
import { coveredMs } from '../../src/metrics/intervals.js';
import { timelinePhases } from '../../src/metrics/timeline.js';
import type { WorksheetRow } from '../../src/metrics/types.js';
import { keepWellFormed } from '../../src/metrics/well-formed.js';
import {
  COMPARISON_PHASE,
  estimateComparable,
  orderPhases,
  speedupOf,
  totalOf,
} from '../../src/metrics/worksheet.js';
import { at, contract, ev, handPlan, phase, T0 } from './log-builder.js';

const MIN = 60_000;

function row(fields: Partial<WorksheetRow>): WorksheetRow {
  return {
    phase: 'implementation',
    parallel: true,
    recorded: true,
    sequential_estimate_min: null,
    sequential_measured_min: null,
    sequential_basis: null,
    parallel_actual_min: null,
    speedup_estimate: null,
    estimate_comparable: null,
    speedup_measured: null,
    speedup: null,
    speedup_basis: null,
    ...fields,
  };
}

describe('worksheet: estimateComparable', () => {
  it.each([
    // estimate, reference, allowance, comparable
    [180, 0.5, 1, false], // three 60-minute estimates against 30 s of scripted agents
    [180, 150, 1, true],
    [60, 30, 1, true],
    [375, 130, 1, true],
    [180, 60, 3, true], // against a parallel wall-clock, N agents may divide it by N
    [180, 2, 3, false],
    [1, 100, 1, false], // an estimate far below what was measured is another kind too
    [null, 10, 1, null],
    [10, null, 1, null],
  ] as const)('%s min against %s min (allowance %s) → %s', (estimate, reference, allowance, comparable) => {
    expect(estimateComparable(estimate, reference, allowance)).toBe(comparable);
  });
});

describe('worksheet: speedupOf', () => {
  it.each([
    // measured, estimate, actual → speedup, basis, estimate speedup
    [90, null, 30, 3, 'measured', null],
    [null, 180, 60, 3, 'estimate', 3],
    [1.5, 180, 0.5, 3, 'measured', null], // estimate not comparable: never 360×
    [null, null, 30, null, null, null],
    [90, 100, 0, null, null, null],
  ] as const)(
    'measured %s, estimate %s, actual %s → %s (%s)',
    (measured, estimate, actual, speedup, basis, byEstimate) => {
      const s = speedupOf(measured, estimate, actual);
      expect(s.speedup).toBe(speedup);
      expect(s.speedup_basis).toBe(basis);
      expect(s.speedup_estimate).toBe(byEstimate);
    },
  );

  it('orders method phases first and leaves the comparison run out of the worksheet', () => {
    expect(
      orderPhases(['review', 'integration', COMPARISON_PHASE, 'specification', 'implementation']),
    ).toEqual(['specification', 'implementation', 'integration', 'review']);
  });

  it('totals recorded rows only and drops estimates of another kind from the total', () => {
    const rows = [
      row({
        sequential_estimate_min: 180,
        sequential_measured_min: 1.5,
        parallel_actual_min: 0.5,
        estimate_comparable: false,
      }),
      row({ phase: 'integration', parallel: false, parallel_actual_min: 0.1, sequential_estimate_min: 60 }),
      row({ phase: 'specification', parallel: false, recorded: false, sequential_estimate_min: 30 }),
    ];
    const t = totalOf(rows, 3);
    expect(t).toMatchObject({
      sequential_estimate_min: null,
      estimate_comparable: false,
      speedup_estimate: null,
      excluded: ['specification'],
    });
    expect(t.sequential_measured_min).toBeCloseTo(1.6, 10);
    expect(t.speedup_measured).toBeCloseTo(1.6 / 0.6, 10);
  });
});

describe('integration: splitIntegrationAttempts', () => {
  const started = (m: number) =>
    ev(m, { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ['a'] });
  const ended = (m: number, ms: number) =>
    ev(m, { type: 'integration.ended', outcome: 'clean', duration_ms: ms });
  it.each([
    ['no integration', [] as LogEvent[], 0, null, null],
    [
      'one attempt',
      [
        ev(0, { type: 'phase.started', phase: 'integration' }),
        started(0),
        ended(2, 2 * MIN),
        ev(2, { type: 'phase.ended', phase: 'integration' }),
      ],
      0,
      null,
      2,
    ],
    [
      'an attempt discarded by --fresh, then the final one',
      [
        ev(0, { type: 'phase.started', phase: 'integration' }),
        started(0),
        ended(5, 5 * MIN),
        ev(5, { type: 'phase.ended', phase: 'integration' }),
        ev(10, { type: 'phase.started', phase: 'integration' }),
        ev(10, { type: 'integration.discarded', branch: 'baton/integration', started_at: at(0) }),
        started(10),
        ended(12, 2 * MIN),
        ev(12, { type: 'phase.ended', phase: 'integration' }),
      ],
      1,
      5,
      2,
    ],
    [
      'a --continue after a conflict belongs to the same attempt',
      [started(0), ended(1, MIN), ...phase(20, 22, 'integration'), ended(22, 2 * MIN)],
      0,
      null,
      3,
    ],
    ['an integration phase recorded by hand', phase(0, 4, 'integration'), 0, null, 4],
    [
      'a final attempt whose phase began before an interleaved event',
      [
        started(0),
        ended(1, MIN),
        ev(10, { type: 'phase.started', phase: 'integration' }),
        ev(10, { type: 'integration.discarded', branch: 'baton/integration', started_at: at(0) }),
        ev(10, { type: 'integration.ended', outcome: 'clean', duration_ms: 0 }),
        started(11),
        ended(13, 2 * MIN),
        ev(13, { type: 'phase.ended', phase: 'integration' }),
      ],
      1,
      // The discarded attempt's own minute; the final one's phase (10–13) is paired across the
      // interleaved line, as without it: 3 min, neither left open in one attempt nor dropped from the other.
      1,
      3,
    ],
    [
      'an integration phase recorded by hand around baton integrate: the union of the two, once',
      [
        ev(0, { type: 'phase.started', phase: 'integration' }),
        // Reviewing the branches, then `baton integrate` inside the phase.
        ev(3, { type: 'phase.started', phase: 'integration' }),
        started(3),
        ended(3.5, 0.5 * MIN),
        ev(3.5, { type: 'phase.ended', phase: 'integration' }),
        ev(4, { type: 'phase.ended', phase: 'integration' }),
      ],
      0,
      null,
      4,
    ],
    [
      'an integration phase recorded by hand before baton integrate counts beside it',
      [
        ...phase(0, 2, 'integration'),
        ...phase(5, 6, 'integration').toSpliced(1, 0, started(5), ended(6, MIN)),
      ],
      0,
      null,
      3,
    ],
    [
      'a phase by hand around a --fresh attempt counts with it, not with the attempt it discards',
      [
        ev(0, { type: 'phase.started', phase: 'integration' }),
        started(0),
        ended(1, MIN),
        ev(1, { type: 'phase.ended', phase: 'integration' }),
        ev(10, { type: 'phase.started', phase: 'integration' }),
        ev(12, { type: 'phase.started', phase: 'integration' }),
        ev(12, { type: 'integration.discarded', branch: 'baton/integration', started_at: at(0) }),
        started(12),
        ended(13, MIN),
        ev(13, { type: 'phase.ended', phase: 'integration' }),
        ev(15, { type: 'phase.ended', phase: 'integration' }),
      ],
      1,
      1,
      5,
    ],
    [
      'a phase by hand that ended in an attempt later discarded counts for nothing',
      [
        ev(0, { type: 'phase.started', phase: 'integration' }),
        ev(1, { type: 'phase.started', phase: 'integration' }),
        started(1),
        ended(2, MIN),
        ev(2, { type: 'phase.ended', phase: 'integration' }),
        ev(3, { type: 'phase.ended', phase: 'integration' }),
        ev(10, { type: 'phase.started', phase: 'integration' }),
        ev(10, { type: 'integration.discarded', branch: 'baton/integration', started_at: at(1) }),
        started(10),
        ended(12, 2 * MIN),
        ev(12, { type: 'phase.ended', phase: 'integration' }),
      ],
      1,
      // The phase by hand (0–3) is the discarded attempt's time.
      3,
      2,
    ],
    [
      'an attempt that ended clean, then a later one without --fresh: both delivered, times summed',
      [
        ...[0, 10].flatMap((m) => [
          ev(m, { type: 'phase.started', phase: 'integration' }),
          started(m),
          ended(m + 2 + m / 10, (2 + m / 10) * MIN),
          ev(m + 2 + m / 10, { type: 'phase.ended', phase: 'integration' }),
        ]),
      ],
      0,
      null,
      5,
    ],
    [
      'a partial attempt that moved --into, then --fresh: still delivered (its merges are on main)',
      [
        started(0),
        ev(2, { type: 'integration.ended', outcome: 'partial', duration_ms: 2 * MIN, into: 'main' }),
        ev(10, { type: 'integration.discarded', branch: 'baton/integration', started_at: at(0) }),
        started(10),
        ended(11, MIN),
      ],
      0,
      null,
      3,
    ],
  ] as const)('%s', (_name, events, discarded, discardedMin, finalMin) => {
    const a = splitIntegrationAttempts(events);
    expect(a.discarded).toBe(discarded);
    expect(a.discardedMin).toBe(discardedMin);
    const ms = coveredMs(a.intervals);
    expect(ms === null ? null : ms / MIN).toBe(finalMin);
  });

  it('counts the conflicts of the final attempt only, each once', () => {
    const conflict = (m: number, id: string) =>
      ev(m, { type: 'merge.conflict', feature_id: id, files: ['routes.txt'], with: ['x'], duration_ms: 1 });
    const a = splitIntegrationAttempts([
      started(0),
      conflict(1, 'y'),
      ended(2, 2 * MIN),
      ev(3, { type: 'integration.discarded', branch: 'baton/integration', started_at: at(0) }),
      started(3),
      conflict(4, 'z'),
      // an interrupted attempt that `--continue` took up met the same conflict again
      conflict(5, 'z'),
      ended(6, 3 * MIN),
    ]);
    expect(a.conflicts.map((c) => c.feature_id)).toEqual(['z']);
  });

  it('counts a conflict of an earlier delivered attempt, once per pair, and names the other side', () => {
    const into = (m: number) =>
      ev(m, { type: 'integration.ended', outcome: 'clean', duration_ms: MIN, into: 'main' });
    const onMain = (m: number, order: string[]) =>
      ev(m, {
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/w',
        order,
        base_name: 'main',
      });
    const conflict = (m: number, id: string, other: string[]) =>
      ev(m, { type: 'merge.conflict', feature_id: id, files: ['src/index.js'], with: other, duration_ms: 1 });
    const clean = (m: number, id: string) =>
      ev(m, { type: 'merge.clean', feature_id: id, commit: `c${m}`, duration_ms: 1 });
    const exited = (id: string, files: string[]) =>
      ev(0, { type: 'agent.exited', feature_id: id, exit_code: 0, signal: null, duration_ms: 1, files });
    const a = splitIntegrationAttempts([
      exited('api', ['src/index.js']),
      exited('config', ['src/index.js', 'config.json']),
      exited('docs', ['README.md']),
      // 1: config conflicts with api, resolved, `--continue --into main`
      onMain(1, ['api', 'config']),
      clean(2, 'api'),
      conflict(3, 'config', ['api']),
      clean(4, 'config'),
      into(5),
      // 2: a later feature, fast-forward; api and config have nothing new to merge
      onMain(10, ['api', 'config', 'docs']),
      ev(11, { type: 'merge.skipped', feature_id: 'api', reason: 'n', kind: 'nothing-to-merge' }),
      clean(12, 'docs'),
      into(13),
      // 3: api integrated alone onto main again meets config's change "with the base"
      onMain(20, ['api']),
      conflict(21, 'api', []),
      clean(22, 'api'),
      into(23),
    ]);
    expect(a.discarded).toBe(0);
    expect(a.begun).toBe(3);
    // The third attempt's conflict is the pair api–config again (named from main's merges): once.
    expect(a.conflicts.map((c) => [c.feature_id, c.with])).toEqual([['config', ['api']]]);
    // Each attempt from its start to its end (4 + 3 + 3 min), the waits between them not counted.
    expect(coveredMs(a.intervals)).toBe(10 * MIN);
    expect(coveredMs(a.finalIntervals)).toBe(3 * MIN);
  });
});

describe('amdahl', () => {
  it.each([
    // serial min, parallelisable min, n → bound
    [5, 90, 3, 1 / (5 / 95 + 90 / 95 / 3)],
    [0, 90, 3, 3],
    [10, 0, 3, 1],
  ] as const)('serial %s, parallelisable %s, N %s', (serial, work, n, bound) => {
    const rows = [
      row({ sequential_measured_min: work, parallel_actual_min: work / n, speedup: n }),
      row({ phase: 'integration', parallel: false, parallel_actual_min: serial }),
    ];
    const a = buildAmdahl({ rows, best_of_n: null, total: totalOf(rows, n) }, n);
    expect(a.bound).toBeCloseTo(bound, 10);
    expect(a.serial_min).toBe(serial);
  });

  it('claims no achieved speedup for a run none of whose features completed (the headline rule)', () => {
    const rows = [
      row({ sequential_measured_min: 1, parallel_actual_min: 0.5, speedup: 2 }),
      row({ phase: 'planning', parallel: false, parallel_actual_min: 0.1 }),
    ];
    const worksheet = { rows, best_of_n: null, total: totalOf(rows, 3) };
    expect(buildAmdahl(worksheet, 3, [{ status: 'complete' }]).achieved).toBeCloseTo(1.1 / 0.6, 10);
    expect(buildAmdahl(worksheet, 3, [{ status: 'failed' }, { status: 'interrupted' }]).achieved).toBeNull();
  });

  it('leaves the parallelisable work unknown rather than take estimates of another kind', () => {
    const rows = [
      row({ sequential_estimate_min: 180, parallel_actual_min: 0.5, estimate_comparable: false }),
    ];
    expect(buildAmdahl({ rows, best_of_n: null, total: totalOf(rows, 3) }, 3)).toMatchObject({
      parallelisable_min: null,
      bound: null,
    });
  });
});

describe('conflicts', () => {
  it('counts a conflict seen again on a re-run once and weighs it against N·(N−1)/2', () => {
    const c = (m: number) =>
      ev(m, { type: 'merge.conflict', feature_id: 'b', files: ['src/db.ts'], with: ['a'], duration_ms: 1 });
    const plan = handPlan({
      contracts: [
        contract('a', { owns: ['src/db.ts'] }),
        contract('b', { owns: ['src/b/**'] }),
        contract('c'),
      ],
      waves: [['a', 'b', 'c']],
      critical: { feature_ids: ['a'], minutes: 1 },
    });
    const report = buildConflicts(countConflicts([c(1), c(2)]), ['a', 'b', 'c'], plan);
    expect(report).toMatchObject({ count: 1, potential_points: 3, conflicting_pairs: 1, declared_points: 0 });
    expect(report.pairs[0]?.files).toEqual([{ file: 'src/db.ts', owners: ['a'] }]);
  });

  it('counts a conflict from a base lacking the cut commit apart; one logged without the field as before', () => {
    const conflict = (m: number, id: string, cut?: string) =>
      ev(m, {
        type: 'merge.conflict',
        feature_id: id,
        files: ['docs/plan.md'],
        with: [],
        duration_ms: 1,
        ...(cut ? { base_lacks_cut: cut } : {}),
      });
    const counted = countConflicts([conflict(1, 'a', 'c'.repeat(40)), conflict(2, 'b')]);
    expect(counted.conflicts.map((c) => c.feature_id)).toEqual(['b']);
    const report = buildConflicts(counted, ['a', 'b'], undefined);
    expect(report).toMatchObject({ count: 1, files: ['docs/plan.md'] });
    expect(report.pairs.map((p) => p.feature_id)).toEqual(['b']);
    expect(report.base_lacks_cut).toEqual({
      count: 1,
      conflicts: [{ feature_id: 'a', cut_commit: 'c'.repeat(40), files: ['docs/plan.md'] }],
    });
  });

  it('counts in N a feature of an earlier run that integration merged and that conflicted: never more pairs than points', () => {
    const conflict = ev(1, {
      type: 'merge.conflict',
      feature_id: 'b',
      files: ['src/db.ts'],
      with: ['a'],
      duration_ms: 1,
    });
    const report = buildConflicts(countConflicts([conflict]), ['b'], undefined);
    expect(report).toMatchObject({ count: 1, n: 2, potential_points: 1, conflicting_pairs: 1 });
  });

  it.each([
    [['src/catalog', 'lib/'], 'src/catalog/a.ts', []],
    [['src/catalog', 'lib/'], 'lib/x/y.ts', []],
    [['src/catalog', 'lib/'], 'src/catalogue.ts', ['src/catalogue.ts']],
    [['src/catalog/**'], 'src/store.ts', ['src/store.ts']],
  ] as const)('folder-style owns %j: %s outside → %j (THE owns rule)', (owns, file, outside) => {
    expect(outsideOwns(contract('f', { owns: [...owns] }), [file])).toEqual(outside);
  });
});

describe('critical path', () => {
  it('is unknown, not 0 min, when no contract has an estimate', () => {
    const plan = handPlan({
      contracts: [contract('a'), contract('b')],
      waves: [['a'], ['b']],
      edges: [{ from: 'a', to: 'b' }],
      critical: { feature_ids: ['a', 'b'], minutes: 0 },
    });
    expect(plannedCriticalPath(plan, ['a', 'b'])).toEqual({
      path: null,
      unknown:
        'Critical path (estimates): unknown — no contract has `estimate_minutes`, as `baton plan` says.',
    });
    const estimated = handPlan({
      contracts: [contract('a', { estimate_minutes: 30 }), contract('b', { estimate_minutes: 20 })],
      waves: [['a'], ['b']],
      critical: { feature_ids: ['a', 'b'], minutes: 50 },
    });
    expect(plannedCriticalPath(estimated, ['a', 'b']).path).toEqual({ feature_ids: ['a', 'b'], minutes: 50 });
    // One contract without an estimate: its chain may be the longest, so the path is unknown, naming it.
    const partial = handPlan({
      contracts: [
        contract('a', { estimate_minutes: 30 }),
        contract('b'),
        contract('e', { estimate_minutes: 40 }),
      ],
      waves: [['a', 'e'], ['b']],
      edges: [{ from: 'a', to: 'b' }],
      critical: { feature_ids: ['e'], minutes: 40 },
    });
    expect(plannedCriticalPath(partial, ['a', 'b', 'e'])).toEqual({
      path: null,
      unknown:
        'Critical path (estimates): unknown — no `estimate_minutes` in the contracts of b, as `baton plan` says.',
    });
  });

  /** Agent spans in minutes; `null` for a feature whose agent time is unknown. */
  const spans = (byId: Record<string, ReadonlyArray<readonly [number, number | null]> | null>) =>
    new Map(
      Object.entries(byId).map(([id, list]) => [
        id,
        list?.map(([s, e]) => ({ start: s * 60_000, end: e === null ? null : e * 60_000 })) ?? null,
      ]),
    );

  it.each([
    ['in a row', { a: [[0, 30]], b: [[30, 60]] }, 60],
    ['overlapping (contract-first)', { a: [[0, 30]], b: [[5, 32]] }, 32],
    // Side by side for 2 min, a pause of 60 min, side by side for 2 min more: the pause is no agent's.
    [
      'overlapping, resumed after a pause',
      {
        a: [
          [0, 2],
          [62, 64],
        ],
        b: [
          [0, 2],
          [62, 64],
        ],
      },
      4,
    ],
    ['one never ended', { a: [[0, 30]], b: [[5, null]] }, null],
    ['one unknown', { a: [[0, 30]], b: null }, null],
  ] as const)('the chain’s wall-clock %s', (_name, byId, wall) => {
    expect(chainWallMin(spans(byId), ['a', 'b'])).toBe(wall);
  });

  it.each([
    ['ran in a row', 60, 60, false],
    ['overlapped (contract-first)', 57, 32, true],
    ['overlapped in two runs with a pause between them', 8, 4, true],
    ['overlapped by less than a second (timestamps)', 60, 60 - 0.5 / 60, false],
    ['wall-clock unknown', 60, null, false],
  ] as const)('a chain that %s', (_name, minutes, wall, overlapped) => {
    expect(chainOverlapped({ feature_ids: ['a', 'b'], minutes, wall_min: wall })).toBe(overlapped);
    // One feature is no chain: nothing of it ran beside another.
    expect(chainOverlapped({ feature_ids: ['a'], minutes, wall_min: wall })).toBe(false);
  });
});

describe('timeline', () => {
  it('labels the -j 1 comparison run and draws only the final integration attempt', () => {
    const phases = new Map([
      [COMPARISON_PHASE, [{ start: T0 + MIN, end: T0 + 3 * MIN }]],
      ['planning', [{ start: T0 - MIN, end: T0 }]],
    ]);
    const out = timelinePhases(phases, [{ start: T0 + 4 * MIN, end: T0 + 5 * MIN }], T0);
    expect(out).toEqual([
      {
        phase: COMPARISON_PHASE,
        label: 'sequential run (-j 1)',
        note: 'the same agents one at a time, in a clone, to measure the speedup; not counted as work',
        start_min: 1,
        end_min: 3,
      },
      { phase: 'integration', start_min: 4, end_min: 5 },
    ]);
  });
});

describe('headlineSpeedup', () => {
  it.each([
    // sequential, basis, actual, n → speedup, superlinear
    [1.5, 'sequential-run', 0.5, 3, 3, false],
    [1.6, 'sequential-run', 0.5, 3, 3.2, true],
    [0.9, 'agent-time', 0.5, 3, 1.8, false],
    // The agents' own times above N × the wall-clock are wrong times, not a superlinear speedup.
    [1.6, 'agent-time', 0.5, 3, null, false],
    [null, null, 0.5, 3, null, false],
    [1.5, 'sequential-run', null, 3, null, false],
  ] as const)(
    '%s min sequential (%s) over %s min with N = %s → %s',
    (seq, basis, actual, n, speedup, superlinear) => {
      const h = headlineSpeedup(
        row({ sequential_measured_min: seq, sequential_basis: basis, parallel_actual_min: actual }),
        n,
      );
      if (speedup === null) expect(h.speedup).toBeNull();
      else expect(h.speedup).toBeCloseTo(speedup, 10);
      expect(h.superlinear).toBe(superlinear);
      if (superlinear)
        expect(h.text).toMatch(/above N = 3, more than parallelism alone can give \(superlinear\)/);
    },
  );

  it('claims no speedup for a run none of whose features completed, and says why', () => {
    const impl = row({
      sequential_measured_min: 2 / 60,
      sequential_basis: 'agent-time',
      parallel_actual_min: 1 / 60,
    });
    const failed = [{ status: 'failed' as const }, { status: 'failed-checks' as const }];
    const h = headlineSpeedup(impl, 2, { features: failed });
    expect(h).toMatchObject({ speedup: null, basis: null, superlinear: false });
    expect(h.text).toBe(
      'Implementation speedup not measured: no feature completed (0 of 2), so the run finished no work to speed up (its agents ran 2 s in 1 s of wall-clock).',
    );
    // Every feature complete: the speedup is measured again.
    const done = [{ status: 'complete' as const }, { status: 'complete' as const }];
    expect(headlineSpeedup(impl, 2, { features: done }).speedup).toBeCloseTo(2, 10);
  });

  it('claims no speedup while some features did not complete, naming them by status', () => {
    // 1 of 5 complete, the rest interrupted: the old headline read "3.9× (measured)" on their time.
    const impl = row({
      sequential_measured_min: 31 / 60,
      sequential_basis: 'agent-time',
      parallel_actual_min: 7.8 / 60,
    });
    const features = [
      { feature_id: 'a', status: 'complete' as const },
      ...['b', 'c', 'd'].map((id) => ({ feature_id: id, status: 'interrupted' as const })),
      { feature_id: 'e', status: 'failed-checks' as const },
    ];
    const h = headlineSpeedup(impl, 5, { features });
    expect(h).toMatchObject({ speedup: null, basis: null, superlinear: false });
    expect(h.text).toBe(
      'Implementation speedup not measured: 4 of 5 features did not complete (`b`, `c`, `d` interrupted; `e` failed-checks), ' +
        'so a speedup would count agent time that delivered nothing yet (its agents ran 31 s in 7.8 s of wall-clock).',
    );
  });

  it('says a run in progress is not measured yet, whatever its features did so far', () => {
    const impl = row({ sequential_measured_min: null, sequential_basis: null, parallel_actual_min: null });
    const features = [
      { feature_id: 'a', status: 'complete' as const },
      { feature_id: 'b', status: 'running' as const },
    ];
    expect(headlineSpeedup(impl, 2, { features, in_progress: true }).text).toBe(
      'Implementation speedup not measured yet: the run is in progress, 1 of 2 features not complete (`b` running).',
    );
    const done = features.map((f) => ({ ...f, status: 'complete' as const }));
    expect(headlineSpeedup(impl, 2, { features: done, in_progress: true }).text).toBe(
      'Implementation speedup not measured yet: the run is in progress.',
    );
  });

  it("does not call a -j 1 run's time its agents' when nothing completed", () => {
    const impl = row({
      sequential_measured_min: 13 / 60,
      sequential_basis: 'sequential-run',
      parallel_actual_min: 1.2 / 60,
    });
    const h = headlineSpeedup(impl, 3, { features: [{ status: 'interrupted' }] });
    expect(h.text).not.toContain('its agents ran');
    expect(h.text).toBe(
      'Implementation speedup not measured: no feature completed (0 of 1), so the run finished no work to speed up (it ran 1.2 s of wall-clock; the -j 1 run took 13 s).',
    );
  });

  it('never leads with an estimate', () => {
    const h = headlineSpeedup(
      row({ sequential_estimate_min: 180, speedup_estimate: 3, parallel_actual_min: 60 }),
      3,
    );
    expect(h.speedup).toBeNull();
    expect(h.text).toContain("the contracts' estimates alone give 3.0×");
  });
});

describe('well-formed events and extent', () => {
  it('leaves out wrong shapes and unknown types, each said once', () => {
    const bad = [
      ev(0, { type: 'phase.started', phase: 'x' }),
      { v: 1, ts: '2026-01-01T00:00:00Z', type: 'agent.exited', feature_id: 'a' },
      { v: 1, ts: '2026-01-01T00:00:00Z', type: 'worktree.removed' },
      { v: 1, ts: '2026-01-01T00:00:00Z', type: 'worktree.removed' },
      { feature_id: 'a', status: 'complete' },
    ] as LogEvent[];
    const w = keepWellFormed(bad);
    expect(w.kept).toHaveLength(2);
    expect(w.dropped).toBe(1);
    expect(w.unknownTypes).toEqual(['worktree.removed']);
  });

  it('finds the extent of 300,000 numbers (Math.max(...xs) throws past ~125,000)', () => {
    const xs = Array.from({ length: 300_000 }, (_, i) => i);
    expect(extent(xs)).toEqual({ min: 0, max: 299_999 });
    expect(extent([])).toBeNull();
  });
});

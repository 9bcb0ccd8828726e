import { describe, expect, it } from 'vitest';
import { dependentsOf, orderForIntegration } from '../../src/graph/integration-order.js';
import { type IntoInput, intoRefusal } from '../../src/integrate/into.js';
import { nothingToMerge } from '../../src/integrate/nothing-to-merge.js';
import {
  notPassedReason,
  notRunReason,
  parseInclude,
  selectForIntegration,
} from '../../src/integrate/selection.js';
import type { FeatureStatus } from '../../src/log/events.js';
import { type FeatureState, pendingFeature } from '../../src/log/fold.js';
import type { AttemptState } from '../../src/log/state.js';
import { contract, planOf } from './fixture.js';

/** a ← b ← c (c depends on b, b on a), d alone, e depends on d. */
const plan = planOf([
  contract('a'),
  contract('b', { depends_on: { features: ['a'], services: [] } }),
  contract('c', { depends_on: { features: ['b'], services: [] } }),
  contract('d'),
  contract('e', { depends_on: { features: ['d'], services: [] } }),
]);

function feature(id: string, status: FeatureStatus, extra: Partial<FeatureState> = {}): FeatureState {
  return { ...pendingFeature(id), status, ...extra };
}

describe('orderForIntegration and dependentsOf', () => {
  it('keeps plan order and splits off features without a branch', () => {
    expect(orderForIntegration(plan, ['e', 'a', 'd'], (id) => id !== 'd')).toEqual({
      order: ['a', 'e'],
      notRun: ['d'],
    });
    expect(orderForIntegration(plan, undefined, () => true).order).toEqual(plan.order);
  });

  const dependents: Array<[string, string[], string[]]> = [
    ['a', ['b', 'c', 'd', 'e'], ['b', 'c']],
    ['b', ['c', 'd'], ['c']],
    ['d', ['a', 'b', 'e'], ['e']],
    ['c', ['a', 'b', 'd', 'e'], []],
  ];
  it.each(dependents)('finds what depends on %s, directly or not', (id, among, expected) => {
    expect(dependentsOf(plan, id, among)).toEqual(expected);
  });
});

describe('selectForIntegration', () => {
  type Row = [string, Record<string, FeatureStatus>, FeatureStatus[], { merge: string[]; out: string[] }];
  const all = (s: FeatureStatus) => Object.fromEntries(plan.order.map((id) => [id, s]));
  const rows: Row[] = [
    ['everything complete', all('complete'), [], { merge: ['a', 'd', 'b', 'e', 'c'], out: [] }],
    [
      'a failed feature and what depends on it',
      { ...all('complete'), b: 'failed' },
      [],
      { merge: ['a', 'd', 'e'], out: ['b', 'c'] },
    ],
    [
      'a failed feature, opted in',
      { ...all('complete'), b: 'failed' },
      ['failed'],
      { merge: [...plan.order], out: [] },
    ],
    [
      'empty opted in, failed not',
      { ...all('complete'), d: 'empty', a: 'failed' },
      ['empty'],
      { merge: ['d', 'e'], out: ['a', 'b', 'c'] },
    ],
    ['never run (the log does not mention them)', {}, [], { merge: [], out: ['a', 'd', 'b', 'e', 'c'] }],
    [
      'still running, failed checks, timed out, interrupted',
      { a: 'running', b: 'complete', c: 'complete', d: 'failed-checks', e: 'timeout' },
      [],
      { merge: [], out: ['a', 'd', 'b', 'e', 'c'] },
    ],
  ];
  it.each(rows)('%s', (_name, statuses, include, expected) => {
    const s = selectForIntegration({
      plan,
      selected: undefined,
      hasBranch: () => true,
      stateOf: (id) => (statuses[id] ? feature(id, statuses[id]) : undefined),
      include,
      tipOf: () => undefined,
      inBase: new Set(),
      trust: { trustWorkers: false },
    });
    expect(s.merge).toEqual(expected.merge);
    expect(s.excluded.map((x) => x.feature_id)).toEqual(expected.out);
    expect(s.included.map((x) => x.feature_id)).toEqual(
      expected.merge.filter((id) => (statuses[id] ?? 'pending') !== 'complete'),
    );
  });

  it('says why a dependent is left out', () => {
    const s = selectForIntegration({
      plan,
      selected: ['a', 'b'],
      hasBranch: () => true,
      stateOf: (id) => feature(id, id === 'a' ? 'failed' : 'complete', { reason: 'the agent exited 3' }),
      include: [],
      tipOf: () => undefined,
      inBase: new Set(),
      trust: { trustWorkers: false },
    });
    expect(s.excluded).toEqual([
      { feature_id: 'a', status: 'failed', reason: 'the agent exited 3' },
      { feature_id: 'b', status: 'complete', reason: 'depends on a, which is not merged (failed)' },
    ]);
  });
});

describe('selectForIntegration: dependencies outside the selection', () => {
  const select = (selected: string[], inBase: string[], hasBranch = (_: string) => true) =>
    selectForIntegration({
      plan,
      selected,
      hasBranch,
      stateOf: (id) => feature(id, 'complete'),
      include: [],
      tipOf: () => undefined,
      inBase: new Set(inBase),
      trust: { trustWorkers: false },
    });

  it('leaves out a feature whose dependency is not selected and not in the base, with what depends on it', () => {
    const s = select(['b', 'c'], []);
    expect(s.merge).toEqual([]);
    expect(s.excluded).toEqual([
      {
        feature_id: 'b',
        status: 'complete',
        reason: 'depends on a, which is not merged (not selected, and not in the base)',
      },
      { feature_id: 'c', status: 'complete', reason: 'depends on b, which is not merged' },
    ]);
  });

  it('takes it when the base holds the dependency, and says "not run" for one without a branch', () => {
    expect(select(['b', 'c'], ['a']).merge).toEqual(['b', 'c']);
    const s = select(undefined as unknown as string[], [], (id) => id !== 'd');
    expect(s.notRun).toEqual(['d']);
    expect(s.excluded).toEqual([
      {
        feature_id: 'e',
        status: 'complete',
        reason: 'depends on d, which is not merged (not run: no branch)',
      },
    ]);
  });
});

describe('notPassedReason', () => {
  const rows: Array<[string, FeatureState | undefined, string]> = [
    ['never mentioned', undefined, 'no run recorded in the log'],
    ['failed with a reason', feature('x', 'failed', { reason: 'the agent exited 3' }), 'the agent exited 3'],
    ['failed with only an exit code', feature('x', 'failed', { exit_code: 2 }), 'agent exit 2'],
    ['empty', feature('x', 'empty'), 'the agent changed nothing'],
    [
      'failed checks, naming each failing criterion',
      feature('x', 'failed-checks', {
        reason: '1 of 2 acceptance checks failed',
        checks: {
          latency: {
            criterion_id: 'latency',
            text: 't',
            kind: 'http',
            on: 'worktree',
            outcome: 'failed',
            message: 'p95 212 ms > 100 ms',
            ts: '',
          },
        },
      }),
      'latency: p95 212 ms > 100 ms',
    ],
    ['running', feature('x', 'running'), 'its agent is still running'],
  ];
  it.each(rows)('%s', (_name, state, expected) => {
    expect(notPassedReason(state)).toBe(expected);
  });
});

describe('parseInclude', () => {
  it('reads comma-separated, repeated statuses once each and ignores complete', () => {
    expect(parseInclude(['failed,empty', 'failed', ' timeout ', 'complete'])).toEqual([
      'failed',
      'empty',
      'timeout',
    ]);
  });
  it('refuses an unknown status as a usage error', () => {
    expect(() => parseInclude(['failed,nope'])).toThrowError(
      expect.objectContaining({ code: 'integrate/bad-include', exitCode: 2 }),
    );
  });
});

describe('intoRefusal', () => {
  const base: IntoInput = {
    branch: 'main',
    outcome: 'clean',
    steps: [{ feature_id: 'a', status: 'merged', commit: 'c', duration_ms: 1 }],
    tests: [],
    checks: {},
    included: [],
  };
  const failedTest = {
    after_feature: 'a',
    index: 1,
    total: 1,
    passed: false,
    exit_code: 1,
    exit: 'exit 1',
    output_tail: '',
    duration_ms: 1,
  };
  const rows: Array<[string, Partial<IntoInput>, string | undefined]> = [
    ['everything merged and passed', {}, undefined],
    [
      'a feature with nothing to merge',
      { steps: [...base.steps, { feature_id: 'e', status: 'nothing-to-merge', reason: 'nothing' }] },
      undefined,
    ],
    ['a failed test', { tests: [failedTest], outcome: 'tests-failed' }, 'tests failed after merging a'],
    [
      'a feature left out because it failed',
      {
        outcome: 'partial',
        steps: [
          ...base.steps,
          { feature_id: 'f', status: 'not-merged', feature_status: 'failed', reason: 'the agent exited 3' },
        ],
      },
      'not every selected feature was merged: f (failed: the agent exited 3)',
    ],
    [
      'a feature never run',
      {
        steps: [...base.steps, { feature_id: 'n', status: 'not-run', reason: 'not run: no branch baton/n' }],
      },
      'not every selected feature was merged: n (not run: no branch baton/n)',
    ],
    [
      'a feature skipped at a conflict',
      { outcome: 'partial', steps: [{ feature_id: 'b', status: 'skipped', reason: 'conflicts with a' }] },
      'not every selected feature was merged: b (skipped: conflicts with a)',
    ],
    [
      'a failed after-integration criterion',
      { outcome: 'checks-failed', checks: { a: { passed: 0, failed: 1, unverifiable: 0, total: 1 } } },
      'the integration ended checks-failed: a failed 1 of 1 after-integration criteria',
    ],
    [
      'a failed after-integration criterion and a feature never run: both',
      {
        outcome: 'checks-failed',
        steps: [...base.steps, { feature_id: 'n', status: 'not-run', reason: 'not run: no branch baton/n' }],
        checks: { a: { passed: 1, failed: 1, unverifiable: 0, total: 2 } },
      },
      'not every selected feature was merged: n (not run: no branch baton/n); and a failed 1 of 2 after-integration criteria',
    ],
    [
      'an unverifiable after-integration criterion',
      { checks: { a: { passed: 0, failed: 0, unverifiable: 1, total: 1 } } },
      '1 after-integration criteria are unverifiable, so not every check passed',
    ],
    [
      'a feature let in by --include',
      { included: [{ feature_id: 'a', status: 'failed' }] },
      'a (failed) was merged by --include, not because it passed',
    ],
  ];
  it.each(rows)('%s', (_name, over, reason) => {
    expect(intoRefusal({ ...base, ...over })?.reason).toBe(reason);
  });
});

describe('a best-of-N feature whose run ended before a winner was chosen', () => {
  const attempt = (n: number, status: AttemptState['status']): AttemptState =>
    ({ attempt: n, status, files: [], measured: {} }) as unknown as AttemptState;
  // d ran two attempts (the first passed, the second was cut off) and has no baton/d yet.
  const undecidedD = feature('d', 'interrupted', {
    attempts: { '1': attempt(1, 'complete'), '2': attempt(2, 'interrupted') },
  });
  const select = (selected: string[]) =>
    selectForIntegration({
      plan,
      selected,
      hasBranch: (id) => id !== 'd',
      stateOf: (id) => (id === 'd' ? undecidedD : feature(id, 'complete')),
      include: [],
      tipOf: () => undefined,
      inBase: new Set(),
      trust: { trustWorkers: false },
    });

  it('is listed as undecided, with the resume that decides it, not as "not run"', () => {
    const s = select(['a', 'd']);
    expect(s.merge).toEqual(['a']);
    expect(s.notRun).toEqual(['d']);
    expect(s.undecided).toEqual({ d: 'attempt 2 was interrupted' });
    expect(notRunReason('d', s.undecided?.d)).toBe(
      'best-of-N not decided yet: attempt 2 was interrupted; `baton run --resume d` selects its winner',
    );
    expect(notRunReason('f')).toBe('not run: no branch baton/f');
  });

  it('alone, refuses integrate as undecided (as pick and verify do), not as never run', () => {
    const err = nothingToMerge(select(['d']));
    expect(err.code).toBe('integrate/undecided');
    expect(err.message).toBe(
      'best-of-N is not decided yet for d (attempt 2 was interrupted): no attempt is its work to integrate, and no other selected feature has a branch',
    );
    expect(err.hint).toMatch(/^Run `baton run --resume d`: .*selects the winner; integrate after\.$/);
  });

  it('names what depends on it as waiting for that decision', () => {
    expect(select(['d', 'e']).excluded).toEqual([
      {
        feature_id: 'e',
        status: 'complete',
        reason: 'depends on d, which is not merged (best-of-N not decided yet)',
      },
    ]);
  });
});

describe('nothingToMerge', () => {
  const selection = {
    merge: [],
    notRun: [],
    excluded: [{ feature_id: 'a', status: 'running' as const, reason: 'its agent is still running' }],
    included: [],
  };

  it("says a run is in progress from the selection's own `running`, when it has not finished a feature left out", () => {
    const err = nothingToMerge({ ...selection, running: { run_id: 'r1', pid: 42, unfinished: ['a'] } });
    expect(err.code).toBe('integrate/run-in-progress');
    expect(err.message).toBe(
      'no selected feature can be merged yet: run r1 is in progress (baton pid 42) and has not finished a; not merged: a (running: its agent is still running)',
    );
  });

  it('offers --include when no run is in progress, or the run has finished every feature left out', () => {
    expect(nothingToMerge(selection).code).toBe('integrate/nothing-passed');
    const done = nothingToMerge({ ...selection, running: { run_id: 'r1', pid: 42, unfinished: ['b'] } });
    expect(done.code).toBe('integrate/nothing-passed');
  });
});

describe('checks a worker reported (by: worker)', () => {
  const checked = contract('w', {
    acceptance_criteria: [{ id: 'ok', text: 'it works', kind: 'run', run: 'true' }],
  });
  const workPlan = planOf([checked]);
  const result = (by?: 'worker') => ({
    criterion_id: 'ok',
    text: 'it works',
    kind: 'run' as const,
    on: 'worktree' as const,
    outcome: 'passed' as const,
    message: 'exit 0',
    ts: '2026-01-01T00:00:00Z',
    ...(by ? { by } : {}),
  });
  const queue = { job_id: 'r.w', state: 'completed', worker: 'w1', host: 'h1' };
  const select = (f: FeatureState, trustWorkers: boolean) =>
    selectForIntegration({
      plan: workPlan,
      selected: undefined,
      hasBranch: () => true,
      stateOf: () => f,
      include: [],
      tipOf: () => undefined,
      inBase: new Set(),
      trust: { trustWorkers },
    });
  const rows: Array<[string, FeatureState, boolean, string[], string | undefined]> = [
    [
      'passed only on a worker: left out, with whose word it is and what verifies it here',
      feature('w', 'complete', { checks: { ok: result('worker') }, queue }),
      false,
      [],
      'its checks passed on worker w1 (host h1), unverified here; run `baton verify w`',
    ],
    [
      'passed only on a worker, and the config trusts workers: merged',
      feature('w', 'complete', { checks: { ok: result('worker') }, queue }),
      true,
      ['w'],
      undefined,
    ],
    [
      'checked here since (baton verify): merged',
      feature('w', 'complete', { checks: { ok: result() }, queue }),
      false,
      ['w'],
      undefined,
    ],
  ];
  it.each(rows)('%s', (_name, f, trust, merge, reason) => {
    const s = select(f, trust);
    expect(s.merge).toEqual(merge);
    expect(s.excluded[0]?.reason).toBe(reason);
  });
});

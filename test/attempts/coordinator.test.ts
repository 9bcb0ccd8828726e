/** The best-of-N coordinator's pure parts: the attempts a run starts from, and an attempt not started. */
import { describe, expect, it } from 'vitest';
import type { AttemptPlan } from '../../src/attempts/plan.js';
import type { AttemptState } from '../../src/log/state.js';
import { featureEndOf, notStarted, planFeatureAttempts } from '../../src/runner/attempts.js';

const plan = (n: number, select: AttemptPlan['select']): AttemptPlan => ({
  agents: Array.from({ length: n }, () => 'command'),
  select,
});
const earlier = (attempt: number, status: AttemptState['status'], checked = true): AttemptState => ({
  attempt,
  status,
  files: [],
  measured: {},
  started_at: '2026-01-01T00:00:00.000Z',
  ended_at: '2026-01-01T00:00:10.000Z',
  commit: `c${attempt}`,
  // What its own check events proved on its commit (`checked`): here, what its line claims.
  ...(checked
    ? {
        checks: { passed: 1, failed: 0, unverifiable: 0, total: 1 },
        checked: { passed: 1, failed: 0, unverifiable: 0, total: 1 },
      }
    : {}),
});

describe('the attempts a run starts from', () => {
  const previous = new Map([
    [
      'f',
      {
        '1': earlier(1, 'failed'),
        '2': earlier(2, 'interrupted'),
        '3': earlier(3, 'complete'),
        '4': earlier(4, 'complete', false),
      },
    ],
  ]);

  it('a fresh run keeps nothing', () => {
    const fa = planFeatureAttempts(new Map([['f', plan(4, 'best')]]), undefined).get('f');
    expect(fa).toMatchObject({ featureId: 'f', count: 4, select: 'best', started: false, done: false });
    expect(fa?.ended.size).toBe(0);
    expect(fa?.firstPassing).toBeUndefined();
  });

  it.each([
    ['best', undefined],
    ['first-passing', 3],
  ] as const)(
    'a resumed run keeps the checked, ended attempts (select %s; first passing: %s)',
    (select, first) => {
      const fa = planFeatureAttempts(new Map([['f', plan(4, select)]]), previous).get('f');
      expect([...(fa?.ended.keys() ?? [])]).toEqual([1, 3]);
      expect(fa?.ended.get(3)).toMatchObject({
        status: 'complete',
        commit: 'c3',
        finished: Date.parse('2026-01-01T00:00:10.000Z'),
      });
      expect(fa?.firstPassing).toBe(first);
    },
  );
});

describe('a resumed run keeps no attempt whose recorded commit left its branch', () => {
  it('runs it again (`baton clean --force <id>.a<n>` removed the branch), and a kept pass no longer counts as first', () => {
    const fa = planFeatureAttempts(
      new Map([['f', plan(3, 'first-passing')]]),
      new Map([['f', { '1': earlier(1, 'complete'), '2': earlier(2, 'complete') }]]),
      new Set(['f.a1']),
    ).get('f');
    expect([...(fa?.ended.keys() ?? [])]).toEqual([2]);
    expect(fa?.firstPassing).toBe(2);
    expect([...(fa?.startedBefore ?? [])].sort()).toEqual([1, 2]);
  });
});

describe('how a best-of-N feature ends once its winner is chosen', () => {
  const chosen = 'attempt 1 of 2 won: attempt 1 over attempt 2: fewer lines changed (1 vs 2)';
  it('with the winner status and why it won, when baton/<id> was moved to it', () => {
    expect(featureEndOf({ status: 'complete', chosen })).toEqual({ status: 'complete', reason: chosen });
  });
  it('failed, saying why first, when baton/<id> was not moved to a winner that passed', () => {
    const notMoved =
      "attempt 1's recorded commit 4db1b376 is not on baton/api.a1, so baton/api was not moved to it";
    expect(featureEndOf({ status: 'complete', chosen, notMoved })).toEqual({
      status: 'failed',
      reason: `${notMoved} — ${chosen}`,
    });
    expect(featureEndOf({ status: 'failed-checks', chosen, notMoved }).status).toBe('failed-checks');
  });
  it('says why a winner that did not pass failed (its own reason) before why it was chosen', () => {
    const own = 'the agent failed: exit 1; see .baton/runs/r/api.a1/agent.log';
    expect(featureEndOf({ status: 'failed', chosen, winnerReason: own })).toEqual({
      status: 'failed',
      reason: `${own} — ${chosen}`,
    });
    // A complete winner's reason is no failure to tell.
    expect(featureEndOf({ status: 'complete', chosen, winnerReason: 'x' }).reason).toBe(chosen);
  });
});

describe('a resumed run believes no attempt.ended its own checks do not prove', () => {
  it.each([
    ['no check of it on its commit', undefined],
    ['fewer passed there than it says', { passed: 0, failed: 1, unverifiable: 0, total: 1 }],
  ] as const)('%s: run again, not kept', (_, checked) => {
    const claim = { ...earlier(1, 'complete'), checked };
    const fa = planFeatureAttempts(
      new Map([['f', plan(2, 'first-passing')]]),
      new Map([['f', { '1': claim, '2': { ...earlier(2, 'failed-checks'), checked: undefined } }]]),
    ).get('f');
    expect([...(fa?.ended.keys() ?? [])]).toEqual([]);
    expect(fa?.firstPassing).toBeUndefined();
  });
});

describe('an attempt not started because another passed first', () => {
  it('ends stopped, with nothing run, naming the attempt that passed', () => {
    const { event, finished } = notStarted(2, 1, 5000);
    expect(event).toMatchObject({ attempt: 2, status: 'stopped', files: [], duration_ms: 0 });
    expect(event.reason).toBe('not started: attempt 1 passed every criterion first (select: first-passing)');
    expect(finished).toEqual({
      attempt: 2,
      status: 'stopped',
      checks: { passed: 0, failed: 0, unverifiable: 0, total: 0 },
      measured: {},
      outside_owns: 0,
      lines_changed: 0,
      finished: 5000,
    });
  });

  it('says "not run again" of one an earlier run started (a resume), and the plan knows which those are', () => {
    expect(notStarted(2, 1, 5000, true).event.reason).toBe(
      'not run again: attempt 1 passed every criterion first (select: first-passing)',
    );
    const fa = planFeatureAttempts(
      new Map([['f', plan(3, 'first-passing')]]),
      new Map([
        ['f', { '1': earlier(1, 'complete'), '2': { ...earlier(2, 'running'), checked: undefined } }],
      ]),
    ).get('f');
    expect([...(fa?.startedBefore ?? [])].sort()).toEqual([1, 2]);
  });
});

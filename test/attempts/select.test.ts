import { describe, expect, it } from 'vitest';
import {
  type AttemptFacts,
  COMPARED_MEASURES,
  compareAttempts,
  selectBest,
  selectFirstPassing,
} from '../../src/attempts/select.js';
import { runBaton } from '../rig/cli.js';

function facts(attempt: number, over: Partial<AttemptFacts> = {}): AttemptFacts {
  return {
    attempt,
    status: 'complete',
    checks: { passed: 2, total: 2 },
    measured: {},
    outside_owns: 0,
    lines_changed: 10,
    finished: 1000,
    ...over,
  };
}
const failing = (n: number, over: Partial<AttemptFacts> = {}) =>
  facts(n, { status: 'failed-checks', checks: { passed: 1, total: 2 }, ...over });
const p95 = (ms: number) => ({ latency: { p95_ms: ms } });

describe('the best-of-N rule', () => {
  it.each<[string, AttemptFacts, AttemptFacts, RegExp]>([
    [
      'all criteria pass beats more measured speed',
      facts(2, { measured: p95(150) }),
      failing(1, { measured: p95(5) }),
      /attempt 2 over attempt 1: every criterion passes \(2\/2 vs 1\/2\)/,
    ],
    [
      'more criteria passed',
      failing(2, { checks: { passed: 2, total: 3 } }),
      failing(1, { checks: { passed: 1, total: 3 } }),
      /more criteria pass \(2\/3 vs 1\/3\)/,
    ],
    [
      'lower p95',
      facts(3, { measured: p95(20) }),
      facts(2, { measured: p95(150) }),
      /attempt 3 over attempt 2: lower latency p95 \(20 ms vs 150 ms\)/,
    ],
    [
      'p99 when p95 is within the tolerance',
      facts(1, { measured: { latency: { p95_ms: 20, p99_ms: 30 } } }),
      facts(2, { measured: { latency: { p95_ms: 21, p99_ms: 90 } } }),
      /lower latency p99 \(30 ms vs 90 ms\)/,
    ],
    [
      'fewer files outside owns',
      facts(2, { outside_owns: 0, lines_changed: 99 }),
      facts(1, { outside_owns: 1, lines_changed: 1 }),
      /fewer files outside owns/,
    ],
    [
      'fewer lines changed',
      facts(2, { lines_changed: 5 }),
      facts(1, { lines_changed: 50 }),
      /attempt 2 over attempt 1: fewer lines changed \(5 vs 50\)/,
    ],
    [
      'lower cost',
      facts(2, { cost_usd: 0.1 }),
      facts(1, { cost_usd: 0.3 }),
      /lower cost \(\$0\.10 vs \$0\.30\)/,
    ],
    [
      'earlier finish',
      facts(2, { finished: 10 }),
      facts(1, { finished: 20 }),
      /attempt 2 over attempt 1: finished earlier/,
    ],
    [
      'the lower attempt number last',
      facts(1),
      facts(2),
      /a tie on every rule, broken by the lower attempt number/,
    ],
  ])('%s', (_name, better, worse, why) => {
    expect(compareAttempts(better, worse).order).toBeLessThan(0);
    expect(compareAttempts(worse, better).order).toBeGreaterThan(0);
    expect(compareAttempts(better, worse).why).toMatch(why);
    expect(compareAttempts(worse, better).why).toMatch(why);
  });

  it('a p95 within 10% is noise: the tie goes on to the lines changed', () => {
    const r = compareAttempts(
      facts(1, { measured: p95(100), lines_changed: 40 }),
      facts(2, { measured: p95(95), lines_changed: 8 }),
    );
    expect(r.order).toBeGreaterThan(0);
    expect(r.why).toMatch(/fewer lines/);
  });

  it('a cost only one attempt reports does not decide', () => {
    const r = compareAttempts(facts(1, { cost_usd: 9, finished: 5 }), facts(2, { finished: 6 }));
    expect(r.why).toMatch(/attempt 1 over attempt 2: finished earlier/);
  });

  it('the issue example: one fails a criterion, one passes at 150 ms, one at 20 ms → 20 ms wins with its reasons', () => {
    const s = selectBest([
      failing(1, { finished: 1 }),
      facts(2, { measured: p95(150), finished: 2 }),
      facts(3, { measured: p95(20), finished: 3 }),
    ]);
    expect(s.winner).toBe(3);
    expect(s.ranking).toEqual([3, 2, 1]);
    expect(s.reasons).toEqual([
      'attempt 3 over attempt 2: lower latency p95 (20 ms vs 150 ms)',
      'attempt 3 over attempt 1: every criterion passes (2/2 vs 1/2)',
    ]);
  });

  it('is deterministic whatever order the attempts come in', () => {
    const list = [
      facts(1, { lines_changed: 9 }),
      facts(2, { lines_changed: 9 }),
      facts(3, { lines_changed: 3 }),
      failing(4),
    ];
    for (const order of [list, [...list].reverse(), [list[2]!, list[0]!, list[3]!, list[1]!]])
      expect(selectBest(order).ranking).toEqual([3, 1, 2, 4]);
  });

  describe('a cycle from the 10% tolerance (1 beats 2 on lines, 2 beats 3 on lines, 3 beats 1 on p95)', () => {
    const cycle = [
      facts(1, { measured: p95(102.7), lines_changed: 1 }),
      facts(2, { measured: p95(95), lines_changed: 2 }),
      facts(3, { measured: p95(88.4), lines_changed: 3 }),
    ];
    const permutations = (xs: AttemptFacts[]): AttemptFacts[][] =>
      xs.length <= 1
        ? [xs]
        : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

    it('is a cycle head to head', () => {
      const [a1, a2, a3] = cycle as [AttemptFacts, AttemptFacts, AttemptFacts];
      expect(compareAttempts(a1, a2).order).toBeLessThan(0);
      expect(compareAttempts(a2, a3).order).toBeLessThan(0);
      expect(compareAttempts(a3, a1).order).toBeLessThan(0);
    });

    it('picks the same winner and ranking in every input order, tie broken by the lower attempt number', () => {
      for (const order of permutations(cycle)) {
        const s = selectBest(order);
        expect(s.winner).toBe(1);
        expect(s.ranking).toEqual([1, 2, 3]);
      }
    });

    it('records no reason that names another attempt as better than the winner', () => {
      const s = selectBest(cycle);
      for (const reason of s.reasons) expect(reason).toMatch(/^attempt 1 over attempt \d/);
      expect(s.reasons).toEqual([
        'attempt 1 over attempt 2: fewer lines changed (1 vs 2)',
        'attempt 1 over attempt 3: beats as many of the other attempts (1 each), then the lower attempt number; head to head, attempt 3 had lower latency p95 (88.4 ms vs 102.7 ms), but the rule goes round in a cycle',
      ]);
    });

    it('four attempts: the most pairwise wins, in any order, with a reason against each', () => {
      // 4 beats 1 and 2 on p95, loses to 3 (within the tolerance, more lines); 3 beats 1 and 4: 3 and 4
      // win two each, 3 has the lower number, though 2 beats 3 head to head.
      const list = [
        ...cycle.slice(0, 2),
        facts(3, { measured: p95(88.4), lines_changed: 3 }),
        facts(4, { measured: p95(80), lines_changed: 9 }),
      ];
      for (const order of permutations(list)) {
        const s = selectBest(order);
        expect(s.ranking).toEqual([3, 4, 1, 2]);
        expect(s.reasons).toEqual([
          'attempt 3 over attempt 4: fewer lines changed (3 vs 9)',
          'attempt 3 over attempt 1: lower latency p95 (88.4 ms vs 102.7 ms)',
          'attempt 3 over attempt 2: beats more of the other attempts (2 vs 1); head to head, attempt 2 had fewer lines changed (2 vs 3), but the rule goes round in a cycle',
        ]);
      }
    });
  });

  it('first-passing keeps the first attempt to pass everything, even a slower one', () => {
    const s = selectFirstPassing([
      facts(1, { measured: p95(150), finished: 5 }),
      facts(2, { measured: p95(20), finished: 9 }),
      failing(3, { finished: 1 }),
    ]);
    expect(s.winner).toBe(1);
    expect(s.ranking[0]).toBe(1);
    expect(s.reasons[0]).toMatch(/passed every criterion first/);
  });

  it('first-passing with no passing attempt falls back to the rule', () => {
    expect(
      selectFirstPassing([failing(1, { lines_changed: 50 }), failing(2, { lines_changed: 5 })]).winner,
    ).toBe(2);
  });
});

describe('error rate before latency', () => {
  it('an attempt answering 500 to everything (fast) loses to a slow one that works', () => {
    const broken = facts(2, { measured: { lat: { p95_ms: 3.1, error_rate: 1 } } });
    const slow = facts(1, { measured: { lat: { p95_ms: 154, error_rate: 0 } } });
    for (const order of [
      [broken, slow],
      [slow, broken],
    ]) {
      const s = selectBest(order);
      expect(s.winner).toBe(1);
      expect(s.reasons).toEqual(['attempt 1 over attempt 2: lower lat error rate (0% vs 100%)']);
    }
  });

  it('error rates within the tolerance go on to the latencies', () => {
    const r = compareAttempts(
      facts(1, { measured: { lat: { p95_ms: 150, error_rate: 0.5 } } }),
      facts(2, { measured: { lat: { p95_ms: 20, error_rate: 0.52 } } }),
    );
    expect(r.why).toBe('attempt 2 over attempt 1: lower lat p95 (20 ms vs 150 ms)');
  });
});

describe('error rate wording', () => {
  it('names the error rate in full', () => {
    const r = compareAttempts(
      facts(1, { measured: { api: { error_rate: 0 } } }),
      facts(2, { measured: { api: { error_rate: 0.2 } } }),
    );
    expect(r.why).toBe('attempt 1 over attempt 2: lower api error rate (0% vs 20%)');
  });
});

describe('the rule as `baton run --help` states it', () => {
  it('names the measured values in the order the rule compares them (the error rate first)', async () => {
    const help = (await runBaton(['run', '--help'], { cwd: process.cwd() })).stdout.replace(/\s+/g, ' ');
    const stated = /better measured values \(([^)]*)\)/.exec(help)?.[1] ?? '';
    const words = { error_rate: 'error rate', p95_ms: 'p95', p99_ms: 'p99', p50_ms: 'p50' } as const;
    const at = COMPARED_MEASURES.map((m) => stated.indexOf(words[m]));
    expect(
      at.every((i) => i >= 0),
      stated,
    ).toBe(true);
    expect(at, stated).toEqual([...at].sort((a, b) => a - b));
  });
});

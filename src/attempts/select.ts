/**
 * The best-of-N selection rule (pure), in one place. Two attempts are compared rule by rule; the
 * first rule that tells them apart decides:
 *
 * 1. every criterion passes (status `complete`) beats not;
 * 2. more criteria passed;
 * 3. better measured values of numeric criteria — lower `p95`, then `p99`, `p50`, error rate, per
 *    criterion in id order — when one is at least `MEASURE_TOLERANCE` better (smaller gaps are noise);
 * 4. fewer files changed outside `owns`;
 * 5. fewer lines changed;
 * 6. lower cost (when both report one);
 * 7. earlier finish;
 * 8. the lower attempt number (so the rule never leaves a tie).
 */
import { measureLabel, measureValue } from './describe.js';

/** What the rule reads of one finished attempt. */
export interface AttemptFacts {
  attempt: number;
  /** The attempt's status: `complete` means every criterion passed. */
  status: string;
  checks: { passed: number; total: number };
  /** Numeric measurements by criterion id (`{ latency: { p95_ms: 20 } }`). */
  measured: Readonly<Record<string, Readonly<Record<string, number>>>>;
  outside_owns: number;
  lines_changed: number;
  cost_usd?: number | undefined;
  /** When it finished, as a number that grows with time (ms). */
  finished: number;
}

/** The winner, every attempt best first, and why the winner beat each of the others. */
export interface Selection {
  winner: number;
  ranking: number[];
  reasons: string[];
}

/** Measurements compared, in order; lower is better for each. */
export const COMPARED_MEASURES = ['p95_ms', 'p99_ms', 'p50_ms', 'error_rate'] as const;

/** How much better (relative) a measured value must be to count: 10%. */
export const MEASURE_TOLERANCE = 0.1;

/** Which of two attempts is better (negative: `a`), and the rule that decided, in words from the better one's side. */
export function compareAttempts(a: AttemptFacts, b: AttemptFacts): { order: number; why: string } {
  const aAll = a.status === 'complete';
  const bAll = b.status === 'complete';
  if (aAll !== bAll)
    return decided(
      aAll ? -1 : 1,
      'every criterion passes',
      a,
      b,
      (x) => `${x.checks.passed}/${x.checks.total}`,
    );
  if (a.checks.passed !== b.checks.passed)
    return decided(
      b.checks.passed - a.checks.passed,
      'more criteria pass',
      a,
      b,
      (x) => `${x.checks.passed}/${x.checks.total}`,
    );
  const measured = compareMeasured(a, b);
  if (measured) return measured;
  if (a.outside_owns !== b.outside_owns)
    return decided(a.outside_owns - b.outside_owns, 'fewer files outside owns', a, b, (x) =>
      String(x.outside_owns),
    );
  if (a.lines_changed !== b.lines_changed)
    return decided(a.lines_changed - b.lines_changed, 'fewer lines changed', a, b, (x) =>
      String(x.lines_changed),
    );
  if (a.cost_usd !== undefined && b.cost_usd !== undefined && a.cost_usd !== b.cost_usd)
    return decided(a.cost_usd - b.cost_usd, 'lower cost', a, b, (x) => `$${(x.cost_usd ?? 0).toFixed(2)}`);
  if (a.finished !== b.finished) return decided(a.finished - b.finished, 'finished earlier', a, b);
  return decided(a.attempt - b.attempt, 'a tie on every rule, broken by the lower attempt number', a, b);
}

function decided(
  order: number,
  rule: string,
  a: AttemptFacts,
  b: AttemptFacts,
  show?: (x: AttemptFacts) => string,
): { order: number; why: string } {
  const [better, worse] = order < 0 ? [a, b] : [b, a];
  const figures = show ? ` (${show(better)} vs ${show(worse)})` : '';
  return {
    order: Math.sign(order),
    why: `attempt ${better.attempt} over attempt ${worse.attempt}: ${rule}${figures}`,
  };
}

/** Rule 3: the first measured value, criterion by criterion, that one attempt has clearly lower. */
function compareMeasured(a: AttemptFacts, b: AttemptFacts): { order: number; why: string } | undefined {
  const criteria = Object.keys(a.measured)
    .filter((c) => Object.hasOwn(b.measured, c))
    .sort();
  for (const criterion of criteria) {
    for (const key of COMPARED_MEASURES) {
      const x = a.measured[criterion]?.[key];
      const y = b.measured[criterion]?.[key];
      if (x === undefined || y === undefined || x === y) continue;
      const larger = Math.max(Math.abs(x), Math.abs(y));
      if (Math.abs(x - y) < MEASURE_TOLERANCE * larger) continue;
      return decided(x - y, `lower ${criterion} ${measureLabel(key)}`, a, b, (t) =>
        measureValue(key, t.measured[criterion]?.[key] ?? 0),
      );
    }
  }
  return undefined;
}

/** Ranks finished attempts by the rule and names the winner with a reason against each other attempt (pure). */
export function selectBest(attempts: readonly AttemptFacts[]): Selection {
  if (attempts.length === 0) throw new Error('selectBest: no attempts');
  const ranked = [...attempts].sort((a, b) => compareAttempts(a, b).order);
  const [winner, ...rest] = ranked as [AttemptFacts, ...AttemptFacts[]];
  return {
    winner: winner.attempt,
    ranking: ranked.map((a) => a.attempt),
    reasons:
      rest.length === 0
        ? [`attempt ${winner.attempt} is the only attempt`]
        : rest.map((r) => compareAttempts(winner, r).why),
  };
}

/**
 * `select: first-passing`: the first attempt (by finish) that passes every criterion wins outright;
 * when none does, the rule picks among them all (pure).
 */
export function selectFirstPassing(attempts: readonly AttemptFacts[]): Selection {
  const passing = attempts
    .filter((a) => a.status === 'complete')
    .sort((a, b) => a.finished - b.finished || a.attempt - b.attempt);
  const first = passing[0];
  if (!first) return selectBest(attempts);
  const rest = selectBest(attempts).ranking.filter((n) => n !== first.attempt);
  return {
    winner: first.attempt,
    ranking: [first.attempt, ...rest],
    reasons: [`attempt ${first.attempt} passed every criterion first (select: first-passing)`],
  };
}

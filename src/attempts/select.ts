/**
 * The best-of-N selection rule (pure), in one place. Two attempts are compared rule by rule; the
 * first rule that tells them apart decides:
 *
 * 1. every criterion passes (status `complete`) beats not;
 * 2. more criteria passed;
 * 3. better measured values of numeric criteria — lower error rate, then `p95`, `p99`, `p50`, per
 *    criterion in id order — when one is at least `MEASURE_TOLERANCE` better (smaller gaps are noise).
 *    The error rate comes first: fast errors (a server answering 500 to everything) lower the
 *    latencies, so an attempt that fails more requests must not win on its speed;
 * 4. fewer files changed outside `owns`;
 * 5. fewer lines changed;
 * 6. lower cost (when both report one);
 * 7. earlier finish;
 * 8. the lower attempt number (so the rule never leaves a tie).
 *
 * The tolerance of rule 3 makes this comparison non-transitive (1 beats 2 on lines, 2 beats 3 on
 * lines, 3 beats 1 on a p95 more than 10% lower), so it cannot feed a sort. `selectBest` plays every
 * pair instead (a round robin) and ranks by pairwise wins, then by the lower attempt number: an attempt
 * that beats every other always wins, and in a cycle the result does not depend on input order.
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

/** Measurements compared, in order (error rate first: fast failures must not buy speed); lower is better for each. */
export const COMPARED_MEASURES = ['error_rate', 'p95_ms', 'p99_ms', 'p50_ms'] as const;

/** How much better (relative) a measured value must be to count: 10%. */
export const MEASURE_TOLERANCE = 0.1;

/** How two attempts compare: negative when `a` is better; `rule` is the deciding rule with its figures. */
export interface Comparison {
  order: number;
  /** `attempt 3 over attempt 2: lower latency p95 (20 ms vs 150 ms)`. */
  why: string;
  /** `lower latency p95 (20 ms vs 150 ms)`. */
  rule: string;
}

/** Which of two attempts is better (negative: `a`), and the rule that decided, in words from the better one's side. */
export function compareAttempts(a: AttemptFacts, b: AttemptFacts): Comparison {
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
): Comparison {
  const [better, worse] = order < 0 ? [a, b] : [b, a];
  const figures = show ? ` (${show(better)} vs ${show(worse)})` : '';
  return {
    order: Math.sign(order),
    why: `attempt ${better.attempt} over attempt ${worse.attempt}: ${rule}${figures}`,
    rule: `${rule}${figures}`,
  };
}

/** Rule 3: the first measured value, criterion by criterion, that one attempt has clearly lower. */
function compareMeasured(a: AttemptFacts, b: AttemptFacts): Comparison | undefined {
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

/**
 * Ranks finished attempts by the rule and names the winner with a reason against each other attempt
 * (pure). Every pair is compared once; the ranking is by pairwise wins, then the lower attempt number,
 * so it is the same whatever order the attempts come in, even when the pairwise rule goes round in a
 * cycle.
 */
export function selectBest(attempts: readonly AttemptFacts[]): Selection {
  if (attempts.length === 0) throw new Error('selectBest: no attempts');
  const wins = new Map(attempts.map((a) => [a.attempt, countWins(a, attempts)]));
  const winsOf = (a: AttemptFacts) => wins.get(a.attempt) ?? 0;
  const ranked = [...attempts].sort((a, b) => winsOf(b) - winsOf(a) || a.attempt - b.attempt);
  const [winner, ...rest] = ranked as [AttemptFacts, ...AttemptFacts[]];
  return {
    winner: winner.attempt,
    ranking: ranked.map((a) => a.attempt),
    reasons:
      rest.length === 0
        ? [`attempt ${winner.attempt} is the only attempt`]
        : rest.map((r) => reasonOver(winner, r, winsOf)),
  };
}

/** How many of the other attempts `a` beats head to head. */
function countWins(a: AttemptFacts, attempts: readonly AttemptFacts[]): number {
  return attempts.filter((b) => b !== a && compareAttempts(a, b).order < 0).length;
}

/**
 * Why the winner is ranked over `other`: the head-to-head rule when the winner wins it; otherwise (a
 * cycle) the round robin, with the head-to-head loss stated as what it is, so no reason names `other`
 * as the better attempt.
 */
function reasonOver(winner: AttemptFacts, other: AttemptFacts, winsOf: (a: AttemptFacts) => number): string {
  const head = compareAttempts(winner, other);
  if (head.order < 0) return head.why;
  const [w, o] = [winsOf(winner), winsOf(other)];
  const count =
    w > o
      ? `beats more of the other attempts (${w} vs ${o})`
      : `beats as many of the other attempts (${w} each), then the lower attempt number`;
  return `attempt ${winner.attempt} over attempt ${other.attempt}: ${count}; head to head, attempt ${other.attempt} had ${head.rule}, but the rule goes round in a cycle`;
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

import { describe, expect, it } from 'vitest';
import { dependenciesOf, dependencyRelation } from '../../src/graph/ancestors.js';

/** A graph written as `node: deps…` lines, in dependency order. */
function relationOf(lines: readonly string[]) {
  const deps = new Map(
    lines.map((l) => {
      const [node, rest] = l.split(':') as [string, string | undefined];
      return [node.trim(), (rest ?? '').split(' ').filter(Boolean)] as const;
    }),
  );
  return dependencyRelation([...deps.keys()], (n) => deps.get(n) ?? []);
}

describe('dependencyRelation', () => {
  it.each([
    // [graph, a, b, a depends on b]
    [['a:', 'b: a', 'c: b', 'd: b c'], 'c', 'a', true],
    [['a:', 'b: a', 'c: b', 'd: b c'], 'd', 'a', true],
    [['a:', 'b: a', 'c: b', 'd: b c'], 'a', 'd', false],
    [['a:', 'b:', 'c: a'], 'c', 'b', false],
    [['a:', 'b: a'], 'b', 'b', false],
    [['a:', 'b: a ghost'], 'b', 'ghost', false],
  ] as const)('%j: %s depends on %s → %s', (graph, a, b, expected) => {
    expect(relationOf(graph).dependsOn(a, b)).toBe(expected);
  });

  it('carries ancestors across the 32-node words of its rows', () => {
    const n = 100;
    // n0…n99; n(i) depends on n(i−1) for i ≤ 40, then n99 on n40 alone, and n60 on n31 alone.
    const deps = (i: number): string[] =>
      i === 0 ? [] : i <= 40 ? [`n${i - 1}`] : i === 99 ? ['n40'] : i === 60 ? ['n31'] : [];
    const order = Array.from({ length: n }, (_, i) => `n${i}`);
    const r = dependencyRelation(order, (id) => deps(Number(id.slice(1))));
    expect(r.dependsOn('n99', 'n0')).toBe(true);
    expect(r.dependsOn('n99', 'n31')).toBe(true);
    expect(r.dependsOn('n99', 'n32')).toBe(true);
    expect(r.dependsOn('n60', 'n0')).toBe(true);
    expect(r.dependsOn('n60', 'n32')).toBe(false);
    expect(r.related('n0', 'n99')).toBe(true);
    expect(r.related('n60', 'n99')).toBe(false);
  });
});

describe('dependenciesOf', () => {
  it('agrees with dependencyRelation on every pair of random acyclic graphs', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 40; round++) {
      const n = 2 + Math.floor(random() * 60);
      const order = Array.from({ length: n }, (_, i) => `n${i}`);
      const deps = new Map(order.map((id, i) => [id, order.slice(0, i).filter(() => random() < 0.08)]));
      const depsOf = (id: string): string[] => deps.get(id) ?? [];
      const relation = dependencyRelation(order, depsOf);
      for (const a of order) {
        const found = new Set(dependenciesOf(a, depsOf));
        for (const b of order) expect(found.has(b), `${a} → ${b}`).toBe(relation.dependsOn(a, b));
      }
    }
  });

  it('stops at a cycle and never names the node itself', () => {
    const deps: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a', 'd'], d: [] };
    expect(dependenciesOf('a', (id) => deps[id] ?? []).sort()).toEqual(['b', 'c', 'd']);
  });

  it('walks a chain of 200,000 nodes without overflowing the stack', () => {
    const depsOf = (id: number): number[] => (id > 0 ? [id - 1] : []);
    expect(dependenciesOf(200_000, depsOf)).toHaveLength(200_000);
  });
});

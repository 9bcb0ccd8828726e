import { describe, expect, it } from 'vitest';
import { dependencyRelation } from '../../src/graph/ancestors.js';

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

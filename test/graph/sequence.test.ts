import { describe, expect, it } from 'vitest';
import { sequenceGraph } from '../../src/graph/sequence.js';

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `'b:a c:b'` → b depends on a, c on b; a bare name has no dependencies. */
function graphOf(spec: string): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const part of spec.split(/\s+/).filter(Boolean)) {
    const [node = '', deps = ''] = part.split(':');
    g.set(node, deps ? deps.split(',') : []);
  }
  return g;
}

describe('sequenceGraph', () => {
  it.each([
    { graph: '', chunks: [], cycles: [] },
    { graph: 'a', chunks: [['a']], cycles: [] },
    { graph: 'c b a', chunks: [['a', 'b', 'c']], cycles: [] },
    { graph: 'a b:a c:b', chunks: [['a'], ['b'], ['c']], cycles: [] },
    { graph: 'd:b,c b:a c:a a', chunks: [['a'], ['b', 'c'], ['d']], cycles: [] },
    { graph: 'a b:a c:a,b d', chunks: [['a', 'd'], ['b'], ['c']], cycles: [] },
    { graph: 'a:zz b:a', chunks: [['a'], ['b']], cycles: [] },
    { graph: 'a:a', chunks: [['a']], cycles: [['a']] },
    { graph: 'a:b b:c c:a', chunks: [['a', 'b', 'c']], cycles: [['a', 'b', 'c']] },
    { graph: 'a:c b:a c:b', chunks: [['a', 'b', 'c']], cycles: [['a', 'c', 'b']] },
    { graph: 'x a:b b:a c:a', chunks: [['a', 'b', 'x'], ['c']], cycles: [['a', 'b']] },
    {
      graph: 'a:b b:a c:d d:c',
      chunks: [['a', 'b', 'c', 'd']],
      cycles: [
        ['a', 'b'],
        ['c', 'd'],
      ],
    },
    { graph: 'a:b,c b:c c:a', chunks: [['a', 'b', 'c']], cycles: [['a', 'c']] },
  ])('$graph', ({ graph, chunks, cycles }) => {
    const r = sequenceGraph(graphOf(graph), byString);
    expect(r.chunks).toEqual(chunks);
    expect(r.cycles).toEqual(cycles);
    expect(r.safe).toBe(cycles.length === 0);
  });

  it('orders a 20 000-long chain without overflowing the stack', () => {
    const g = new Map<number, number[]>();
    for (let i = 0; i < 20_000; i++) g.set(i, i === 0 ? [] : [i - 1]);
    const r = sequenceGraph(g, (a, b) => a - b);
    expect(r.safe).toBe(true);
    expect(r.chunks).toHaveLength(20_000);
    expect(r.chunks[19_999]).toEqual([19_999]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Contract } from '../../src/contracts/schema.js';
import { findOverlaps, globsOverlap, judgeOverlaps } from '../../src/graph/overlap.js';

describe('globsOverlap', () => {
  it.each([
    ['src/**', 'src/catalog/**', 'src/catalog/**'],
    ['src/catalog/**', 'src/**', 'src/catalog/**'],
    ['src/db.ts', 'src/db.ts', 'src/db.ts'],
    ['src/db.ts', 'src/*.ts', 'src/db.ts'],
    ['src/catalog', 'src/catalog/**/*.ts', 'src/catalog/**/*.ts'],
    ['src/catalog/', 'src/catalog/index.ts', 'src/catalog/index.ts'],
    ['src/**/*.ts', 'src/catalog/**', 'src/catalog/x.ts'],
    ['**/*.test.ts', 'test/cart/**', 'test/cart/x.test.ts'],
    ['src/{cart,catalog}/**', 'src/catalog/api.ts', 'src/catalog/api.ts'],
    ['src/catalog/**', 'src/cart/**', undefined],
    ['src/cat/**', 'src/catalog/**', undefined],
    ['src/*.ts', 'src/*.css', undefined],
    ['docs/**', 'src/**', undefined],
    ['src/db.ts', 'src/db.test.ts', undefined],
  ])('%s ∩ %s → %s', (a, b, expected) => {
    expect(globsOverlap(a, b)).toBe(expected);
  });
});

const owner = (feature_id: string, owns: string[]): Contract => ({
  feature_id,
  title: feature_id,
  provides: {},
  owns,
  depends_on: { features: [], services: [] },
  acceptance_criteria: [],
  body: '',
  file: `specs/${feature_id}/contract.md`,
});

describe('findOverlaps', () => {
  it('finds overlaps through tracked files that the globs alone do not reveal', () => {
    const contracts = [owner('a', ['src/+(db|cache).ts']), owner('b', ['src/d?.ts'])];
    expect(findOverlaps(contracts, () => false)).toEqual([]);
    expect(findOverlaps(contracts, () => false, ['src/db.ts', 'README.md'])).toEqual([
      { a: 'a', b: 'b', pattern: 'src/db.ts' },
    ]);
  });

  it('counts the pairs only tracked files could still show overlapping, and no others', () => {
    const meet = [owner('a', ['src/+(db|cache).ts']), owner('b', ['src/d?.ts'])];
    expect(judgeOverlaps(meet, () => false).open).toBe(1);
    // Found by their sample paths, apart, or related: nothing a file could add.
    const sampled = [owner('a', ['src/**']), owner('b', ['src/b/**'])];
    expect(judgeOverlaps(sampled, () => false)).toEqual({
      overlaps: [{ a: 'a', b: 'b', pattern: 'src/b/**' }],
      open: 0,
    });
    expect(judgeOverlaps([owner('a', ['src/a/**']), owner('b', ['src/b/**'])], () => false).open).toBe(0);
    expect(judgeOverlaps(meet, () => true).open).toBe(0);
  });

  it('skips related pairs and features without owns', () => {
    const contracts = [owner('a', ['src/**']), owner('b', ['src/b/**']), owner('c', [])];
    expect(findOverlaps(contracts, (x, y) => x === 'a' && y === 'b', ['src/b/x.ts'])).toEqual([]);
  });
});

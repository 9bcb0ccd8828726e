import { describe, expect, it } from 'vitest';
import type { Contract } from '../../src/contracts/schema.js';
import { findOverlaps, globsOverlap } from '../../src/graph/overlap.js';

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

  it('skips related pairs and features without owns', () => {
    const contracts = [owner('a', ['src/**']), owner('b', ['src/b/**']), owner('c', [])];
    expect(findOverlaps(contracts, (x, y) => x === 'a' && y === 'b', ['src/b/x.ts'])).toEqual([]);
  });
});

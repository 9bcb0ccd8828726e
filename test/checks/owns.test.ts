import { describe, expect, it } from 'vitest';
import { filesOutsideOwns, matchPaths } from '../../src/checks/owns.js';

describe('matchPaths', () => {
  it.each([
    { globs: ['src/catalog/**'], path: 'src/catalog/index.ts', expected: true },
    { globs: ['src/catalog/**'], path: 'src/catalog/deep/a.ts', expected: true },
    { globs: ['src/catalog/**'], path: 'src/db.ts', expected: false },
    { globs: ['src/catalog/**'], path: 'src/catalogue/x.ts', expected: false },
    { globs: ['src/catalog'], path: 'src/catalog/x.ts', expected: true },
    { globs: ['src/catalog'], path: 'src/catalog', expected: true },
    { globs: ['src/catalog/'], path: 'src/catalog/x.ts', expected: true },
    { globs: ['./src/catalog/**'], path: 'src/catalog/x.ts', expected: true },
    { globs: ['src/*.ts'], path: 'src/db.ts', expected: true },
    { globs: ['src/*.ts'], path: 'src/a/db.ts', expected: false },
    { globs: ['**/*.md'], path: 'docs/.hidden/a.md', expected: true },
    { globs: ['src/catalog/**', 'test/catalog/**'], path: 'test/catalog/a.test.ts', expected: true },
    { globs: [], path: 'anything', expected: false },
  ])('$globs covers $path: $expected', ({ globs, path, expected }) => {
    expect(matchPaths(globs)(path)).toBe(expected);
  });
});

describe('filesOutsideOwns', () => {
  it('keeps the changed files no glob covers, in order', () => {
    expect(
      filesOutsideOwns(
        ['src/catalog/a.ts', 'src/db.ts', 'package.json', 'test/catalog/a.ts'],
        ['src/catalog/**', 'test/catalog/**'],
      ),
    ).toEqual(['src/db.ts', 'package.json']);
  });
  it('treats every change as outside when nothing is owned', () => {
    expect(filesOutsideOwns(['a.ts'], [])).toEqual(['a.ts']);
  });
});

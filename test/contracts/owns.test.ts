import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runFilesCheck } from '../../src/checks/files-check.js';
import { ownsPatternProblem } from '../../src/contracts/lint.js';
import { compileOwns, expandOwnedPattern, filesOutsideOwns } from '../../src/contracts/owns.js';
import type { Contract } from '../../src/contracts/schema.js';
import { findOverlaps } from '../../src/graph/overlap.js';
import { findOwnershipViolations } from '../../src/integrate/ownership.js';
import { outsideOwns } from '../../src/metrics/conflicts.js';

describe('compileOwns', () => {
  it.each([
    { owns: ['src/catalog/**'], path: 'src/catalog/index.ts', expected: true },
    { owns: ['src/catalog/**'], path: 'src/catalog/deep/a.ts', expected: true },
    { owns: ['src/catalog/**'], path: 'src/db.ts', expected: false },
    { owns: ['src/catalog/**'], path: 'src/catalogue/x.ts', expected: false },
    { owns: ['src/catalog'], path: 'src/catalog/x.ts', expected: true },
    { owns: ['src/catalog'], path: 'src/catalog', expected: true },
    { owns: ['src/catalog/'], path: 'src/catalog/x.ts', expected: true },
    { owns: ['lib/'], path: 'lib/a/b.ts', expected: true },
    { owns: ['./src/catalog/**'], path: 'src/catalog/x.ts', expected: true },
    { owns: ['./src/a.ts'], path: 'src/a.ts', expected: true },
    // Empty and `.` segments name nothing of their own: `src//a` is src/a, as `./src/a` is.
    { owns: ['src//a'], path: 'src/a/x.ts', expected: true },
    { owns: ['src/./a/**'], path: 'src/a/x.ts', expected: true },
    { owns: ['src/.//./a.ts'], path: 'src/a.ts', expected: true },
    { owns: ['src/a//'], path: 'src/a/b/x.ts', expected: true },
    { owns: ['src/a/.'], path: 'src/a/x.ts', expected: true },
    { owns: ['src//a'], path: 'src/ab/x.ts', expected: false },
    { owns: ['src/.hidden/**'], path: 'src/hidden/x.ts', expected: false },
    { owns: ['src/*.ts'], path: 'src/db.ts', expected: true },
    { owns: ['src/*.ts'], path: 'src/.hidden.ts', expected: true },
    { owns: ['src/*.ts'], path: 'src/a/db.ts', expected: false },
    { owns: ['**/*.md'], path: 'docs/.hidden/a.md', expected: true },
    { owns: ['src/catalog/**', 'test/catalog/**'], path: 'test/catalog/a.test.ts', expected: true },
    { owns: [], path: 'anything', expected: false },
    { owns: ['src/stock/**'], path: 'src/stock/new\nline\x01.ts', expected: true },
    { owns: ['src/**/*.ts'], path: 'src/a\nb/t\tab.ts', expected: true },
    // An exclusion narrows the others, as in .gitignore; alone it owns nothing (it matched every other path).
    { owns: ['src/n/**', '!src/n/generated.txt'], path: 'src/n/a.ts', expected: true },
    { owns: ['src/n/**', '!src/n/generated.txt'], path: 'src/n/generated.txt', expected: false },
    { owns: ['src/n/**', '!src/n/generated.txt'], path: 'src/base.txt', expected: false },
    { owns: ['src/n/**', '!src/n/generated.txt'], path: '.gitignore', expected: false },
    { owns: ['src/n', ' !src/n/gen/'], path: 'src/n/gen/x.ts', expected: false },
    { owns: ['!src/n/generated.txt'], path: 'src/base.txt', expected: false },
    // Folders named with glob characters own their files: an entry owns what its glob or literal reading covers.
    { owns: ['app/(shop)/**'], path: 'app/(shop)/page.tsx', expected: true },
    { owns: ['app/(shop)'], path: 'app/(shop)/page.tsx', expected: true },
    { owns: ['app/(shop)/'], path: 'app/(shop)/cart/page.tsx', expected: true },
    { owns: ['app/(shop)'], path: 'app/(shopping)/page.tsx', expected: false },
    { owns: ['app/products/[id]'], path: 'app/products/[id]/page.tsx', expected: true },
    { owns: ['app/products/[id]/*.tsx'], path: 'app/products/[id]/page.tsx', expected: true },
    { owns: ['src/c++'], path: 'src/c++/a.cc', expected: true },
    { owns: ['src/c++'], path: 'src/c/a.cc', expected: false },
    { owns: ['src/a!b@c.ts'], path: 'src/a!b@c.ts', expected: true },
    { owns: ['src/{a}/x.ts'], path: 'src/{a}/x.ts', expected: true },
    { owns: ['src/[ab].ts'], path: 'src/a.ts', expected: true },
    { owns: ['src/[ab].ts'], path: 'src/[ab].ts', expected: true },
    { owns: ['src/[ab].ts'], path: 'src/c.ts', expected: false },
    // An extglob or a brace list keeps its glob meaning in both readings.
    { owns: ['src/*.@(ts|js)'], path: 'src/x.js', expected: true },
    { owns: ['src/*.@(ts|js)'], path: 'src/x.@(ts|js)', expected: false },
    { owns: ['src/+(a|b).ts'], path: 'src/abba.ts', expected: true },
    { owns: ['src/{a,b}/**'], path: 'src/b/x.ts', expected: true },
    { owns: ['src/{a,b}/**'], path: 'src/{a,b}/x.ts', expected: false },
    { owns: ['src/(x)/{a,b}.ts'], path: 'src/(x)/a.ts', expected: true },
    // An exclusion takes away what the same entry would own: both readings.
    { owns: ['app/**', '!app/(admin)/**'], path: 'app/(admin)/page.tsx', expected: false },
    { owns: ['app/**', '!app/(admin)/**'], path: 'app/admin/page.tsx', expected: false },
    { owns: ['app/**', '!app/(admin)/**'], path: 'app/(shop)/page.tsx', expected: true },
    { owns: ['app/**', '!app/products/[id]'], path: 'app/products/[id]/page.tsx', expected: false },
    { owns: ['app/**', '!app/products/[id]'], path: 'app/products/page.tsx', expected: true },
  ])('$owns covers $path: $expected', ({ owns, path, expected }) => {
    expect(compileOwns(owns)(path)).toBe(expected);
    expect(compileOwns(owns)(`./${path}`)).toBe(expected);
  });

  it('expands a literal folder to itself and everything below it', () => {
    expect(expandOwnedPattern('src/catalog')).toEqual(['src/catalog', 'src/catalog/**']);
    expect(expandOwnedPattern('lib/')).toEqual(['lib/**']);
    expect(expandOwnedPattern('src/*.ts')).toEqual(['src/*.ts']);
  });

  it('reads an entry with glob characters literally first, then as a glob', () => {
    expect(expandOwnedPattern('app/(shop)/**')).toEqual(['app/\\(shop\\)/**', 'app/(shop)/**']);
    expect(expandOwnedPattern('app/products/[id]')).toEqual([
      'app/products/\\[id\\]',
      'app/products/\\[id\\]/**',
      'app/products/[id]',
    ]);
    expect(expandOwnedPattern('src/*.@(ts|js)')).toEqual(['src/*.@(ts|js)']);
  });
});

describe('filesOutsideOwns', () => {
  it('keeps the changed files no pattern covers, in order', () => {
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

const contract = (feature_id: string, owns: string[]): Contract => ({
  feature_id,
  title: feature_id,
  provides: {},
  owns,
  depends_on: { features: [], services: [] },
  acceptance_criteria: [],
  body: '',
  file: `specs/${feature_id}/contract.md`,
});

describe('one owns rule everywhere', () => {
  // Folder-style owns once made the report count src/catalog/a.ts as outside while the others counted it inside.
  const folderStyle = contract('catalog', ['src/catalog', 'lib/']);
  const other = contract('other', ['src/catalog/a.ts']);
  const changed = ['src/catalog/a.ts', 'lib/x/y.ts', 'src/db.ts'];

  it('the files check, integrate and lint agree on folder-style owns', () => {
    expect(filesOutsideOwns(changed, folderStyle.owns)).toEqual(['src/db.ts']);
    const violations = findOwnershipViolations(new Map([['catalog', changed]]), [folderStyle]);
    expect(violations.map((v) => v.file)).toEqual(['src/db.ts']);
    const overlaps = findOverlaps([folderStyle, other], () => false);
    expect(overlaps.map((o) => [o.a, o.b])).toEqual([['catalog', 'other']]);
  });

  it('an exclusion narrows owns for the files check, integrate, the report and lint alike', async () => {
    const narrowed = contract('n', ['src/n/**', '!src/n/generated.txt']);
    const touched = ['src/n/a.ts', 'src/n/generated.txt', 'src/base.txt'];
    expect(filesOutsideOwns(touched, narrowed.owns)).toEqual(['src/n/generated.txt', 'src/base.txt']);
    expect(outsideOwns(narrowed, touched)).toEqual(['src/n/generated.txt', 'src/base.txt']);
    const violations = findOwnershipViolations(new Map([['n', touched]]), [narrowed]);
    expect(violations.map((v) => v.file)).toEqual(['src/n/generated.txt', 'src/base.txt']);
    const verdict = await runFilesCheck({
      check: { untouched_outside_owns: true },
      cwd: tmpdir(),
      owns: narrowed.owns,
      changed: touched,
    });
    expect(verdict.outcome).toBe('failed');
    // Lint: the exclusion owns nothing, so it overlaps no one; and what it takes away overlaps no one either.
    expect(findOverlaps([narrowed, contract('base', ['src/base.txt'])], () => false)).toEqual([]);
    const core = contract('core', ['src/**', '!src/b/**']);
    expect(
      findOverlaps([core, contract('b', ['src/b/**'])], () => false, ['src/b/x.ts', 'src/a.ts']),
    ).toEqual([]);
    // A shared path it does not take away is still found, whatever the order of the globs.
    for (const [ownsA, ownsB] of [
      [
        ['src/**', '!src/b/**', 'docs/**'],
        ['src/b/**', 'docs/**'],
      ],
      [
        ['src/**', '!src/b/**'],
        ['src/b/**', 'src/a/**'],
      ],
    ] as const)
      expect(
        findOverlaps([contract('core', [...ownsA]), contract('b', [...ownsB])], () => false),
      ).toHaveLength(1);
    // What it does not take away still overlaps.
    expect(
      findOverlaps(
        [contract('core', ['src/**', '!src/b/gen/**']), contract('b', ['src/b/**'])],
        () => false,
        ['src/b/x.ts'],
      ).map((o) => [o.a, o.b]),
    ).toEqual([['b', 'core']]);
  });

  it('every caller owns a Next.js route group and dynamic segment by their literal names', async () => {
    const shop = contract('shop', ['app/(shop)/**', 'app/products/[id]']);
    const touched = ['app/(shop)/page.tsx', 'app/products/[id]/page.tsx', 'app/layout.tsx'];
    expect(filesOutsideOwns(touched, shop.owns)).toEqual(['app/layout.tsx']);
    expect(outsideOwns(shop, touched)).toEqual(['app/layout.tsx']);
    const violations = findOwnershipViolations(new Map([['shop', touched]]), [shop]);
    expect(violations.map((v) => v.file)).toEqual(['app/layout.tsx']);
    const verdict = await runFilesCheck({
      check: { untouched_outside_owns: true },
      cwd: tmpdir(),
      owns: shop.owns,
      changed: touched.slice(0, 2),
    });
    expect(verdict.outcome).toBe('passed');
    // Lint names the paths as written, not what picomatch's reading of them would be (app/shop).
    const other = contract('other', ['app/(shop)']);
    expect(findOverlaps([other, shop], () => false)).toEqual([
      { a: 'other', b: 'shop', pattern: 'app/(shop)' },
    ]);
    const page = contract('page', ['app/**/page.tsx']);
    expect(findOverlaps([contract('id', ['app/products/[id]/']), page], () => false)).toEqual([
      { a: 'id', b: 'page', pattern: 'app/products/[id]/page.tsx' },
    ]);
    expect(
      findOverlaps([contract('cpp', ['src/c++']), contract('lib', ['src/*/lib.cc'])], () => false, [
        'src/c++/lib.cc',
      ]),
    ).toEqual([{ a: 'cpp', b: 'lib', pattern: 'src/c++/lib.cc' }]);
  });

  it('every caller reads src//a and src/./a/** as src/a, and lint finds nothing wrong with them', async () => {
    const typo = contract('typo', ['src//a', 'lib/./b/**']);
    const touched = ['src/a/x.ts', 'lib/b/y.ts', 'src/db.ts'];
    expect(filesOutsideOwns(touched, typo.owns)).toEqual(['src/db.ts']);
    expect(outsideOwns(typo, touched)).toEqual(['src/db.ts']);
    const violations = findOwnershipViolations(new Map([['typo', touched]]), [typo]);
    expect(violations.map((v) => v.file)).toEqual(['src/db.ts']);
    const verdict = await runFilesCheck({
      check: { untouched_outside_owns: true },
      cwd: tmpdir(),
      owns: typo.owns,
      changed: touched.slice(0, 2),
    });
    expect(verdict.outcome, verdict.message).toBe('passed');
    expect(findOverlaps([typo, contract('a', ['src/a/**'])], () => false)).toHaveLength(1);
    expect(ownsPatternProblem('src//a')).toBeUndefined();
  });

  it('the run-time ownership check and the report agree with them', async () => {
    const verdict = await runFilesCheck({
      check: { untouched_outside_owns: true },
      cwd: tmpdir(),
      owns: folderStyle.owns,
      changed,
    });
    expect(verdict.outcome).toBe('failed');
    expect(verdict.message).toContain('src/db.ts');
    expect(verdict.message).not.toContain('src/catalog/a.ts');
    expect(outsideOwns(folderStyle, changed)).toEqual(['src/db.ts']);
    const inside = await runFilesCheck({
      check: { untouched_outside_owns: true },
      cwd: tmpdir(),
      owns: folderStyle.owns,
      changed: ['src/catalog/a.ts', 'lib/x/y.ts'],
    });
    expect(inside.outcome).toBe('passed');
    expect(outsideOwns(folderStyle, ['src/catalog/a.ts', 'lib/x/y.ts'])).toEqual([]);
  });
});

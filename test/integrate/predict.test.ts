import { afterEach, describe, expect, it } from 'vitest';
import {
  type BranchChanges,
  collectBranchChanges,
  predictConflicts,
  selectCandidatePairs,
  walkOwnCommits,
} from '../../src/integrate/predict.js';
import type { TempRepo } from '../rig/repo.js';
import { makeRepo } from '../rig/repo.js';
import { contract, featureBranch, lines, makeFourFeatures } from './fixture.js';

const changes = (
  id: string,
  files: string[],
  fork: string | null = 'F',
  own = [`${id}1`],
  folders_removed: string[] = [],
): BranchChanges => ({
  feature_id: id,
  branch: `baton/${id}`,
  tip: `${id}-tip`,
  fork: fork ?? undefined,
  own,
  files,
  folders_removed,
  stacked_on: [],
  holds_base: true,
});

describe('selectCandidatePairs', () => {
  it.each([
    {
      name: 'disjoint files from one fork point: nothing to test',
      input: [changes('a', ['x.ts']), changes('b', ['y.ts'])],
      expected: [],
    },
    {
      name: 'a shared file',
      input: [changes('a', ['x.ts', 'z.ts']), changes('b', ['z.ts'])],
      expected: [{ a: 'a', b: 'b', files: ['z.ts'], reason: 'overlap' }],
    },
    {
      name: 'a file where the other made a folder',
      input: [changes('a', ['lib']), changes('b', ['lib/x.ts'])],
      expected: [{ a: 'a', b: 'b', files: ['lib'], reason: 'overlap' }],
    },
    {
      name: 'a file added in a folder the other removed: git may move it after the folder',
      input: [changes('p', ['d/x.ts', 'e/x.ts'], 'F', ['p1'], ['d']), changes('q', ['d/sub/new.ts'])],
      expected: [{ a: 'p', b: 'q', files: [], reason: 'folder-removed' }],
    },
    {
      name: 'the same, the other way round',
      input: [changes('q', ['d/new.ts']), changes('p', ['d/x.ts', 'e/x.ts'], 'F', ['p1'], ['d'])],
      expected: [{ a: 'q', b: 'p', files: [], reason: 'folder-removed' }],
    },
    {
      name: 'a removed folder and files added elsewhere: nothing to test',
      input: [changes('p', ['d/x.ts', 'e/x.ts'], 'F', ['p1'], ['d']), changes('q', ['e/new.ts', 'dd/y.ts'])],
      expected: [],
    },
    {
      name: 'different fork points: always tested',
      input: [changes('a', ['x.ts'], 'F1'), changes('b', ['y.ts'], 'F2')],
      expected: [{ a: 'a', b: 'b', files: [], reason: 'shared-history' }],
    },
    {
      name: 'no single fork point: always tested',
      input: [changes('a', ['x.ts'], null), changes('b', ['y.ts'])],
      expected: [{ a: 'a', b: 'b', files: [], reason: 'shared-history' }],
    },
    {
      name: 'shared commits: always tested',
      input: [changes('a', ['x.ts'], 'F', ['c1']), changes('b', ['y.ts'], 'F', ['c1', 'c2'])],
      expected: [{ a: 'a', b: 'b', files: [], reason: 'shared-history' }],
    },
    {
      name: 'a branch with nothing of its own cannot conflict',
      input: [changes('a', [], 'F', []), changes('b', ['y.ts'], 'G')],
      expected: [],
    },
  ])('$name', ({ input, expected }) => {
    expect(selectCandidatePairs(input)).toEqual(expected);
  });

  it('keeps the input order within and across pairs', () => {
    const got = selectCandidatePairs([changes('c', ['s']), changes('a', ['s']), changes('b', ['s'])]);
    expect(got.map((p) => `${p.a}-${p.b}`)).toEqual(['c-a', 'c-b', 'a-b']);
  });
});

describe('walkOwnCommits', () => {
  // c3 ← c2 ← c1 ← (base X); m merges c2 and base commit Y.
  const graph = new Map([
    ['c1', ['X']],
    ['c2', ['c1']],
    ['c3', ['c2']],
    ['m', ['c2', 'Y']],
  ]);
  it.each([
    { tip: 'c3', own: ['c1', 'c2', 'c3'], boundary: ['X'] },
    { tip: 'c1', own: ['c1'], boundary: ['X'] },
    { tip: 'm', own: ['c1', 'c2', 'm'], boundary: ['X', 'Y'] },
    { tip: 'X', own: [], boundary: [] },
  ])('from $tip', ({ tip, own, boundary }) => {
    const got = walkOwnCommits(graph, tip);
    expect(got.own.sort()).toEqual(own);
    expect(got.boundary.sort()).toEqual(boundary);
  });
});

describe('collectBranchChanges', () => {
  let repo: TempRepo | undefined;
  afterEach(() => repo?.cleanup());

  it('reads every branch in one go, empty diffs and shared tips included', async () => {
    repo = makeRepo({ 'a.txt': 'a\n' });
    featureBranch(repo, 'one', { 'x/1.txt': '1\n', 'a.txt': 'changed\n' });
    featureBranch(repo, 'back', { 'a.txt': 'changed\n' });
    repo.git('checkout', '-q', 'baton/back');
    repo.commit('revert', { 'a.txt': 'a\n' });
    repo.git('checkout', '-q', 'main');
    repo.git('branch', 'baton/same', 'baton/one');
    repo.git('branch', 'baton/none', 'main');
    const got = await collectBranchChanges(
      repo.root,
      repo.git('rev-parse', 'main'),
      ['one', 'back', 'same', 'none'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
    );
    expect(got.map((c) => [c.feature_id, c.files, c.own.length])).toEqual([
      ['one', ['a.txt', 'x/1.txt'], 1],
      ['back', [], 2],
      ['same', ['a.txt', 'x/1.txt'], 1],
      ['none', [], 0],
    ]);
    expect(got[0]!.fork).toBe(repo.git('rev-parse', 'main'));
  });
});

describe('collectBranchChanges and folders', () => {
  let repo: TempRepo | undefined;
  afterEach(() => repo?.cleanup());

  it('names the folders a branch removed, and not those it emptied only in part or added', async () => {
    repo = makeRepo({ 'd/x.txt': 'x\n', 'd/sub/y.txt': 'y\n', 'keep/a.txt': 'a\n', 'keep/b.txt': 'b\n' });
    repo.git('checkout', '-q', '-b', 'baton/mv', 'main');
    repo.git('mv', 'd', 'e');
    repo.git('rm', '-q', 'keep/a.txt');
    repo.commit('mv: work');
    repo.git('checkout', '-q', 'main');
    const [got] = await collectBranchChanges(repo.root, repo.git('rev-parse', 'main'), [
      { feature_id: 'mv', branch: 'baton/mv' },
    ]);
    expect(got!.folders_removed).toEqual(['d', 'd/sub']);
    expect(got!.files).toEqual(['d/sub/y.txt', 'd/x.txt', 'e/sub/y.txt', 'e/x.txt', 'keep/a.txt']);
  });
});

describe('predictConflicts', () => {
  let repo: TempRepo | undefined;
  afterEach(() => repo?.cleanup());

  it('names exactly the conflicting pair and file and the ownership violation on the four-feature fixture', async () => {
    const f = makeFourFeatures();
    repo = f.repo;
    const before = repo.git('status', '--porcelain');
    const p = await predictConflicts({
      cwd: repo.root,
      base: 'main',
      branches: ['a', 'b', 'c', 'd'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: f.contracts,
    });
    expect(p.pairs).toBe(6);
    expect(p.conflicts).toEqual([{ a: 'a', b: 'b', files: ['src/routes.ts'] }]);
    expect(p.clean_overlaps).toEqual([]);
    expect(p.violations).toEqual([
      { feature_id: 'c', file: 'src/a/config.ts', kind: 'owned-by-other', owners: ['a'] },
    ]);
    // Only the one overlapping pair needed a real merge test.
    expect(p.merge_tested).toBe(1);
    expect(repo.git('status', '--porcelain')).toBe(before);
  });

  it('tells a harmless overlap (same file, different regions) from a conflict', async () => {
    repo = makeRepo({ 'shared.txt': lines(40) });
    featureBranch(repo, 'top', { 'shared.txt': lines(40, { 2: 'top' }) });
    featureBranch(repo, 'bottom', { 'shared.txt': lines(40, { 38: 'bottom' }) });
    featureBranch(repo, 'also-top', { 'shared.txt': lines(40, { 2: 'other top' }) });
    const p = await predictConflicts({
      cwd: repo.root,
      base: 'main',
      branches: ['top', 'bottom', 'also-top'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: [contract('top'), contract('bottom'), contract('also-top')],
    });
    expect(p.conflicts).toEqual([{ a: 'top', b: 'also-top', files: ['shared.txt'] }]);
    expect(p.clean_overlaps).toEqual([
      { a: 'top', b: 'bottom', files: ['shared.txt'] },
      { a: 'bottom', b: 'also-top', files: ['shared.txt'] },
    ]);
  });

  it('tests pairs whose branches left the base at different commits, agrees with merge-tree on every pair, and leaves the base’s work to the base', async () => {
    repo = makeRepo({ 'f.txt': lines(10), 'g.txt': lines(10) });
    featureBranch(repo, 'early', { 'f.txt': lines(10, { 5: 'early' }) });
    // The base moves on (editing f.txt), then a later branch is cut and edits g.txt only.
    repo.commit('base moves', { 'f.txt': lines(10, { 5: 'base' }) });
    featureBranch(repo, 'late', { 'g.txt': lines(10, { 1: 'late' }) });
    const args = {
      cwd: repo.root,
      base: 'main',
      branches: ['early', 'late'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: [contract('early'), contract('late')],
    };
    const fast = await predictConflicts(args);
    const full = await predictConflicts({ ...args, exhaustive: true });
    // Their changed files do not overlap, yet their merge conflicts: late carries the base's edit of
    // f.txt. That conflict is early's with the base, reported so, not one between the two features.
    expect(fast.merge_tested).toBe(1);
    expect(fast.conflicts).toEqual([]);
    expect(fast.base_conflicts).toEqual([{ feature_id: 'early', files: ['f.txt'] }]);
    expect(full.conflicts).toEqual(fast.conflicts);
  });

  it('predicts the conflict git finds at a file added in a folder the other renamed, in git’s words', async () => {
    repo = makeRepo({ 'd/x.txt': 'x\n', 'd/y.txt': 'y\n', 'other.txt': 'o\n' });
    repo.git('checkout', '-q', '-b', 'baton/p', 'main');
    repo.git('mv', 'd', 'e');
    repo.commit('p: work');
    repo.git('checkout', '-q', 'main');
    featureBranch(repo, 'q', { 'd/new.txt': 'new\n' });
    featureBranch(repo, 'r', { 'other.txt': 'r\n' });
    const args = {
      cwd: repo.root,
      base: 'main',
      branches: ['p', 'q', 'r'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: [contract('p'), contract('q'), contract('r')],
    };
    const fast = await predictConflicts(args);
    // merge.directoryRenames=conflict, git's default: the file is stopped at where the folder went.
    expect(fast.conflicts).toEqual([
      {
        a: 'p',
        b: 'q',
        files: ['e/new.txt'],
        ties: {
          'e/new.txt':
            'CONFLICT (file location): d/new.txt added in q inside a directory that was renamed in p, suggesting it should perhaps be moved to e/new.txt.',
        },
      },
    ]);
    // Only that pair needed a real test; r shares nothing with either.
    expect(fast.merge_tested).toBe(1);
    const full = await predictConflicts({ ...args, exhaustive: true });
    expect(full.conflicts).toEqual(fast.conflicts);
  });

  it('gives the same conflicts as exhaustive merge-tree over a tangle of branches', async () => {
    repo = makeRepo({ 'one.txt': lines(30), 'two.txt': lines(30), 'dir/three.txt': lines(30) });
    featureBranch(repo, 'p1', { 'one.txt': lines(30, { 3: 'p1' }), 'new-p1.txt': 'x\n' });
    featureBranch(repo, 'p2', { 'one.txt': lines(30, { 3: 'p2' }) });
    featureBranch(repo, 'p3', { 'one.txt': lines(30, { 25: 'p3' }), 'two.txt': lines(30, { 1: 'p3' }) });
    featureBranch(repo, 'p4', { 'two.txt': lines(30, { 1: 'p4' }) });
    featureBranch(repo, 'p5', { lib: 'a file named lib\n' });
    featureBranch(repo, 'p6', { 'lib/four.txt': 'a folder named lib\n' });
    featureBranch(repo, 'p7', { 'new-p1.txt': 'y\n' });
    // p8 builds on p4 (shared history).
    featureBranch(repo, 'p8', { 'two.txt': lines(30, { 1: 'p4', 2: 'p8' }) }, 'baton/p4');
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
    const args = {
      cwd: repo.root,
      base: 'main',
      branches: ids.map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: ids.map((id) => contract(id)),
    };
    const fast = await predictConflicts(args);
    const full = await predictConflicts({ ...args, exhaustive: true });
    expect(full.merge_tested).toBe(28);
    expect(fast.merge_tested).toBeLessThan(28);
    expect(fast.conflicts).toEqual(full.conflicts);
    expect(fast.conflicts.map((c) => `${c.a}-${c.b}`).sort()).toEqual(
      ['p1-p2', 'p1-p7', 'p3-p4', 'p3-p8', 'p5-p6'].sort(),
    );
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  conflictsOwnChangesTouch,
  dependenciesAmong,
  walkStackedWork,
} from '../../src/integrate/own-work.js';
import { predictConflicts } from '../../src/integrate/predict.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { contract, featureBranch, lines } from './fixture.js';

describe('walkStackedWork', () => {
  // a1 ← (base X). b's branch: m merges a1 onto X (the stacking merge), then b1; c's: m2 merges a1
  // and d1 (d1 ← X) in turn, then c1. n merges a1 into b's own b1: work, not stacking.
  const graph = new Map([
    ['a1', ['X']],
    ['d1', ['X']],
    ['m', ['X', 'a1']],
    ['b1', ['m']],
    ['m1', ['X', 'a1']],
    ['m2', ['m1', 'd1']],
    ['c1', ['m2']],
    ['n', ['b1', 'a1']],
  ]);
  it.each([
    { name: 'cut from a dependency', tip: 'b1', carried: ['a1'], own: ['b1'], boundary: ['m'] },
    { name: 'cut from two', tip: 'c1', carried: ['a1', 'd1'], own: ['c1'], boundary: ['m2'] },
    { name: 'nothing of its own', tip: 'm', carried: ['a1'], own: [], boundary: [] },
    { name: 'a later merge is work', tip: 'n', carried: ['a1'], own: ['b1', 'n'], boundary: ['a1', 'm'] },
    { name: 'carrying nothing', tip: 'd1', carried: ['a1'], own: ['d1'], boundary: ['X'] },
  ])('$name', ({ tip, carried, own, boundary }) => {
    const got = walkStackedWork(graph, tip, carried);
    expect(got.own.sort()).toEqual(own);
    expect(got.boundary.sort()).toEqual(boundary);
  });

  it('names the merges it took for stacking merges, and takes one `joins` does not prove for work', () => {
    expect(walkStackedWork(graph, 'c1', ['a1', 'd1']).joins.sort()).toEqual(['m1', 'm2']);
    // A merge that changed something of its own (git cannot prove it clean) is the branch's work.
    const got = walkStackedWork(graph, 'b1', ['a1'], (merge) => merge !== 'm');
    expect(got.own.sort()).toEqual(['b1', 'm']);
    expect(got.boundary.sort()).toEqual(['X', 'a1']);
    expect(got.joins).toEqual([]);
  });
});

describe('dependenciesAmong', () => {
  const deps = new Map([
    ['c', ['b']],
    ['b', ['a']],
    ['a', []],
  ]);
  it('follows dependencies through features that are not present', () => {
    expect(dependenciesAmong('c', deps, new Set(['a', 'c']))).toEqual(['a']);
    expect(dependenciesAmong('c', deps, new Set(['a', 'b', 'c'])).sort()).toEqual(['a', 'b']);
    expect(dependenciesAmong('a', deps, new Set(['a', 'b', 'c']))).toEqual([]);
  });
});

describe('conflictsOwnChangesTouch', () => {
  it.each([
    { conflicts: ['s.txt'], own: ['b.txt'], kept: [] },
    { conflicts: ['s.txt', 'b.txt'], own: ['b.txt'], kept: ['b.txt'] },
    { conflicts: ['lib'], own: ['lib/x.ts'], kept: ['lib'] },
    { conflicts: ['lib/x.ts'], own: ['lib'], kept: ['lib/x.ts'] },
    { conflicts: ['lib~baton/b'], own: ['lib'], kept: ['lib~baton/b'] },
  ])('$conflicts against $own', ({ conflicts, own, kept }) => {
    expect(conflictsOwnChangesTouch(conflicts, own)).toEqual(kept);
  });
});

describe('predictConflicts with a branch cut from its dependency (--wait-for-deps)', () => {
  let repo: TempRepo | undefined;
  afterEach(() => repo?.cleanup());

  it('measures the dependent from its dependency, so it is not blamed for the dependency’s changes', async () => {
    repo = makeRepo({ 'shared.txt': lines(10) });
    featureBranch(repo, 'a', { 'src/a.txt': 'a\n', 'shared.txt': lines(10, { 1: 'a' }) });
    featureBranch(repo, 'c', { 'src/c.txt': 'c\n', 'shared.txt': lines(10, { 1: 'c' }) });
    // As `baton run --wait-for-deps` cuts them: the dependency merged onto the base, then the work.
    for (const [id, files] of [
      ['b', { 'src/b.txt': 'b\n' }],
      ['d', { 'shared.txt': lines(10, { 1: 'd' }) }],
    ] as const) {
      repo.git('checkout', '-q', '-b', `baton/${id}`, 'main');
      repo.git('merge', '-q', '--no-ff', '-m', `Merge baton/a (dependency of ${id})`, 'baton/a');
      repo.commit(`${id}: work`, files);
      repo.git('checkout', '-q', 'main');
    }
    const onA = { depends_on: { features: ['a'], services: [] } };
    const p = await predictConflicts({
      cwd: repo.root,
      base: 'main',
      branches: ['a', 'b', 'c', 'd'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: [
        contract('a', { owns: ['src/a.txt', 'shared.txt'] }),
        contract('b', { owns: ['src/b.txt'], ...onA }),
        contract('c', { owns: ['src/c.txt', 'shared.txt'] }),
        contract('d', { owns: ['shared.txt'], ...onA }),
      ],
    });
    expect(p.changed).toEqual({
      a: ['shared.txt', 'src/a.txt'],
      b: ['src/b.txt'],
      c: ['shared.txt', 'src/c.txt'],
      d: ['shared.txt'],
    });
    // d edits shared.txt itself, on top of a: its conflict with c stays; b's does not.
    expect(p.conflicts).toEqual([
      { a: 'a', b: 'c', files: ['shared.txt'] },
      { a: 'c', b: 'd', files: ['shared.txt'] },
    ]);
    expect(p.clean_overlaps).toEqual([{ a: 'a', b: 'd', files: ['shared.txt'] }]);
    expect(p.violations).toEqual([]);
  });
});

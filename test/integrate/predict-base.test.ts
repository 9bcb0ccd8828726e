import { afterEach, describe, expect, it } from 'vitest';
import { explainConflict } from '../../src/integrate/explain.js';
import { predictConflicts } from '../../src/integrate/predict.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { contract, featureBranch, lines, makeFourFeatures, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('predictConflicts against a base that moved on since the branches were cut', () => {
  it('tests each branch that lacks the base tip against it, once, and names the base', async () => {
    repo = makeRepo({ 'shared.txt': lines(10), 'other.txt': lines(10) });
    featureBranch(repo, 'a', { 'shared.txt': lines(10, { 1: 'a' }) });
    featureBranch(repo, 'far', { 'other.txt': lines(10, { 9: 'far' }) });
    // The user's own commit on main, after the run cut the branches.
    repo.commit('user', { 'shared.txt': lines(10, { 1: 'USER' }) });
    featureBranch(repo, 'fresh', { 'fresh.txt': 'cut from the tip\n' });
    const p = await predictConflicts({
      cwd: repo.root,
      base: repo.git('rev-parse', 'HEAD'),
      baseRef: 'HEAD',
      branches: ['a', 'far', 'fresh'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: [contract('a', { owns: ['shared.txt'] }), contract('far'), contract('fresh')],
    });
    expect(p.base_conflicts).toEqual([{ feature_id: 'a', files: ['shared.txt'] }]);
    // a and far lack the tip; fresh holds it, so merging it onto the base cannot conflict.
    expect(p.base_tested).toBe(2);
    expect(p.base_name).toBe('main');
  });

  it('after a second integration, blames a pair only for what both features changed themselves', async () => {
    repo = makeRepo({ 'shared.txt': lines(10) });
    featureBranch(repo, 'a', { 'src/a/x.txt': 'a\n', 'shared.txt': lines(10, { 1: 'A1' }) });
    featureBranch(repo, 'c', { 'src/c/x.txt': 'c\n', 'shared.txt': lines(10, { 1: 'C1' }) });
    // a is integrated into main; d and e are run from the updated main, c still waits.
    repo.git('merge', '-q', '--no-ff', '-m', 'Merge baton/a', 'baton/a');
    featureBranch(repo, 'd', { 'src/d/x.txt': 'd\n' });
    featureBranch(repo, 'e', { 'shared.txt': lines(10, { 1: 'E1' }) });
    const p = await predictConflicts({
      cwd: repo.root,
      base: 'main',
      branches: ['c', 'd', 'e'].map((id) => ({ feature_id: id, branch: `baton/${id}` })),
      contracts: ['c', 'd', 'e'].map((id) => contract(id, { owns: [`src/${id}/**`, 'shared.txt'] })),
    });
    // d carries a's shared.txt from its base and never touched it: c's conflict there is with main.
    expect(p.changed.d).toEqual(['src/d/x.txt']);
    expect(p.conflicts).toEqual([{ a: 'c', b: 'e', files: ['shared.txt'] }]);
    expect(p.base_conflicts).toEqual([{ feature_id: 'c', files: ['shared.txt'] }]);
  });

  it('tests nothing against the base when every branch holds its tip', async () => {
    repo = makeRepo({ 'shared.txt': lines(10) });
    featureBranch(repo, 'a', { 'shared.txt': lines(10, { 1: 'a' }) });
    const p = await predictConflicts({
      cwd: repo.root,
      base: 'main',
      branches: [{ feature_id: 'a', branch: 'baton/a' }],
      contracts: [contract('a')],
    });
    expect(p.base_tested).toBe(0);
    expect(p.base_conflicts).toEqual([]);
  });
});

describe('baton integrate against a base that moved on', () => {
  it('--predict-only reports the conflict with main and exits 1; the merge explains it as main’s', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    repo.commit('user', { 'src/routes.ts': lines(20, { 10: 'route user' }) });
    const predicted = await runBaton(['integrate', 'a', '--predict-only'], { cwd: repo.root });
    expect(predicted.code, predicted.stdout + predicted.stderr).toBe(1);
    expect(predicted.stdout).toContain('1 against main, which moved on since that branch was cut');
    expect(predicted.stdout).toContain(
      [
        '  conflict   a × main: src/routes.ts',
        '             a and main (the base) both changed src/routes.ts, which both a and b claim to own',
      ].join('\n'),
    );

    const merged = await runBaton(['integrate', 'a'], { cwd: repo.root });
    expect(merged.code).toBe(1);
    expect(merged.stdout).toContain(
      'conflicts in 1 file(s) with main, which changed them since baton/a was cut from it:',
    );
    expect(merged.stdout).toContain(
      '  src/routes.ts: a and main (the base) both changed src/routes.ts, which both a and b claim to own',
    );
  });
});

describe('explainConflict', () => {
  const report = {
    feature_id: 'a',
    files: ['x.ts'],
    owners: { 'x.ts': ['a'] },
    index: 1,
    total: 2,
    worktree: '/w',
    branch: 'baton/integration',
  };
  it('names the base, by name when known, when no merged feature changed the files', () => {
    expect(explainConflict({ ...report, with: [], base: 'main' }).slice(0, 2)).toEqual([
      'Merging baton/a (merge 1 of 2) conflicts in 1 file(s) with main, which changed them since baton/a was cut from it:',
      '  x.ts: a and main (the base) both changed x.ts, which only a owns',
    ]);
  });
  it('names the merged features that changed them otherwise', () => {
    expect(explainConflict({ ...report, with: ['b'] }).slice(0, 2)).toEqual([
      'Merging baton/a (merge 1 of 2) conflicts in 1 file(s) with b, already merged:',
      '  x.ts: a and b both changed x.ts, which only a owns',
    ]);
  });
  it('offers the skip as the start over it is given, with that integration’s --test and --into', () => {
    const skip = 'baton integrate --fresh --test true --into main --on-conflict skip';
    expect(explainConflict({ ...report, with: ['b'] }, 'baton integrate --continue', skip).at(-1)).toBe(
      `Or skip the feature instead: git -C /w merge --abort, then ${skip}`,
    );
  });
  it('tells a file without conflict markers (a binary one) to keep a side, and the others to be edited', () => {
    const lines = explainConflict({
      ...report,
      files: ['x.ts', 'logo.png'],
      unmarked: ['logo.png'],
      with: ['b'],
    });
    expect(lines).toContain("  # edit x.ts, keeping both features' intent, and remove the conflict markers");
    expect(lines).toContain(
      "  # logo.png holds no conflict markers (a binary file): keep one side: git checkout --ours -- <file> (baton/integration's), or --theirs (baton/a's)",
    );
    expect(lines).toContain('  git add -A -- x.ts logo.png');
    const binaryOnly = explainConflict({
      ...report,
      files: ['logo.png'],
      unmarked: ['logo.png'],
      with: ['b'],
    });
    expect(binaryOnly.join('\n')).not.toContain('remove the conflict markers');
  });
  it('tells a file one side deleted to be kept from the side that changed it, or deleted with rm (never a git checkout of the side without it)', () => {
    const lines = explainConflict({
      ...report,
      files: ['gone.ts', 'kept.ts', 'moved.ts'],
      unmarked: ['gone.ts', 'kept.ts', 'moved.ts'],
      deleted: Object.fromEntries([
        ['gone.ts', 'ours'],
        ['kept.ts', 'theirs'],
        ['moved.ts', 'both'],
      ]),
      with: ['b'],
    });
    expect(lines.filter((l) => l.startsWith('  #') || l.startsWith('  git'))).toEqual([
      "  # gone.ts: baton/integration deleted it, baton/a changed it: keep baton/a's (as it is in the worktree, or git checkout --theirs -- gone.ts), or delete it: rm -- gone.ts",
      "  # kept.ts: baton/a deleted it, baton/integration changed it: keep baton/integration's (as it is in the worktree, or git checkout --ours -- kept.ts), or delete it: rm -- kept.ts",
      '  # moved.ts: neither side has it at this path: keep it as it is in the worktree, or delete it: rm -- moved.ts',
      '  git add -A -- gone.ts kept.ts moved.ts',
    ]);
  });
});

// A real merge's conflict names the features that changed the file the way the prediction measures
// them: a feature stacked on its dependency (--wait-for-deps) is not blamed for the dependency's
// files, and a conflict with the base names the base as the user does (`main`). A `merge=union`
// attribute (committed by a feature, or uncommitted in the main checkout) neither hides nor merges a conflict.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { contract, contractFile, featureBranch, lines, logEvents, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A repo whose contracts load through `baton`, with `shared.txt` of ten lines. */
function repoWith(contracts: ReturnType<typeof contract>[]): TempRepo {
  return makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': '{}\n',
    'shared.txt': lines(10),
    ...Object.fromEntries(contracts.map((c) => [`specs/${c.feature_id}/contract.md`, contractFile(c)])),
  });
}

describe('the features a merge conflict is with', () => {
  it('does not name a feature stacked on the one that changed the file', async () => {
    repo = repoWith([
      contract('a', { owns: ['src/a.txt', 'shared.txt'] }),
      contract('b', { owns: ['src/b.txt'], depends_on: { features: ['a'], services: [] } }),
      // Merged after b (it depends on it), from a branch of its own cut from the base.
      contract('c', { owns: ['src/c.txt', 'shared.txt'], depends_on: { features: ['b'], services: [] } }),
    ]);
    featureBranch(repo, 'a', { 'src/a.txt': 'a\n', 'shared.txt': lines(10, { 1: 'a' }) });
    // As `baton run --wait-for-deps` cuts b: a merged onto the base, then b's own work.
    repo.git('checkout', '-q', '-b', 'baton/b', 'main');
    repo.git('merge', '-q', '--no-ff', '-m', 'Merge baton/a (dependency of b)', 'baton/a');
    repo.commit('b: work', { 'src/b.txt': 'b\n' });
    repo.git('checkout', '-q', 'main');
    featureBranch(repo, 'c', { 'src/c.txt': 'c\n', 'shared.txt': lines(10, { 1: 'c' }) });
    recordStatus(repo, ['a', 'b', 'c']);

    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'Merging baton/c (merge 3 of 3) conflicts in 1 file(s) with a, already merged:',
    );
    expect(r.stdout).toContain('shared.txt: c and a both changed shared.txt');
    expect(logEvents(repo).find((e) => e.type === 'merge.conflict')).toMatchObject({
      feature_id: 'c',
      with: ['a'],
    });
  });

  it('names the feature that renamed the folder git stopped a file added in it at, not the base', async () => {
    repo = repoWith([contract('p', { owns: ['d/**', 'e/**'] }), contract('q', { owns: ['d/**'] })]);
    repo.commit('a folder', { 'd/x.txt': 'x\n', 'd/y.txt': 'y\n' });
    repo.git('checkout', '-q', '-b', 'baton/p', 'main');
    repo.git('mv', 'd', 'e');
    repo.commit('p: work');
    repo.git('checkout', '-q', 'main');
    featureBranch(repo, 'q', { 'd/new.txt': 'new\n' });
    recordStatus(repo, ['p', 'q']);

    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('conflict   p × q: e/new.txt');
    expect(r.stdout).toContain(
      'Merging baton/q (merge 2 of 2) conflicts in 1 file(s) with p, already merged:',
    );
    expect(r.stdout).toContain(
      'e/new.txt: q and p changed what git brings together at e/new.txt (CONFLICT (file location): d/new.txt added in baton/q inside a directory that was renamed in baton/integration, suggesting it should perhaps be moved to e/new.txt), which only p owns',
    );
    expect(logEvents(repo).find((e) => e.type === 'merge.conflict')).toMatchObject({
      feature_id: 'q',
      files: ['e/new.txt'],
      with: ['p'],
    });
  });

  it('names the base as the user does when the conflict is with it', async () => {
    repo = repoWith([
      contract('a', { owns: ['shared.txt'] }),
      contract('b', { owns: ['src/b.txt', 'shared.txt'] }),
    ]);
    featureBranch(repo, 'a', { 'src/a.txt': 'a\n' });
    featureBranch(repo, 'b', { 'shared.txt': lines(10, { 5: 'b' }) });
    recordStatus(repo, ['a', 'b']);
    repo.commit('main moves on', { 'shared.txt': lines(10, { 5: 'main' }) });

    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'conflicts in 1 file(s) with main, which changed them since baton/b was cut from it:',
    );
    expect(r.stdout).toContain('shared.txt: b and main (the base) both changed shared.txt');
    expect(logEvents(repo).find((e) => e.type === 'integration.started')).toMatchObject({
      base_name: 'main',
    });
  });

  it("stops at the conflict a feature's committed merge=union attribute would have merged into both sides' lines", async () => {
    repo = repoWith([
      contract('a', { owns: ['shared.txt', '.gitattributes'] }),
      contract('b', { owns: ['shared.txt'] }),
    ]);
    featureBranch(repo, 'a', {
      '.gitattributes': 'shared.txt merge=union\n',
      'shared.txt': lines(10, { 1: 'a' }),
    });
    featureBranch(repo, 'b', { 'shared.txt': lines(10, { 1: 'b' }) });
    recordStatus(repo, ['a', 'b']);
    const main = repo.git('rev-parse', 'main');

    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('conflict   a × b: shared.txt');
    expect(logEvents(repo).find((e) => e.type === 'merge.conflict')).toMatchObject({
      feature_id: 'b',
      files: ['shared.txt'],
    });
    expect(repo.git('rev-parse', 'main')).toBe(main);
    const merged = readFileSync(
      join(repo.root, '..', 'repo.baton-worktrees', 'integration', 'shared.txt'),
      'utf8',
    );
    expect(merged).toMatch(/^<<<<<<< /m);
  });

  it("predicts the conflict an uncommitted merge=union in the main checkout's .gitattributes hid from merge-tree", async () => {
    repo = repoWith([contract('a', { owns: ['shared.txt'] }), contract('b', { owns: ['shared.txt'] })]);
    featureBranch(repo, 'a', { 'shared.txt': lines(10, { 1: 'a' }) });
    featureBranch(repo, 'b', { 'shared.txt': lines(10, { 1: 'b' }) });
    recordStatus(repo, ['a', 'b']);
    writeFileSync(join(repo.root, '.gitattributes'), 'shared.txt merge=union\n');

    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('conflict   a × b: shared.txt');
    expect(r.stdout).toContain('b: conflict in shared.txt (with a)');
  });
});

/**
 * Co-change means two features changing together: a commit counts for a pair only when it changes a file
 * of each that the other does not own. A file both own is an ownership overlap (lint/owns-overlap says
 * so): one feature's own commit touching it is not the two changing together. Read from a real history.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readCoChange } from '../../src/coupling/analyze.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const SETTINGS = { window: 1000, max_commit_files: 50 };
const API = { id: 'feature-003-api', owns: ['src/api/**', 'src/index.js'] };
const CLI = { id: 'feature-004-cli', owns: ['src/cli/**', 'src/index.js'] };

describe('co-change of two features that both own a file', () => {
  it('does not count each feature’s own commits touching the shared file, nor a commit touching it alone', async () => {
    const r = makeRepo({ 'src/index.js': 'init\n' });
    repos.push(r);
    for (let i = 1; i <= 3; i++) {
      r.commit(`api work ${i}`, { 'src/index.js': `api ${i}\n`, 'src/api/a.js': `${i}\n` });
      r.commit(`CLI ${i}`, { 'src/index.js': `cli ${i}\n`, 'src/cli/c.js': `${i}\n` });
    }
    r.commit('index only', { 'src/index.js': 'both\n' });
    const result = await readCoChange(r.root, [API, CLI], SETTINGS);
    expect(result.pairs).toEqual([]);
    // Each feature's commits are still its own: the shared file is theirs.
    expect(result.feature_commits).toEqual({ 'feature-003-api': 8, 'feature-004-cli': 8 });
  });

  it('counts a commit that changes a file only one owns and a file only the other owns', async () => {
    const r = makeRepo({ 'src/index.js': 'init\n' });
    repos.push(r);
    r.commit('api work', { 'src/index.js': 'api\n', 'src/api/a.js': '1\n' });
    r.commit('both features', { 'src/api/a.js': '2\n', 'src/cli/c.js': '2\n' });
    r.commit('both, through the shared file too', {
      'src/index.js': 'both\n',
      'src/api/a.js': '3\n',
      'src/cli/c.js': '3\n',
    });
    const result = await readCoChange(r.root, [API, CLI], SETTINGS);
    expect(result.pairs.map((p) => [p.a, p.b, p.support, p.examples.map((e) => e.subject)])).toEqual([
      ['feature-003-api', 'feature-004-cli', 2, ['both, through the shared file too', 'both features']],
    ]);
  });

  it('never counts a feature nested in another (every file of one is the other’s too)', async () => {
    const r = makeRepo({ 'README.md': '# app\n' });
    repos.push(r);
    for (let i = 1; i <= 3; i++) r.commit(`work ${i}`, { 'src/a.js': `${i}\n`, 'src/inner/b.js': `${i}\n` });
    const outer = { id: 'outer', owns: ['src/**'] };
    const inner = { id: 'inner', owns: ['src/inner/**'] };
    const result = await readCoChange(r.root, [outer, inner], SETTINGS);
    expect(result.pairs).toEqual([]);
  });
});

/**
 * Worktrees of features starting together are made by one shell under the run's git lock, and each
 * request still gets its own outcome: one failing `worktree add` fails only its own feature.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMutex } from '../../src/lock/mutex.js';
import { addFeatureWorktree } from '../../src/runner/worktree.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('feature worktrees asked for together', () => {
  it('makes the worktrees asked for in one turn, failing only the request git refused', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    repo.git('branch', 'baton/taken');
    const base = repo.git('rev-parse', 'HEAD');
    const lock = createMutex();
    const where = (id: string) => join(repo.root, '..', 'wt', id);
    const results = await Promise.allSettled(
      ['a', 'taken', 'b'].map((id) =>
        addFeatureWorktree(repo.root, { path: where(id), branch: `baton/${id}`, base }, lock),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain('baton/taken');
    expect(repo.git('rev-parse', 'baton/a')).toBe(base);
    expect(repo.git('rev-parse', 'baton/b')).toBe(base);
    expect(existsSync(where('taken'))).toBe(false);
    expect(existsSync(join(where('a'), 'README.md'))).toBe(true);
    const listed = repo.git('worktree', 'list', '--porcelain');
    expect(listed).toContain(where('a'));
    expect(listed).toContain(where('b'));
  });
});

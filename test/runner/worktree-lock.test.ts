import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMutex } from '../../src/lock/mutex.js';
import { addFeatureWorktree } from '../../src/runner/worktree.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a feature worktree under the run git lock', () => {
  it('holds the lock for `git worktree add --no-checkout` only: it is free while the checkout still runs', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`src/f${i}.ts`, `export const x = ${i};\n`]),
    );
    // Checkouts made slow (a smudge filter that sleeps) so "while the checkout runs" is wide.
    const repo = makeRepo({ ...files, '.gitattributes': 'src/f0.ts filter=slow\n' });
    repo.git('config', 'filter.slow.smudge', 'sleep 1; cat');
    repo.git('config', 'filter.slow.clean', 'cat');
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    const path = join(repo.root, '..', 'worktrees', 'feature-a');
    const lock = createMutex();
    const made = addFeatureWorktree(repo.root, { path, branch: 'baton/feature-a', base }, lock);
    // Another user of the run's lock, asking right after: it gets the lock before the checkout ends.
    const seen = await new Promise<{ admin: boolean; last: boolean }>((resolve) => {
      setImmediate(
        () =>
          void lock(async () =>
            resolve({ admin: existsSync(join(path, '.git')), last: existsSync(join(path, 'src', 'f9.ts')) }),
          ),
      );
    });
    expect(seen).toEqual({ admin: true, last: false });
    await made;
    expect(readdirSync(join(path, 'src'))).toHaveLength(20);
    expect(repo.git('-C', path, 'status', '--porcelain')).toBe('');
    expect(repo.git('-C', path, 'rev-parse', 'HEAD')).toBe(base);
    expect(repo.git('-C', path, 'symbolic-ref', '--short', 'HEAD')).toBe('baton/feature-a');
  });

  it('creates eight worktrees through one lock, each checked out in full', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n', 'dir/b.txt': 'b\n' });
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    const lock = createMutex();
    const paths = Array.from({ length: 8 }, (_, i) => join(repo.root, '..', 'worktrees', `f${i}`));
    await Promise.all(
      paths.map((path, i) => addFeatureWorktree(repo.root, { path, branch: `baton/f${i}`, base }, lock)),
    );
    for (const path of paths) expect(repo.git('-C', path, 'status', '--porcelain')).toBe('');
    expect(repo.git('worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(9);
  });
});

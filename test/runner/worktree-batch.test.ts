/**
 * Worktrees of features starting together are made by one shell under the run's git lock, and each
 * request still gets its own outcome: one failing `worktree add` fails only its own feature.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('leaves no branch behind for an add git refused, and never deletes a branch it did not make', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    const lock = createMutex();
    const where = (id: string) => join(repo.root, '..', 'wt', id);
    mkdirSync(where('full'), { recursive: true });
    writeFileSync(join(where('full'), 'important.txt'), 'data\n');
    const ask = (ids: string[]) =>
      Promise.allSettled(
        ids.map((id) =>
          addFeatureWorktree(repo.root, { path: where(id), branch: `baton/${id}`, base }, lock),
        ),
      );
    // The branches made together, in one transaction: the refused add takes its own back.
    expect((await ask(['a', 'full'])).map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(repo.git('branch', '--list', 'baton/full')).toBe('');
    // Each add making its own (a branch existed): the same, and the branch that existed stays.
    repo.git('branch', 'baton/taken');
    const results = await ask(['b', 'full', 'taken']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(repo.git('branch', '--list', 'baton/full')).toBe('');
    expect(repo.git('rev-parse', 'baton/taken')).toBe(base);
    expect(repo.git('rev-parse', 'baton/b')).toBe(base);
    expect(readFileSync(join(where('full'), 'important.txt'), 'utf8')).toBe('data\n');
  });

  it('takes back the worktree and the branch it made when the checkout fails', async () => {
    const repo = makeRepo({ 'README.md': '# app\n' });
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    // A git whose `read-tree` (the checkout) fails; every other command is the real git's.
    const bin = join(repo.root, '..', 'bin');
    mkdirSync(bin);
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = read-tree ] && { echo 'disk full' >&2; exit 1; }; done\nexec '${real}' "$@"\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    const where = join(repo.root, '..', 'wt', 'c');
    try {
      await expect(
        addFeatureWorktree(repo.root, { path: where, branch: 'baton/c', base }, createMutex()),
      ).rejects.toThrow(/disk full/);
    } finally {
      process.env.PATH = path;
    }
    expect(existsSync(where)).toBe(false);
    expect(repo.git('branch', '--list', 'baton/c')).toBe('');
    expect(repo.git('worktree', 'list', '--porcelain')).not.toContain(where);
  });
});

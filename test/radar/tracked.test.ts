/**
 * What a radar scan of one worktree asks of git: nothing while nobody wrote to a freshly checked-out
 * worktree, and for a new folder one ignore check that answers for the folder and its files together.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RefreshPlaces, refreshTracked, type Tracked, trackWorktree } from '../../src/radar/tracked.js';
import { gitShim } from '../rig/git-shim.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/**
 * A repository with a worktree checked out at its first commit, followed by the radar from then on
 * (or, with `earlier` work written first, followed as a reused worktree).
 */
function freshWorktree(earlier?: Record<string, string>): {
  repo: TempRepo;
  t: Tracked;
  places: RefreshPlaces;
} {
  const repo = makeRepo({ 'README.md': '# app\n', '.gitignore': '*.log\n' });
  cleanups.push(() => repo.cleanup());
  const worktree = join(repo.root, '..', 'wt');
  repo.git('worktree', 'add', '-q', '-b', 'f', worktree);
  for (const [path, text] of Object.entries(earlier ?? {})) writeFileSync(join(worktree, path), text);
  const t = trackWorktree(worktree, repo.git('rev-parse', 'HEAD'), !earlier);
  cleanups.push(() => t.watch?.close());
  const places = { root: repo.root, scratchDir: join(repo.root, '..', 'scratch'), forkFiles: new Map() };
  return { repo, t, places };
}

/** Runs `scan` with a logging git first on PATH and returns the git calls it made. */
async function gitCallsOf(dir: string, scan: () => Promise<unknown>): Promise<string[]> {
  const shim = gitShim(dir);
  const saved = process.env.PATH;
  process.env.PATH = shim.path;
  try {
    await scan();
  } finally {
    process.env.PATH = saved;
  }
  return shim.calls();
}

const settle = () => new Promise((r) => setTimeout(r, 200));

describe('a radar scan of a fresh worktree', () => {
  it('costs no git process while nobody wrote to it, and sees nothing touched', async () => {
    const { repo, t, places } = freshWorktree();
    expect(t.watch, 'inotify watch').toBeDefined();
    await settle();
    const calls = await gitCallsOf(join(repo.root, '..'), async () => {
      expect(await refreshTracked('f', t, places)).toBe(false);
      expect(await refreshTracked('f', t, places)).toBe(false);
    });
    expect(calls).toEqual([]);
    expect(t.snapshot?.paths).toEqual([]);
  });

  it('asks one ignore check for a new folder and its files, then hashes them without git', async () => {
    const { repo, t, places } = freshWorktree();
    mkdirSync(join(t.worktree, 'src', 'deep'), { recursive: true });
    writeFileSync(join(t.worktree, 'src', 'deep', 'a.txt'), 'a\n');
    writeFileSync(join(t.worktree, 'src', 'deep', 'b.log'), 'ignored\n');
    writeFileSync(join(t.worktree, 'README.md'), '# changed\n');
    const want = ['README.md', 'src/deep/a.txt'];
    const calls = await gitCallsOf(join(repo.root, '..'), async () => {
      // inotify reports asynchronously (and may split the writes over scans): scan until all are seen.
      for (let i = 0; i < 100 && t.snapshot?.paths.join() !== want.join(); i++) {
        await new Promise((r) => setTimeout(r, 20));
        await refreshTracked('f', t, places);
      }
    });
    expect(t.snapshot?.paths).toEqual(want);
    // The fork point's files (once per fork point) and one check-ignore: no snapshot through an index.
    expect(calls.map((c) => c.replace(/^(-c \S+ )*/, '').split(' ')[0]).sort()).toEqual([
      'check-ignore',
      'ls-tree',
    ]);
  });

  it('takes a full snapshot first of a reused worktree, which may hold work from before', async () => {
    const { t, places } = freshWorktree({ 'README.md': '# earlier work\n', 'notes.txt': 'n\n' });
    expect(t.snapshot).toBeUndefined();
    expect(await refreshTracked('f', t, places)).toBe(true);
    expect(t.snapshot?.paths).toEqual(['README.md', 'notes.txt']);
  });
});

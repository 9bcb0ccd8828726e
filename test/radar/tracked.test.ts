/**
 * What a radar scan of one worktree costs: nothing before the radar first looks (no watch, no git),
 * one full snapshot at that first look, then no git process while nobody writes, and for a new
 * folder one ignore check that answers for the folder and its files together.
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
 * A repository with a worktree checked out at its first commit (with `earlier` work written in it),
 * followed by the radar from then on while its agent runs.
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
  const t = trackWorktree(worktree, repo.git('rev-parse', 'HEAD'));
  t.running = true;
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

/** The git subcommands of `calls`, sorted (the hardening `-c` options dropped). */
const subcommands = (calls: string[]) => calls.map((c) => c.replace(/^(-c \S+ )*/, '').split(' ')[0]).sort();

describe('a radar scan of a fresh worktree', () => {
  it('sets up nothing before the first scan: no watch, no snapshot', () => {
    const { t } = freshWorktree();
    expect(t.watch, 'inotify watch').toBeUndefined();
    expect(t.snapshot).toBeUndefined();
  });

  it('takes a full snapshot at the first scan, which sees what was written before it, and watches from then on', async () => {
    const { repo, t, places } = freshWorktree({ 'README.md': '# earlier work\n', 'notes.txt': 'n\n' });
    const calls = await gitCallsOf(join(repo.root, '..'), async () => {
      expect(await refreshTracked('f', t, places)).toBe(true);
    });
    expect(t.snapshot?.paths).toEqual(['README.md', 'notes.txt']);
    expect(t.watch, 'inotify watch').toBeDefined();
    expect(subcommands(calls)).toEqual(['add', 'diff-index', 'rev-parse']);
  });

  it('costs no git process after the first scan while nobody writes to it', async () => {
    const { repo, t, places } = freshWorktree();
    await refreshTracked('f', t, places);
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
    await refreshTracked('f', t, places);
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
    expect(subcommands(calls)).toEqual(['check-ignore', 'ls-tree']);
  });

  it('takes a last look at an agent that ended before the first scan without starting a watch', async () => {
    const { t, places } = freshWorktree({ 'notes.txt': 'n\n' });
    t.running = false;
    expect(await refreshTracked('f', t, places)).toBe(true);
    expect(t.snapshot?.paths).toEqual(['notes.txt']);
    expect(t.watch, 'inotify watch').toBeUndefined();
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCoChange } from '../../src/coupling/analyze.js';
import { readHistory, splitRanges, splitWindow, streamCount } from '../../src/coupling/history.js';
import { HISTORY_CACHE_FORMAT } from '../../src/coupling/history-cache.js';
import { createLogParser, type LoggedCommit } from '../../src/coupling/log-stream.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const FEATURES = ['cart', 'stock', 'auth', 'billing'].map((f) => ({ id: f, owns: [`src/${f}/**`] }));
const SETTINGS = { window: 1000, max_commit_files: 50 };

/**
 * Adds `count` commits on main with git fast-import (one process): each edits one or two features'
 * files, often the shared route table, sometimes a path with spaces and non-ASCII letters, a rename, an
 * empty commit; a side branch merged every 40 commits (merges are left out of the window).
 */
function addHistory(r: TempRepo, count: number, seed: number, tag: string): void {
  let s = seed;
  const random = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const head = r.git('rev-parse', 'HEAD');
  const out: string[] = [];
  let mark = 0;
  let time = 1_700_000_000 + seed * 100_000;
  let last = head;
  const commit = (branch: string, message: string, from: string, files: string[], merge?: string) => {
    mark++;
    time += 60;
    out.push(
      `commit refs/heads/${branch}\nmark :${mark}\ncommitter T <t@example.com> ${time} +0000\n` +
        `data ${Buffer.byteLength(message)}\n${message}\nfrom ${from}\n${merge ? `merge ${merge}\n` : ''}`,
    );
    for (const f of files) {
      const body = `export const v = ${mark};\n`;
      out.push(`M 100644 inline "${f}"\ndata ${Buffer.byteLength(body)}\n${body}`);
    }
    out.push('\n');
    return `:${mark}`;
  };
  for (let i = 0; i < count; i++) {
    const f = FEATURES[Math.floor(random() * FEATURES.length)]?.id as string;
    const files = [`src/${f}/file${Math.floor(random() * 5)}.ts`];
    if (f === 'cart' && random() < 0.7) files.push(`src/stock/file${Math.floor(random() * 5)}.ts`);
    if (random() < 0.3) files.push('src/routes.ts');
    if (random() < 0.05) files.push(`docs/notes ${f} é.md`);
    if (i % 25 === 24) files.length = 0;
    last = commit('main', `${tag} ${i} in ${f}`, last, files);
    if (i % 40 === 39) {
      const side = commit('side', `${tag} side ${i}`, last, [`src/auth/side${i}.ts`]);
      last = commit('main', `${tag} merge ${i}`, last, [], side);
    }
  }
  const res = spawnSync('git', ['fast-import', '--quiet', '--force'], { cwd: r.root, input: out.join('') });
  if (res.status !== 0) throw new Error(`fast-import: ${res.stderr}`);
  r.git('reset', '-q', '--hard', 'main');
}

/** The reference: one plain `git log -z --no-merges --name-only` stream, as the pass read it before the split. */
function oneStream(root: string, window: number): LoggedCommit[] {
  const text = execFileSync(
    'git',
    ['log', '-z', '--no-merges', '--no-renames', '--name-only', '-n', String(window), '--format=/%H%x1f%s'],
    { cwd: root, encoding: 'utf8', maxBuffer: 2 ** 28 },
  );
  const commits: LoggedCommit[] = [];
  const parser = createLogParser((c) => commits.push(c));
  parser.push(text);
  parser.end();
  return commits;
}

/** The commits of a pass put back in window order by the positions it gave (each position once). */
async function history(root: string, options: Parameters<typeof readHistory>[1]) {
  const placed: LoggedCommit[] = [];
  let calls = 0;
  const read = await readHistory(root, options, (c, position) => {
    expect(placed[position]).toBeUndefined();
    placed[position] = c;
    calls++;
  });
  const commits = [...placed];
  expect(commits.length).toBe(calls);
  return { commits, read };
}

function shop(seed: number): TempRepo {
  const r = makeRepo({ 'README.md': '# shop\n', 'src/routes.ts': 'export const routes = [];\n' });
  repos.push(r);
  addHistory(r, 300, seed, `s${seed}`);
  return r;
}

describe('the history pass split over several git log streams', () => {
  const r = shop(1);

  it.each([1, 2, 3, 7])(
    'lists exactly the commits of one stream, at their positions, with %i stream(s)',
    async (n) => {
      for (const window of [1000, 120, 1]) {
        const { commits, read } = await history(r.root, { window, streams: n });
        expect(commits).toEqual(oneStream(r.root, window));
        expect(read.streams).toBe(Math.min(n, window));
      }
    },
  );

  it.each([2 ** 32, 2 ** 33, 1e10])(
    'reads the whole history once for a window of %i, more than git counts to',
    async (window) => {
      for (const streams of [1, 3]) {
        const { commits } = await history(r.root, { window, streams });
        expect(commits).toEqual(oneStream(r.root, 1000));
      }
    },
  );

  it.each([1, 3])('reads the commits the cache lacks in %i stream(s), at their positions', async (n) => {
    const cacheFile = join(r.root, '.baton', 'cache', `split-${n}.txt`);
    await history(r.root, { window: 200, cacheFile });
    const { commits, read } = await history(r.root, { window: 1000, cacheFile, streams: n });
    expect(read).toMatchObject({ commits: 308, read: 108, streams: n });
    expect(commits).toEqual(oneStream(r.root, 1000));
  });

  it('counts the same co-changes, examples included, as one stream', async () => {
    const one = await readCoChange(r.root, FEATURES, SETTINGS, { streams: 1 });
    const three = await readCoChange(r.root, FEATURES, SETTINGS, { streams: 3 });
    expect(one.commits).toBe(300 + 8); // the initial commit and the side commits; not the merges
    expect(one.pairs[0]).toMatchObject({ a: 'cart', b: 'stock' });
    expect(one.unowned.map((u) => u.file)).toContain('docs/notes cart é.md');
    expect(three.read.streams).toBe(3);
    const { read: _r1, ...a } = one;
    const { read: _r3, ...b } = three;
    expect(b).toEqual(a);
    // Example shas are git's own abbreviations.
    const ex = one.pairs[0]?.examples[0];
    expect(ex?.sha).toBe(r.git('log', '-n', '1', '--format=%h', ex?.sha ?? ''));
  });
});

describe('the per-commit history cache', () => {
  it('makes a second pass read only the new commits, with the counts of one stream', async () => {
    const r = shop(2);
    const cacheFile = join(r.root, '.baton', 'cache', 'history.txt');
    const first = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(first.read).toMatchObject({ commits: 308, read: 308 });
    expect(existsSync(cacheFile)).toBe(true);
    const written = statSync(cacheFile);
    const again = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(again.read.read).toBe(1); // only the root commit, which is never cached
    // Nothing new: the file is not rewritten.
    expect(statSync(cacheFile)).toMatchObject({ ino: written.ino, mtimeMs: written.mtimeMs });
    addHistory(r, 30, 3, 'later');
    const later = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(later.read.read).toBe(30 + 1);
    const fresh = await readCoChange(r.root, FEATURES, SETTINGS);
    expect(strip(later)).toEqual(strip(fresh));
    expect((await history(r.root, { window: 1000, cacheFile })).commits).toEqual(oneStream(r.root, 1000));
  });

  it('is not used wrongly after HEAD moves to another history, nor from another repository', async () => {
    const a = shop(4);
    const b = shop(5);
    const cacheA = join(a.root, '.baton', 'cache', 'history.txt');
    await readCoChange(a.root, FEATURES, SETTINGS, { cacheFile: cacheA });
    // Another repository with the same file names but other commits: nothing matches, nothing is wrong.
    const cacheB = join(b.root, '.baton', 'cache', 'history.txt');
    mkdirSync(join(b.root, '.baton', 'cache'), { recursive: true });
    copyFileSync(cacheA, cacheB);
    const inB = await readCoChange(b.root, FEATURES, SETTINGS, { cacheFile: cacheB });
    expect(inB.read.read).toBe(inB.read.commits);
    expect(strip(inB)).toEqual(strip(await readCoChange(b.root, FEATURES, SETTINGS)));
    // HEAD rewound and rewritten: the kept commits come from the cache, the new ones from git.
    a.git('reset', '-q', '--hard', 'HEAD~100');
    addHistory(a, 20, 6, 'rewritten');
    const moved = await readCoChange(a.root, FEATURES, SETTINGS, { cacheFile: cacheA });
    expect(moved.read.read).toBe(20 + 1);
    expect(strip(moved)).toEqual(strip(await readCoChange(a.root, FEATURES, SETTINGS)));
  });

  it('reads again a shallow clone’s boundary commit, whose paths differ from the full history’s', async () => {
    const a = shop(7);
    const cacheA = join(a.root, '.baton', 'cache', 'history.txt');
    await readCoChange(a.root, FEATURES, SETTINGS, { cacheFile: cacheA });
    const clone = join(a.root, '..', 'shallow');
    execFileSync('git', ['clone', '-q', '--depth', '40', `file://${a.root}`, clone]);
    const cache = join(clone, 'history.txt');
    copyFileSync(cacheA, cache);
    const shallow = await history(clone, { window: 1000, cacheFile: cache });
    expect(shallow.commits).toEqual(oneStream(clone, 1000));
    expect(shallow.read.read).toBe(1);
    // The boundary lists every file of its tree, unlike the same commit in the full history.
    const boundary = shallow.commits.at(-1);
    const full = oneStream(a.root, 1000).find((c) => c.sha === boundary?.sha);
    expect(boundary?.files.length).toBeGreaterThan(full?.files.length ?? 0);
  });

  it('ignores a corrupt cache or one written by another format, and rewrites it', async () => {
    const r = shop(8);
    const cacheFile = join(r.root, 'history.txt');
    await history(r.root, { window: 1000, cacheFile });
    const text = readFileSync(cacheFile, 'utf8');
    const header = `baton history cache ${HISTORY_CACHE_FORMAT} `;
    expect(text.startsWith(header)).toBe(true);
    // Another version's file whose records would give other counts if they were believed.
    const stale = text.replace(header, 'baton history cache 1 ').replaceAll('src/stock/', 'src/auth/');
    writeFileSync(cacheFile, stale);
    const older = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(older.read.read).toBe(older.read.commits);
    expect(strip(older)).toEqual(strip(await readCoChange(r.root, FEATURES, SETTINGS)));
    expect(older.pairs[0]).toMatchObject({ a: 'cart', b: 'stock' });
    // Rewritten in the current format, and used by the next pass.
    expect(readFileSync(cacheFile, 'utf8')).toBe(text);
    expect((await history(r.root, { window: 1000, cacheFile })).read.read).toBe(1);
    writeFileSync(cacheFile, '\x00garbage');
    const corrupt = await history(r.root, { window: 1000, cacheFile });
    expect(corrupt.read.read).toBe(corrupt.read.commits);
    expect(corrupt.commits).toEqual(oneStream(r.root, 1000));
    expect(readFileSync(cacheFile, 'utf8')).toBe(text);
  });

  it('keeps the old file when the pass fails', async () => {
    const r = shop(9);
    const cacheFile = join(r.root, 'history.txt');
    await history(r.root, { window: 1000, cacheFile });
    const text = readFileSync(cacheFile, 'utf8');
    writeFileSync(join(r.root, '.git', 'HEAD'), 'ref: refs/heads/unborn\n');
    const broken = await readHistory(r.root, { window: 1000, cacheFile }, () => {});
    expect(broken.exitCode).not.toBe(0);
    expect(readFileSync(cacheFile, 'utf8')).toBe(text);
  });
});

describe('subjects and paths with any character', () => {
  /** Three commits that each change cart and stock through paths git would quote, under subjects holding separators. */
  function oddNames(): TempRepo {
    const r = makeRepo();
    repos.push(r);
    for (let i = 1; i <= 3; i++) {
      r.write({
        'src/cart/t\tab.ts': `${i}\n`,
        'src/stock/q"uote\\back.ts': `${i}\n`,
        'src/stock/new\nline\x01.ts': `${i}\n`,
        '\x1etop\x1f.md': `${i}\n`,
      });
      r.git('add', '-A');
      r.git('commit', '-q', '-m', `fix\x1epart\x1f${i}\x00`.slice(0, -1));
    }
    return r;
  }

  it('keeps a subject holding record and unit separators whole in the cache, and the counts with it', async () => {
    const r = oddNames();
    const cacheFile = join(r.root, '.baton', 'cache', 'history.txt');
    const cold = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    const warm = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(warm.read.read).toBe(1); // only the root commit
    expect(strip(warm)).toEqual(strip(cold));
    expect(warm.pairs[0]?.examples[0]?.subject).toBe('fix\x1epart\x1f3');
  });

  it('reads paths git would quote as they are, so they match owns, from git and from the cache', async () => {
    const r = oddNames();
    const cacheFile = join(r.root, '.baton', 'cache', 'history.txt');
    const cold = await readCoChange(r.root, FEATURES, SETTINGS, { cacheFile });
    expect(cold.pairs).toMatchObject([{ a: 'cart', b: 'stock', support: 3 }]);
    expect(cold.unowned.map((u) => u.file)).toEqual(['\x1etop\x1f.md']);
    const { commits } = await history(r.root, { window: 10, cacheFile: join(r.root, 'other.txt') });
    expect([...(commits[0]?.files ?? [])].sort()).toEqual([
      '\x1etop\x1f.md',
      'src/cart/t\tab.ts',
      'src/stock/new\nline\x01.ts',
      'src/stock/q"uote\\back.ts',
    ]);
    expect((await history(r.root, { window: 10, cacheFile })).commits).toEqual(commits);
    expect((await history(r.root, { window: 10, cacheFile })).commits).toEqual(commits);
  });
});

describe('splitRanges, splitWindow and streamCount', () => {
  it('cuts a window into --skip/-n slices that cover it exactly', () => {
    expect(splitWindow(10, 3)).toEqual([
      { skip: 0, count: 3 },
      { skip: 3, count: 3 },
      { skip: 6, count: 4 },
    ]);
    expect(splitWindow(2, 4)).toEqual([
      { skip: 0, count: 1 },
      { skip: 1, count: 1 },
    ]);
    expect(splitWindow(0, 2)).toEqual([]);
  });
  it('cuts a list into contiguous ranges of nearly equal length, none empty', () => {
    expect(splitRanges([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(splitRanges([1, 2], 4)).toEqual([[1], [2]]);
    expect(splitRanges([], 3)).toEqual([]);
    expect(splitRanges([1, 2, 3], 1)).toEqual([[1, 2, 3]]);
  });
  it('uses one stream for a short history, and no more than four', () => {
    expect(streamCount(100)).toBe(1);
    expect(streamCount(100_000)).toBeLessThanOrEqual(4);
    expect(streamCount(100, 3)).toBe(3);
  });

  it('are what `baton couple --help` describes: parallel streams and the cache, not "one git log stream"', async () => {
    const help = (await runBaton(['couple', '--help'], { cwd: tmpdir() })).stdout.replace(/\s+/g, ' ');
    expect(help).not.toMatch(/one git log stream/);
    expect(help).toContain('a git log stream per 2,000 commits, in parallel, up to the cores and at most 4');
    expect(help).toContain('.baton/cache/history.txt');
    expect(streamCount(1_999)).toBe(1);
    expect(streamCount(4_000)).toBe(Math.min(2, availableParallelism()));
    expect(streamCount(1_000_000)).toBe(Math.min(4, availableParallelism()));
  });
});

function strip<T extends { read: unknown }>(x: T): Omit<T, 'read'> {
  const { read: _read, ...rest } = x;
  return rest;
}

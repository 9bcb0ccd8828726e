/** `git status --porcelain` read once (git/git.ts), checked against a real repository's output. */
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { headAndUncommitted, parsePorcelainStatus, statusEntries } from '../../src/git/status.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

describe('parsePorcelainStatus', () => {
  it.each([
    ['nothing', '', []],
    [
      'a modified and an untracked file',
      ' M a.ts\0?? new file.ts\0',
      [
        { code: ' M', path: 'a.ts' },
        { code: '??', path: 'new file.ts' },
      ],
    ],
    [
      'a rename, its source skipped',
      'R  b.ts\0a.ts\0 M c.ts\0',
      [
        { code: 'R ', path: 'b.ts' },
        { code: ' M', path: 'c.ts' },
      ],
    ],
    ['a copy, its source skipped', 'C  d.ts\0a.ts\0', [{ code: 'C ', path: 'd.ts' }]],
  ])('%s', (_name, out, expected) => {
    expect(parsePorcelainStatus(out)).toEqual(expected);
  });

  it('reads what git prints for a staged rename, an edit and a new file', async () => {
    repo = makeRepo({ 'a.txt': 'a\n'.repeat(20), 'c.txt': 'c\n' });
    renameSync(join(repo.root, 'a.txt'), join(repo.root, 'b.txt'));
    repo.git('add', '-A');
    repo.write({ 'c.txt': 'C\n', 'new.txt': 'n\n' });
    expect(await statusEntries(repo.root)).toEqual([
      { code: 'R ', path: 'b.txt' },
      { code: ' M', path: 'c.txt' },
      { code: '??', path: 'new.txt' },
    ]);
  });
});

describe('headAndUncommitted', () => {
  it('calls a worktree dirty for tracked changes and untracked files, not for ignored ones', async () => {
    repo = makeRepo({ '.gitignore': 'dist/\n', 'a.txt': 'a\n' });
    const head = repo.git('rev-parse', 'HEAD');
    expect(await headAndUncommitted(repo.root)).toEqual({ commit: head, dirty: false });
    repo.write({ 'dist/out.js': 'built\n' });
    expect(await headAndUncommitted(repo.root)).toEqual({ commit: head, dirty: false });
    repo.write({ 'src/new file.txt': 'new\n' });
    expect(await headAndUncommitted(repo.root)).toEqual({ commit: head, dirty: true });
    repo.git('add', 'src/new file.txt');
    expect((await headAndUncommitted(repo.root)).dirty).toBe(true);
    repo.git('rm', '-q', '--cached', 'src/new file.txt');
    rmSync(join(repo.root, 'src'), { recursive: true });
    repo.write({ 'a.txt': 'changed\n' });
    expect(await headAndUncommitted(repo.root)).toEqual({ commit: head, dirty: true });
    // An unborn branch has no commit to name.
    repo.git('checkout', '-q', '--orphan', 'unborn');
    expect(await headAndUncommitted(repo.root)).toEqual({ dirty: true });
  });
});

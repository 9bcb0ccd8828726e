// The guard reads a ref's last reflog entries with fs alone: the object-id rule is `isObjectId`'s
// (`OBJECT_ID_PATTERN`), for SHA-1 and SHA-256 repositories alike, and the tail is read by the one
// bounded reader (`readRegularTail`): whole lines only, never through a symlink at the log's place.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isObjectId } from '../../src/git/refs.js';
import { reflogTail } from '../../src/guard/reflog.js';
import { GIT_ENV, makeRepo, type TempRepo } from '../rig/repo.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function sha1Repo(): TempRepo {
  const r = makeRepo({ 'a.txt': 'a\n' });
  cleanups.push(() => r.cleanup());
  return r;
}

/** A repository with SHA-256 object ids (64 hex digits) and a commit `initial` on main. */
function sha256Repo(): { root: string; git: (...args: string[]) => string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'baton-sha256-')));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, env: GIT_ENV, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main', '--object-format=sha256');
  git('config', 'gc.auto', '0');
  writeFileSync(join(root, 'a.txt'), 'a\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { root, git };
}

describe('isObjectId: the one rule of a full object id', () => {
  it.each([
    ['a'.repeat(40), true],
    ['0123456789abcdef'.repeat(4), true],
    ['f'.repeat(64), true],
    ['a'.repeat(39), false],
    ['a'.repeat(41), false],
    ['a'.repeat(63), false],
    ['a'.repeat(65), false],
    ['A'.repeat(40), false],
    [`${'a'.repeat(39)}g`, false],
    [`${'a'.repeat(40)}\n`, false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(isObjectId(text)).toBe(expected);
  });
});

describe('reflogTail', () => {
  it('reads the last entries of a SHA-1 repository, each with its message', () => {
    const r = sha1Repo();
    r.commit('my own work', { 'b.txt': 'b\n' });
    const entries = reflogTail(join(r.root, '.git'), 'refs/heads/main');
    expect(entries.at(-1)).toMatchObject({ new: r.git('rev-parse', 'main'), message: 'commit: my own work' });
    expect(entries.at(-1)?.new).toHaveLength(40);
  });

  it('reads the 64-digit ids of a SHA-256 repository', () => {
    const r = sha256Repo();
    writeFileSync(join(r.root, 'b.txt'), 'b\n');
    r.git('commit', '-q', '-am', 'second', '--allow-empty');
    const entries = reflogTail(join(r.root, '.git'), 'HEAD');
    const head = r.git('rev-parse', 'HEAD');
    expect(head).toHaveLength(64);
    expect(entries.map((e) => e.message)).toEqual(['commit (initial): initial', 'commit: second']);
    expect(entries.at(-1)).toMatchObject({ old: r.git('rev-parse', 'HEAD~1'), new: head });
  });

  it('reads only the end of a long log, whole lines only', () => {
    const r = sha1Repo();
    const log = join(r.root, '.git', 'logs', 'refs', 'heads', 'main');
    const id = 'a'.repeat(40);
    const line = (n: number) => `${id} ${id} Test <t@t> ${1_700_000_000 + n} +0000\tentry ${n}\n`;
    // Each line is about 110 bytes: 200 of them are far more than the 4 KiB read.
    appendFileSync(log, Array.from({ length: 200 }, (_, n) => line(n)).join(''));
    const entries = reflogTail(join(r.root, '.git'), 'refs/heads/main');
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.length).toBeLessThan(60);
    expect(entries.at(-1)).toMatchObject({ message: 'entry 199', time: 1_700_000_199 });
    // Consecutive from the first whole line read to the last: no cut line parsed, none skipped.
    const first = Number(entries[0]?.message.slice('entry '.length));
    expect(entries.map((e) => e.message)).toEqual(entries.map((_, i) => `entry ${first + i}`));
  });

  it('does not follow a symlink at the log’s place, and reads nothing for a name that is not a ref', () => {
    const r = sha1Repo();
    const gitDir = join(r.root, '.git');
    const elsewhere = join(r.root, '..', 'elsewhere.log');
    const id = 'b'.repeat(40);
    writeFileSync(elsewhere, `${id} ${id} Test <t@t> 1700000000 +0000\tplanted\n`);
    mkdirSync(join(gitDir, 'logs', 'refs', 'heads'), { recursive: true });
    symlinkSync(elsewhere, join(gitDir, 'logs', 'refs', 'heads', 'planted'));
    expect(reflogTail(gitDir, 'refs/heads/planted')).toEqual([]);
    expect(reflogTail(gitDir, 'main')).toEqual([]);
    expect(reflogTail(gitDir, 'refs/heads/none')).toEqual([]);
  });
});

/**
 * Several git commands in one shell: arguments reach git byte for byte whatever they hold, a
 * failure stops the sequence unless the step may fail, and a commit with nothing staged is no
 * commit — all against a real repository.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commitAndList, gitSequence } from '../../src/git/sequence.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repo(): TempRepo {
  const r = makeRepo({ 'README.md': '# app\n' });
  repos.push(r);
  return r;
}

describe('gitSequence', () => {
  it('passes arguments with quotes, spaces, newlines and shell syntax to git unchanged', async () => {
    const r = repo();
    const message = `it's "quoted" $(touch PWNED) \`x\` ; rm -rf / \n second line \\ end`;
    const out = await gitSequence(r.root, [
      { args: ['commit', '--allow-empty', '-q', '--cleanup=verbatim', '-m', message] },
      { args: ['log', '-1', '--format=%B'] },
    ]);
    expect(out.map((o) => o.exitCode)).toEqual([0, 0]);
    expect(out[1]?.stdout).toBe(`${message}\n\n`);
    expect(r.git('status', '--porcelain')).toBe('');
  });

  it('stops at a failing step unless it may fail, and keeps each step’s output apart', async () => {
    const r = repo();
    const out = await gitSequence(r.root, [
      { args: ['rev-parse', 'no-such-ref'], mayFail: true },
      { args: ['rev-parse', 'HEAD'] },
      { args: ['rev-parse', 'no-such-ref'] },
      { args: ['rev-parse', 'HEAD'] },
    ]);
    expect(out.map((o) => [o.ran, o.exitCode === 0])).toEqual([
      [true, false],
      [true, true],
      [true, false],
      [false, false],
    ]);
    expect(out[1]?.stdout.trim()).toBe(r.git('rev-parse', 'HEAD'));
    expect(out[0]?.stderr).toContain('no-such-ref');
  });
});

describe('commitAndList', () => {
  it('commits everything and lists the files changed since the fork point', async () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    r.commit('own commit', { 'a.txt': 'a\n' });
    r.write({ 'b b.txt': 'b\n', 'README.md': '# changed\n' });
    const c = await commitAndList(r.root, 'work', base);
    expect(c.commit).toBe(r.git('rev-parse', 'HEAD'));
    expect(c.head).toBe(c.commit);
    expect(c.files.sort()).toEqual(['README.md', 'a.txt', 'b b.txt']);
    expect(r.git('log', '-1', '--format=%s')).toBe('work');
    expect(r.git('status', '--porcelain')).toBe('');
  });

  it('makes no commit when nothing changed, and still reports HEAD and the files', async () => {
    const r = repo();
    const base = r.git('rev-parse', 'HEAD');
    r.commit('own commit', { 'a.txt': 'a\n' });
    const head = r.git('rev-parse', 'HEAD');
    const c = await commitAndList(r.root, 'work', base);
    expect(c.commit).toBeUndefined();
    expect(c.head).toBe(head);
    expect(c.files).toEqual(['a.txt']);
  });
});

/**
 * Independent git commands at once from one shell: each caller gets its own command's output and
 * exit code, as soon as that command ends, whatever the others do.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitAtOnce } from '../../src/git/at-once.js';
import type { GitOutput } from '../../src/git/git.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('gitAtOnce', () => {
  it('reports each command with its own output and exit code, a failure or a missing folder alone', async () => {
    const a = makeRepo({ 'a.txt': 'a\n' });
    const b = makeRepo({ 'b.txt': 'b\n' });
    repos.push(a, b);
    const got = new Map<number, GitOutput>();
    await gitAtOnce(
      [
        { cwd: a.root, args: ['ls-files'] },
        { cwd: b.root, args: ['ls-files'] },
        { cwd: a.root, args: ['rev-parse', '--verify', 'no-such-ref'] },
        { cwd: join(a.root, 'no such folder'), args: ['status'] },
        { cwd: b.root, args: ['log', '-1', '--format=%s it\'s "quoted" $(touch PWNED)'] },
      ],
      (i, out) => {
        expect(got.has(i)).toBe(false);
        got.set(i, out);
      },
    );
    expect(got.get(0)).toMatchObject({ exitCode: 0, stdout: 'a.txt\n' });
    expect(got.get(1)).toMatchObject({ exitCode: 0, stdout: 'b.txt\n' });
    expect(got.get(2)?.exitCode).not.toBe(0);
    expect(got.get(3)?.exitCode).not.toBe(0);
    expect(got.get(3)?.stderr).toContain('no such folder');
    expect(got.get(4)?.stdout).toBe(`${b.git('log', '-1', '--format=%s')} it's "quoted" $(touch PWNED)\n`);
  });

  it('tells a caller as soon as its command ends, not when the slowest does', async () => {
    const r = makeRepo();
    repos.push(r);
    const at: number[] = [];
    const t0 = Date.now();
    await gitAtOnce(
      [
        { cwd: r.root, args: ['-c', 'alias.slow=!sleep 1.5', 'slow'] },
        { cwd: r.root, args: ['rev-parse', 'HEAD'] },
      ],
      (i) => {
        at[i] = Date.now() - t0;
      },
      2,
    );
    expect(at[1]).toBeLessThan(at[0] ?? 0);
    expect(at[0]).toBeGreaterThanOrEqual(1400);
  });

  it('runs no more at a time than it has lanes: with one, one after another', async () => {
    const r = makeRepo();
    repos.push(r);
    const order: number[] = [];
    const slow = { cwd: r.root, args: ['-c', 'alias.slow=!sleep 0.3', 'slow'] };
    const t0 = Date.now();
    await gitAtOnce([slow, slow, slow], (i) => order.push(i), 1);
    expect(order).toEqual([0, 1, 2]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(850);
  });
});

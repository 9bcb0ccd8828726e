/**
 * The deadline on Baton's git calls in a worktree: a `BATON_GIT_DEADLINE_SECONDS` past what a timer
 * holds is the longest deadline, never none (Node fires a longer timer at once).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_DEADLINE_ENV, gitDeadlineMs } from '../../src/git/deadline.js';
import { gitSequence } from '../../src/git/sequence.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('gitDeadlineMs', () => {
  it('reads the variable, falls back to 10 minutes, and holds a huge value to what a timer can wait', () => {
    expect(gitDeadlineMs({ [GIT_DEADLINE_ENV]: '2' })).toBe(2000);
    expect(gitDeadlineMs({ [GIT_DEADLINE_ENV]: 'soon' })).toBe(600_000);
    expect(gitDeadlineMs({})).toBe(600_000);
    expect(gitDeadlineMs({ [GIT_DEADLINE_ENV]: '3000000' })).toBe(2 ** 31 - 1);
  });

  it('lets an ordinary git call finish under a 35-day deadline', async () => {
    const r = makeRepo({ 'README.md': '# app\n' });
    repos.push(r);
    r.write({ 'a.txt': 'a\n' });
    const deadlineMs = gitDeadlineMs({ [GIT_DEADLINE_ENV]: '3000000' });
    const out = await gitSequence(r.root, [{ args: ['add', '--all'] }, { args: ['status', '--porcelain'] }], {
      deadlineMs,
    });
    expect(out.map((o) => o.exitCode)).toEqual([0, 0]);
    expect(out[1]?.stdout).toBe('A  a.txt\n');
  });
});

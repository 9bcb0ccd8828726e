// @module-tag slow
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText, okCheckedFeature as feature } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const eventsOf = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

/** The events of the last run in the log. */
function lastRun(repo: TempRepo): BatonEvent[] {
  const all = eventsOf(repo);
  const start = all.findLastIndex((e) => e.type === 'run.started');
  return all.slice(start);
}

describe('baton run --resume after commits on the main branch', () => {
  it('keeps each reused branch’s own base (two branches cut from different bases complete), cuts a fresh feature from the current base, and prints each resume note on a line of its own', async () => {
    const repo = makeRepo(contractFiles([feature('a', 'C'), feature('b', 'C'), feature('d', 'OK')]));
    repos.push(repo);
    const b0 = repo.git('rev-parse', 'HEAD');
    expect((await runBaton(['run', 'a'], { cwd: repo.root })).code).toBe(1);
    const b1 = repo.commit('fix a', { 'specs/a/contract.md': contractText(feature('a', 'OK')) });
    expect((await runBaton(['run', 'b'], { cwd: repo.root })).code).toBe(1);
    const b2 = repo.commit('fix b', { 'specs/b/contract.md': contractText(feature('b', 'OK')) });

    const r = await runBaton(['run', '--resume', 'a', 'b', 'd'], { cwd: repo.root });
    const run = lastRun(repo);
    const ended = Object.fromEntries(
      run.flatMap((e) => (e.type === 'feature.ended' ? [[e.feature_id, e.status] as const] : [])),
    );
    const reasons = run.flatMap((e) =>
      e.type === 'feature.ended' && e.reason ? [`${e.feature_id}: ${e.reason}`] : [],
    );
    expect(ended, `${reasons.join('\n')}\n${r.stdout}${r.stderr}`).toEqual({
      a: 'complete',
      b: 'complete',
      d: 'complete',
    });
    expect(r.code).toBe(0);
    // Each feature measured from, and guarded against, the base its branch was cut from.
    const bases = Object.fromEntries(
      run.flatMap((e) => (e.type === 'worktree.created' ? [[e.feature_id, e.base_commit] as const] : [])),
    );
    expect(bases).toEqual({ a: b0, b: b1, d: b2 });
    expect(repo.git('merge-base', 'main', 'baton/a')).toBe(b0);
    expect(repo.git('merge-base', 'main', 'baton/b')).toBe(b1);
    expect(repo.git('merge-base', 'main', 'baton/d')).toBe(b2);
    // The resumed agents' work is committed on top of the first runs' commits; nothing left behind.
    for (const [id, base] of [
      ['a', b0],
      ['b', b1],
    ] as const) {
      expect(repo.git('rev-list', '--count', `${base}..baton/${id}`)).toBe('2');
      expect(repo.git('show', `baton/${id}:src/${id}/x.txt`)).toBe('OK');
      expect(repo.git('-C', join(repo.root, '..', 'repo.baton-worktrees', id), 'status', '--porcelain')).toBe(
        '',
      );
    }
    // Baton's own line break, not an escaped one: the note is a line of its own, indented.
    expect(r.stdout).not.toContain('\\n');
    expect(r.stdout).toMatch(
      /^a: worktree .* on baton\/a \(reused\)\n {2}keeps 1 commit\(s\) from the earlier run:/m,
    );
  });

  it('refuses a reused branch that shares no history with the base before its agent starts, and says what to do', async () => {
    const repo = makeRepo(contractFiles([feature('c', 'OK')]));
    repos.push(repo);
    const empty = repo.git('hash-object', '-t', 'tree', '-w', '/dev/null');
    repo.git('branch', 'baton/c', repo.git('commit-tree', empty, '-m', 'unrelated'));
    const r = await runBaton(['run', '--resume', 'c'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const run = lastRun(repo);
    expect(run.some((e) => e.type === 'feature.started')).toBe(false);
    expect(run.find((e) => e.type === 'feature.ended')).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(
        /baton\/c shares no history with the base .*its agent was not started.*--restart c \[run\/resume-unrelated\]/,
      ),
    });
    expect(existsSync(join(repo.root, '..', 'repo.baton-worktrees', 'c'))).toBe(false);
    // --restart starts it over from the current base.
    const restarted = await runBaton(['run', '--resume', 'c', '--restart', 'c'], { cwd: repo.root });
    expect(restarted.code).toBe(0);
    expect(repo.git('rev-list', '--count', 'main..baton/c')).toBe('1');
  });
});

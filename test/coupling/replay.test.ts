import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COUPLING_DEFAULTS } from '../../src/coupling/analysis.js';
import { type ReplayCommit, replayConflicts } from '../../src/coupling/replay.js';
import { fixture } from '../rig/cli.js';

/** 600 consecutive non-merge commits of sindresorhus/got (ids and paths only), newest first. */
const GOT: ReplayCommit[] = readFileSync(fixture('coupling', 'got-history.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as ReplayCommit);

describe('validation on real history (sindresorhus/got)', () => {
  it('holds 600 consecutive non-merge commits: each one’s parent is the next one listed, or a merge left out', () => {
    expect(GOT).toHaveLength(600);
    const linked = GOT.slice(0, -1).filter((c, i) => c.parent === GOT[i + 1]?.sha).length;
    expect(linked / (GOT.length - 1)).toBeGreaterThan(0.8);
  });

  it.each([2, 5, 10])(
    'pairs flagged on the older commits conflict more often when the next 200 are merged in parallel batches of %i',
    (k) => {
      const r = replayConflicts(GOT, { train: 400, test: 200, k, settings: COUPLING_DEFAULTS });
      expect(r.test_commits).toBe(200);
      expect(r.flagged_pairs_in_training).toBeGreaterThan(0);
      expect(r.flagged.opportunities).toBeGreaterThan(10);
      expect(r.unflagged.opportunities).toBeGreaterThan(5);
      expect(r.flagged.rate).toBeGreaterThan(r.unflagged.rate * 1.3);
    },
  );
});

describe('replayConflicts', () => {
  const c = (sha: string, ...files: string[]): ReplayCommit => ({ sha, parent: null, files });
  it('flags folders that changed together before, and counts a conflict only when two commits of a batch share a file', () => {
    // Oldest last, as git log lists them.
    const history = [
      c('t4', 'd/y.ts', 'd/z.ts'), // test batch 2: c and d, no common file
      c('t3', 'c/x.ts', 'shared.ts'),
      c('t2', 'b/1.ts', 'shared.ts'), // test batch 1: a and b both edit shared.ts
      c('t1', 'a/1.ts', 'shared.ts'),
      c('h3', 'a/3.ts', 'b/3.ts'),
      c('h2', 'a/2.ts', 'b/2.ts'),
      c('h1', 'a/1.ts', 'b/1.ts'),
      c('h0', 'c/0.ts'),
    ];
    const r = replayConflicts(history, { train: 4, test: 4, k: 2, settings: COUPLING_DEFAULTS });
    expect(r.flagged_pairs_in_training).toBe(1);
    expect(r.flagged).toEqual({ pairs: 1, opportunities: 1, conflicts: 1, rate: 1 });
    expect(r.unflagged).toEqual({ pairs: 1, opportunities: 1, conflicts: 0, rate: 0 });
    expect(r.ratio).toBe(Number.POSITIVE_INFINITY);
  });
});

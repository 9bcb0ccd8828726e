import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COUPLING_DEFAULTS } from '../../src/coupling/analysis.js';
import { readCoChange } from '../../src/coupling/analyze.js';
import { createCoChangeCounter } from '../../src/coupling/co-change.js';
import { type ReplayCommit, replayConflicts } from '../../src/coupling/replay.js';
import { fixture } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

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

describe('the recorded history replayed into a real git repository', () => {
  const repos: TempRepo[] = [];
  afterAll(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('gives the git history pass the same counts as the newest 200 recorded commits, commit for commit', async () => {
    const recent = GOT.slice(0, 200);
    const r = makeRepo();
    repos.push(r);
    const branch = r.git('symbolic-ref', '--short', 'HEAD');
    // Oldest first, each commit writing new content to exactly the paths it recorded (one fast-import).
    const out: string[] = [];
    let from = r.git('rev-parse', 'HEAD');
    [...recent].reverse().forEach((c, i) => {
      out.push(
        `commit refs/heads/${branch}\nmark :${i + 1}\ncommitter T <t@example.com> ${1_600_000_000 + i * 60} +0000\n` +
          `data ${Buffer.byteLength(c.sha)}\n${c.sha}\nfrom ${from}\n`,
      );
      for (const f of c.files) {
        const body = `${c.sha} ${f}\n`;
        out.push(`M 100644 inline ${JSON.stringify(f)}\ndata ${Buffer.byteLength(body)}\n${body}`);
      }
      out.push('\n');
      from = `:${i + 1}`;
    });
    const res = spawnSync('git', ['fast-import', '--quiet', '--force'], { cwd: r.root, input: out.join('') });
    expect(res.status, String(res.stderr)).toBe(0);
    r.git('reset', '-q', '--hard', branch);

    // Every folder a feature owning its direct files, as the replay does.
    const folders = new Set<string>();
    for (const c of recent) for (const f of c.files) if (f.includes('/')) folders.add(posix.dirname(f));
    const owners = [...folders].sort().map((d) => ({ id: d, owns: [`${d}/*`] }));
    const viaGit = await readCoChange(r.root, owners, { window: recent.length, max_commit_files: 50 });
    const recorded = createCoChangeCounter(owners, { maxCommitFiles: 50 });
    recent.forEach((c, i) => {
      recorded.add({ sha: c.sha, subject: c.sha, files: c.files }, i);
    });
    const expected = recorded.result();
    expect(viaGit.commits).toBe(recent.length);
    expect(viaGit.skipped_large).toBe(expected.skipped_large);
    expect(viaGit.feature_commits).toEqual(expected.feature_commits);
    const shape = (ps: typeof expected.pairs) =>
      ps.map((p) => [p.a, p.b, p.support, p.commits_a, p.commits_b]);
    expect(shape(viaGit.pairs)).toEqual(shape(expected.pairs));
    expect(viaGit.pairs.length).toBeGreaterThan(5);
    // The examples are the same commits (their subjects are the recorded ids).
    expect(viaGit.pairs.map((p) => p.examples.map((e) => e.subject))).toEqual(
      expected.pairs.map((p) => p.examples.map((e) => e.subject)),
    );
  }, 180_000);
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

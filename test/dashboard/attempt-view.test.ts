import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attemptDiff,
  clearAttemptDiffCache,
  PATCH_BYTES,
  readAttemptViews,
} from '../../src/dashboard/attempt-view.js';
import { LiveLog } from '../../src/dashboard/live-log.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import type { TempRepo } from '../rig/repo.js';
import { bestOfThreeRepo, FEATURE, REASONS } from './attempts-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  clearAttemptDiffCache();
});

function repoOfThree() {
  const repo = bestOfThreeRepo();
  repos.push(repo);
  return repo;
}

describe('best-of-N attempts in the feature detail', () => {
  it("gives each attempt its figures, the winner's reasons and its diff from where it started", async () => {
    const repo = repoOfThree();
    const state = foldEvents(readLog(repo.log).events);
    const feature = state.features[FEATURE];
    if (!feature) throw new Error('feature not folded');
    const views = await readAttemptViews({ root: repo.root, feature, bases: new Map(), runBase: repo.base });
    expect(views.map((v) => [v.attempt, v.agent, v.status, v.winner])).toEqual([
      [1, 'claude', 'failed-checks', false],
      [2, 'codex', 'complete', false],
      [3, 'gemini', 'complete', true],
    ]);
    expect(views[2]?.why).toEqual(REASONS);
    expect(views[0]?.why).toEqual(['latency: p95 41 ms over 30 ms']);
    expect(views[2]?.measured).toEqual([{ criterion: 'latency', label: 'p95', value: '20 ms' }]);
    expect(views[2]?.summary).toBe('checks 3/3, latency p95 20 ms, 1 line changed, $0.30, 63.0 s');
    expect(views[2]?.diff?.stat).toMatch(/src\/search\/index\.js \| 1 \+/);
    expect(views[2]?.diff?.patch).toContain('+export const search = (q) => index.lookup(q);');
    expect(views[2]?.diff?.head).toBe(repo.git('rev-parse', `baton/${FEATURE}.a3`));
    // Escape codes in a patch arrive as text.
    expect(views[0]?.diff?.patch).toContain('\\x1b[31mred');
    expect(views[0]?.diff?.patch).not.toContain(String.fromCharCode(27));
  });

  it('compares from the commit the attempt started on, not the run base, when the log names it', async () => {
    const repo = repoOfThree();
    // The attempt started after a dependency was merged onto its branch: that work is not the attempt's.
    repo.git('checkout', '-q', '-b', 'dep', repo.base);
    const forkPoint = repo.commit('dependency work', { 'src/dep/index.js': 'export const dep = 1;\n' });
    repo.git('checkout', '-q', '-B', `baton/${FEATURE}.a2`, forkPoint);
    repo.commit('attempt 2 again', { 'src/search/index.js': 'export const search = () => [];\n' });
    repo.git('checkout', '-q', 'main');
    const fromFork = await attemptDiff(repo.root, FEATURE, 2, forkPoint);
    const fromBase = await attemptDiff(repo.root, FEATURE, 2, repo.base);
    if ('note' in fromFork || 'note' in fromBase) throw new Error('no diff');
    expect(fromFork.stat).not.toContain('src/dep/index.js');
    expect(fromBase.stat).toContain('src/dep/index.js');
  });

  it('computes no diff from a base it cannot trust or a branch it does not name', async () => {
    const repo = repoOfThree();
    const other = repo.commit('unrelated on main', { 'x.txt': 'x\n' });
    const marker = join(repo.root, '..', 'planted');
    expect(await attemptDiff(repo.root, FEATURE, 3, `--output=${marker}`)).toEqual({
      note: 'the commit the attempt started from is unknown',
    });
    expect(existsSync(marker)).toBe(false);
    expect(await attemptDiff(repo.root, FEATURE, 3, 'HEAD')).toEqual({
      note: 'the commit the attempt started from is unknown',
    });
    expect(await attemptDiff(repo.root, FEATURE, 3, undefined)).toEqual({
      note: 'the commit the attempt started from is unknown',
    });
    expect(await attemptDiff(repo.root, FEATURE, 3, other)).toEqual({
      note: `baton/${FEATURE}.a3 does not descend from the commit the attempt started from`,
    });
    expect(await attemptDiff(repo.root, FEATURE, 9, repo.base)).toEqual({
      note: `no branch baton/${FEATURE}.a9 (not started yet, or removed by baton clean)`,
    });
    expect(await attemptDiff(repo.root, '../main', 1, repo.base)).toEqual({
      note: 'not an attempt Baton names',
    });
    expect(await attemptDiff(repo.root, FEATURE, 0, repo.base)).toEqual({
      note: 'not an attempt Baton names',
    });
  });

  it('runs no diff driver or textconv filter a repository configures, and cuts a large patch', async () => {
    const repo = repoOfThree();
    const marker = join(repo.root, '..', 'driver-ran');
    repo.git('config', 'diff.evil.textconv', `sh -c 'touch ${marker}; cat "$1"' -`);
    repo.git('config', 'diff.evil.command', `sh -c 'touch ${marker}'`);
    repo.git('config', 'diff.external', `sh -c 'touch ${marker}'`);
    repo.git('checkout', '-q', `baton/${FEATURE}.a2`);
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i} of a large generated file`).join('\n');
    repo.commit('big', { '.gitattributes': '* diff=evil\n', 'src/search/big.txt': `${big}\n` });
    repo.git('checkout', '-q', 'main');
    const diff = await attemptDiff(repo.root, FEATURE, 2, repo.base);
    if ('note' in diff) throw new Error(diff.note);
    expect(existsSync(marker)).toBe(false);
    expect(diff.truncated).toBe(true);
    expect(diff.patch.length).toBeLessThanOrEqual(PATCH_BYTES);
    expect(diff.patch.endsWith('\n')).toBe(true);
    expect(diff.stat).toContain('src/search/big.txt');
    expect(diff.patch).toContain('+line 0 of a large generated file');
    expect(diff.patch).not.toContain('line 19999');
  });

  it("counts an attempt's own events as a change of its feature, never of a feature of its own", () => {
    const repo = repoOfThree();
    const live = new LiveLog(repo.log);
    const delta = live.read();
    expect(delta.changed).toEqual([FEATURE]);
    expect(live.featureEvents(`${FEATURE}.a1`).map((e) => e.event.type)).toEqual(['worktree.created']);
  });
});

// @module-tag slow
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AttemptView } from '../../src/dashboard/attempt-view.js';
import {
  attemptDiff,
  clearAttemptDiffCache,
  PATCH_BYTES,
  readAttemptViews,
} from '../../src/dashboard/attempt-view.js';
import type { FeatureDetail } from '../../src/dashboard/feature-detail.js';
import { LiveLog } from '../../src/dashboard/live-log.js';
import { startDashboard } from '../../src/dashboard/server.js';
import type { AgentExited, BatonEvent, WorktreeCreated } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { readLog } from '../../src/log/read.js';
import { attemptAgentTime } from '../../src/metrics/intervals.js';
import { fixture, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { AGENT_MS, bestOfThreeRepo, FEATURE, REASONS } from './attempts-rig.js';

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
    const times = new Map([1, 2, 3].map((n) => [n, attemptAgentTime(state, FEATURE, n)]));
    const views = await readAttemptViews({
      root: repo.root,
      feature,
      bases: new Map(),
      runBase: repo.base,
      times,
    });
    expect(views.map((v) => [v.attempt, v.agent, v.status, v.winner])).toEqual([
      [1, 'claude', 'failed-checks', false],
      [2, 'codex', 'complete', false],
      [3, 'gemini', 'complete', true],
    ]);
    expect(views[2]?.why).toEqual(REASONS);
    expect(views[0]?.why).toEqual(['latency: p95 41 ms over 30 ms']);
    expect(views[2]?.measured).toEqual([{ criterion: 'latency', label: 'p95', value: '20 ms' }]);
    // Each attempt's time is its agent's, as status and the report give it, not its span with its checks.
    expect(views.map((v) => v.duration_ms)).toEqual([AGENT_MS(1), AGENT_MS(2), AGENT_MS(3)]);
    expect(views[2]?.summary).toBe('checks 3/3, latency p95 20 ms, 1 line changed, $0.30, 4.0 s');
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

  it('keeps the tabs of tab-indented code in a diff as tabs, and escapes every other control character', async () => {
    const repo = repoOfThree();
    repo.git('checkout', '-q', `baton/${FEATURE}.a2`);
    repo.commit('tabs', { 'src/search/go.go': 'func f() {\n\tif x {\n\t\treturn\t"\u001b[2J\r"\n\t}\n}\n' });
    repo.git('checkout', '-q', 'main');
    const diff = await attemptDiff(repo.root, FEATURE, 2, repo.base);
    if ('note' in diff) throw new Error(diff.note);
    expect(diff.patch).toContain('+\tif x {\n+\t\treturn\t"\\x1b[2J\\r"\n+\t}\n');
    expect(diff.patch).not.toContain('\\t');
    expect(diff.patch).not.toContain(String.fromCharCode(27));
    expect(diff.patch).not.toContain('\r');
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
    expect(live.featureEvents(`${FEATURE}.a1`).map((e) => e.event.type)).toEqual([
      'worktree.created',
      'agent.exited',
      'check.passed',
    ]);
  });

  it("serves a real run's attempts through /api/features/:id: each diff from the commit its worktree started on, each agent log", async () => {
    const agentScript = fixture('attempts', 'agent.mjs');
    const agent = (args: string) => ({
      command: `${JSON.stringify(process.execPath)} ${JSON.stringify(agentScript)} api ${args}`,
    });
    const contract = {
      feature_id: 'api',
      title: 'API',
      owns: ['src/api/**'],
      acceptance_criteria: [
        { id: 'server', text: 'the server exists', run: 'test -f src/api/server.mjs' },
        { id: 'ok', text: 'the ok marker exists', run: 'test -f src/api/ok' },
      ],
      attempts: [agent('0 --no-ok'), agent('0'), agent('0 --lines 40')],
    };
    const repo = makeRepo({
      'README.md': '# app\n',
      'specs/api/contract.md': `---\n${stringify(contract)}---\nBuild the API.\n`,
    });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const events = readLog(log).events as BatonEvent[];
    const dash = await startDashboard({
      root: repo.root,
      logPath: log,
      port: 0,
      loadProject: async () => ({ diagnostics: [] }),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${dash.port}/api/features/api`, {
        headers: { Authorization: `Bearer ${dash.token}` },
      });
      expect(res.status).toBe(200);
      const detail = (await res.json()) as FeatureDetail & { attempts: AttemptView[] };
      expect(detail.attempts.map((a) => [a.attempt, a.status, a.winner])).toEqual([
        [1, 'failed-checks', false],
        [2, 'complete', true],
        [3, 'complete', false],
      ]);
      expect(detail.attempts[1]?.why[0]).toMatch(/^attempt 2 over attempt 3: fewer lines changed/);
      for (const a of detail.attempts) {
        // The diff starts where the runner says the attempt's worktree started, and ends at its branch.
        const created = events.find(
          (e): e is WorktreeCreated => e.type === 'worktree.created' && e.feature_id === `api.a${a.attempt}`,
        );
        expect(created?.base_commit).toMatch(/^[0-9a-f]{40}$/);
        expect(a.diff?.base).toBe(created?.base_commit);
        expect(a.diff?.head).toBe(repo.git('rev-parse', `baton/api.a${a.attempt}`));
        expect(a.diff?.stat).toContain('src/api/server.mjs');
        expect(a.diff?.patch).toContain('+++ b/src/api/server.mjs');
        expect(a.agent_log?.file).toMatch(
          new RegExp(`^\\.baton/runs/[^/]+/api\\.a${a.attempt}/agent\\.log$`),
        );
        expect(a.agent_log?.missing).toBeUndefined();
        // Its time is its agent's (its unit's exit), as status and the report give it, not its span.
        const exited = events.find(
          (e): e is AgentExited => e.type === 'agent.exited' && e.feature_id === `api.a${a.attempt}`,
        );
        expect(a.duration_ms).toBe(exited?.duration_ms);
      }
      expect(detail.attempts[0]?.diff?.stat).not.toContain('src/api/ok');
      expect(detail.attempts[2]?.diff?.stat).toContain('src/api/notes.txt');
      expect(detail.attempts[2]?.lines_changed).toBeGreaterThan(detail.attempts[1]?.lines_changed ?? 0);
      // The feature's own agent log is its winner's.
      expect(detail.agent_log?.file).toMatch(/^\.baton\/runs\/[^/]+\/api\.a2\/agent\.log$/);
      expect(detail.agent_log?.missing).toBeUndefined();
    } finally {
      await dash.close();
    }
  }, 120_000);
});

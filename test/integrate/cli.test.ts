import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton, runBatonProcess } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { cachedRepo, makeRepo, type TempRepo } from '../rig/repo.js';
import {
  checkoutSnapshot,
  featureBranch,
  lines,
  logEvents,
  makeFourFeatures,
  projectRepo,
  recordStatus,
} from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** The four-feature fixture with every feature recorded complete in the log. */
function completeFour(): TempRepo {
  const r = makeFourFeatures().repo;
  recordStatus(r, ['a', 'b', 'c', 'd']);
  return r;
}

const four = (criteria: Record<string, Array<Record<string, unknown>>> = {}): TestContract[] =>
  ['f1', 'f2', 'f3', 'f4'].map((id) => ({ id, criteria: criteria[id] ?? [] }));

describe('baton integrate --predict-only', () => {
  it('names exactly the conflicting pair and file, the ownership violation, and nothing else', async () => {
    repo = completeFour();
    const before = checkoutSnapshot(repo);
    const r = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const flagged = r.stdout.split('\n').filter((l) => /^\s+(conflict|overlap|ownership)\s/.test(l));
    expect(flagged).toEqual([
      '  conflict   a × b: src/routes.ts',
      '  ownership  c changed src/a/config.ts, which only a owns',
    ]);
    const json = JSON.parse(
      (await runBaton(['integrate', '--predict-only', '--json'], { cwd: repo.root })).stdout,
    );
    expect(json.prediction.conflicts).toEqual([{ a: 'a', b: 'b', files: ['src/routes.ts'] }]);
    expect(json.prediction.clean_overlaps).toEqual([]);
    expect(json.prediction.violations).toEqual([
      { feature_id: 'c', file: 'src/a/config.ts', kind: 'owned-by-other', owners: ['a'] },
    ]);
    expect(checkoutSnapshot(repo)).toEqual(before);
    expect(repo.git('branch', '--list', 'baton/integration')).toBe('');
  });

  it('exits 1 when the merge would leave a selected feature out, as the integration itself would end partial', async () => {
    repo = projectRepo(four());
    const clean = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/no conflicts, no overlaps, no ownership violations\n/);
    recordStatus(repo, ['f4'], 'failed');
    const r = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(r.stdout + r.stderr).toContain('not merged: f4 (failed');
    expect(r.code).toBe(1);
  });
  it('says which features it could not hold to their owns when they declare none', async () => {
    repo = projectRepo([
      { id: 'f1', criteria: [], owns: [] },
      { id: 'f2', criteria: [] },
    ]);
    const r = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'no conflicts, no overlaps, no ownership violations (f1 declares no owns: only files others own were checked for it)',
    );
  });
});

describe('baton integrate', () => {
  it('stops at the conflicting pair with the next commands, the checkout untouched, then --continue finishes', async () => {
    repo = completeFour();
    const before = checkoutSnapshot(repo);
    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'integration');
    expect(r.stdout).toContain(
      'Merging baton/b (merge 2 of 4) conflicts in 1 file(s) with a, already merged:',
    );
    expect(r.stdout).toContain(
      'src/routes.ts: b and a both changed src/routes.ts, which both a and b claim to own',
    );
    expect(r.stdout).toContain(`  cd ${wt}`);
    expect(r.stdout).toContain('  git add -A -- src/routes.ts');
    expect(r.stdout).toContain('  baton integrate --continue');
    expect(checkoutSnapshot(repo)).toEqual(before);

    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    repo.git('-C', wt, 'add', 'src/routes.ts');
    const c = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/Integration clean in .*: 4 of 4 merged/);
    expect(checkoutSnapshot(repo)).toEqual(before);
  });

  it('merges dependencies first whatever the id order', async () => {
    repo = projectRepo([
      { id: 'a-api', depends: ['z-db'] },
      { id: 'z-db' },
      { id: 'm-ui', depends: ['a-api'] },
    ]);
    const r = await runBaton(['integrate', '--json'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).integration.order).toEqual(['z-db', 'a-api', 'm-ui']);
    const merged = logEvents(repo).flatMap((e) => (e.type === 'merge.clean' ? [e.feature_id] : []));
    expect(merged).toEqual(['z-db', 'a-api', 'm-ui']);
    // The integration branch's first-parent history has the merges in the same order.
    const subjects = repo
      .git('log', '--first-parent', '--format=%s', 'baton/integration', '-3')
      .split('\n')
      .reverse();
    expect(subjects.map((s) => s.split(' ')[1])).toEqual(['baton/z-db', 'baton/a-api', 'baton/m-ui']);
  });

  it('reports a test command that fails after the third merge against the third feature', async () => {
    repo = projectRepo(four());
    const r = await runBaton(['integrate', '--test', 'test ! -f src/f3/index.ts'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Tests failed after merging f3 (merge 3 of 4): exit 1');
    expect(logEvents(repo).find((e) => e.type === 'integration.ended')).toMatchObject({
      outcome: 'tests-failed',
    });
  });

  it('refuses --into main when a test failed and leaves main where it was', async () => {
    repo = projectRepo(four(), { test: 'test ! -f src/f3/index.ts' });
    const before = checkoutSnapshot(repo);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('main left where it was: tests failed after merging f3');
    expect(checkoutSnapshot(repo)).toEqual(before);
  });

  it('says main is already at the result when a second --into main has nothing to move', async () => {
    repo = projectRepo(four(), { test: 'true' });
    expect((await runBaton(['integrate', '--into', 'main'], { cwd: repo.root })).code).toBe(0);
    const at = repo.git('rev-parse', 'main');
    const again = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`main already at ${at.slice(0, 10)}`);
    expect(again.stdout).not.toContain('fast-forwarded');
    expect(repo.git('rev-parse', 'main')).toBe(at);
  });

  it('runs after-integration criteria, then fast-forwards main when everything passed', async () => {
    repo = projectRepo(
      four({
        f1: [
          { id: 'sees-f4', text: 'f4 is there too', run: 'test -f src/f4/index.ts', after: 'integration' },
        ],
      }),
      { test: 'true' },
    );
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('f1: 1/1 integration checks passed');
    expect(r.stdout).toContain('main fast-forwarded');
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
    expect(repo.git('status', '--porcelain')).toBe('');
    const log = logEvents(repo);
    expect(log.find((e) => e.type === 'check.passed' && e.on === 'integration')).toMatchObject({
      feature_id: 'f1',
      on: 'integration',
    });
    const phases = log.filter((e) => e.type === 'phase.started' || e.type === 'phase.ended');
    expect(phases.map((e) => e.type)).toEqual(['phase.started', 'phase.ended']);
    const ended = log.find((e) => e.type === 'integration.ended');
    expect(ended).toMatchObject({ outcome: 'clean', into: 'main' });
    const started = log.find((e) => e.type === 'integration.started')!;
    const lastCheck = log.filter((e) => e.type === 'check.passed').at(-1)!;
    // Integration time runs from the first merge to the last check.
    expect(Date.parse(started.ts) + (ended as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(
      Date.parse(lastCheck.ts),
    );
  });

  it('refuses --into when an integration check fails', async () => {
    repo = projectRepo(four({ f2: [{ id: 'never', text: 'fails', run: 'exit 3', after: 'integration' }] }));
    const mainBefore = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Integration checks-failed');
    expect(r.stdout).toContain('main left where it was: the integration ended checks-failed');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
  });

  it('resolves a conflict with a command agent given the task file and the conflicted files', async () => {
    repo = completeFour();
    const script = join(repo.root, '..', 'resolve.sh');
    writeFileSync(
      script,
      [
        'set -e',
        'grep -q "Resolve a merge conflict" "$BATON_TASK_FILE"',
        'for f in $BATON_CONFLICT_FILES; do grep -v "^[<=>|]\\{7\\}" "$f" > "$f.tmp"; mv "$f.tmp" "$f"; git add "$f"; done',
      ].join('\n'),
    );
    writeFileSync(
      join(repo.root, 'baton.config.json'),
      JSON.stringify({ agent: { command: `sh ${script}` } }),
    );
    repo.commit('config');
    const r = await runBaton(['integrate', '--on-conflict', 'agent'], { cwd: repo.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const routes = readFileSync(
      join(repo.root, '..', 'repo.baton-worktrees', 'integration', 'src/routes.ts'),
      'utf8',
    );
    expect(routes).toContain('route a');
    expect(routes).toContain('route b');
    expect(routes).not.toMatch(/^<{7}/m);
  });

  it('refuses --on-conflict agent with an agent that is not installed, before merging anything', async () => {
    repo = completeFour();
    const r = await runBaton(['integrate', '--on-conflict', 'agent'], {
      cwd: repo.root,
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/agent "claude".*not installed/);
    expect(logEvents(repo).some((e) => e.type === 'integration.started')).toBe(false);
  });

  it('goes on with --continue after Baton itself was killed mid-integration', async () => {
    repo = projectRepo(four());
    // The test command kills the baton process right after the second merge.
    const killer = 'if [ -f src/f2/index.ts ]; then kill -9 $PPID; fi; true';
    const killed = runBatonProcess(['integrate', '--test', killer], { cwd: repo.root });
    expect(killed.code).not.toBe(0);
    const before = logEvents(repo).map((e) => e.type);
    expect(before).not.toContain('integration.ended');
    expect(before.filter((t) => t === 'merge.clean')).toHaveLength(2);

    const r = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    // The killed Baton left its integrate lock: it is taken over, and said so.
    expect(r.stderr).toMatch(/^baton: took over a stale lock .* is no longer running\n$/);
    expect(r.code).toBe(0);
    const tested = logEvents(repo).flatMap((e) => (e.type === 'integration.tested' ? [e.after_feature] : []));
    // f2's tests never reported before the kill, so they run first.
    expect(tested).toEqual(['f1', 'f2', 'f3', 'f4']);
    expect(r.stdout).toMatch(/Integration clean .*: 4 of 4 merged/);
  });

  it('counts the features a conflict stop left unreached in the summary line', async () => {
    // x → y → z; y edits the line x edits, so merging stops at y, before z.
    repo = cachedRepo('chain-conflict', () => {
      const r = makeRepo({
        '.gitignore': '.baton/\n',
        'baton.config.json': '{}\n',
        'shared.txt': lines(3),
        ...contractFiles([
          { id: 'x', owns: ['shared.txt'] },
          { id: 'y', owns: ['shared.txt'], depends: ['x'] },
          { id: 'z', depends: ['y'] },
        ]),
      });
      featureBranch(r, 'x', { 'shared.txt': lines(3, { 1: 'x' }) });
      featureBranch(r, 'y', { 'shared.txt': lines(3, { 1: 'y' }) });
      featureBranch(r, 'z', { 'src/z/index.ts': '// z\n' });
      recordStatus(r, ['x', 'y', 'z']);
      return r;
    });
    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(merge 2 of 3)');
    expect(r.stdout).toMatch(
      /Integration conflict in .*: 1 of 3 merged, 1 stopped at a conflict, 1 not reached;/,
    );
  });

  it('offers --continue for an earlier result only when there is something to continue', async () => {
    repo = projectRepo(four());
    // f4 failed after the statuses were recorded: it is left out, and the integration ends partial.
    recordStatus(repo, ['f4'], 'failed');
    expect((await runBaton(['integrate'], { cwd: repo.root })).stdout).toMatch(/Integration partial/);
    const again = await runBaton(['integrate'], { cwd: repo.root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[integrate/earlier-result]');
    expect(again.stderr).not.toContain('--continue');
    expect(again.stderr).toContain(
      'hint: It is not stopped at a conflict, so there is nothing to continue: run `baton integrate --fresh`',
    );
  });

  it('exits 2 on usage errors', async () => {
    repo = completeFour();
    expect((await runBaton(['integrate', '--on-conflict', 'pray'], { cwd: repo.root })).code).toBe(2);
    expect((await runBaton(['integrate', 'a', '--continue'], { cwd: repo.root })).code).toBe(2);
    expect((await runBaton(['integrate', '--test-timeout', 'soon'], { cwd: repo.root })).code).toBe(2);
    // Longer than Node's timers can wait: it would fire at once and stop the test after 1 ms.
    const overflow = await runBaton(['integrate', '--test-timeout', '2147484'], { cwd: repo.root });
    expect(overflow.code).toBe(2);
    expect(overflow.stderr).toContain('at most 2147483');
    expect(overflow.stderr).toContain('[integrate/bad-timeout]');
    expect(repo.git('branch', '--list', 'baton/integration')).toBe('');
  });
});

// What integration merges is the commit each feature's checks passed on, recorded when it was selected:
// a branch that moves during the integration, a feature that fails `baton verify` while a conflict
// waits, and a merge that brings more than the feature (by hand or by the resolving agent) never reach
// the user's branch.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { cachedState, type TempRepo } from '../rig/repo.js';
import { lines, logEvents, makeFourFeatures, projectRepo, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const integrationWorktree = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');

/**
 * The four-feature fixture (a × b conflict in src/routes.ts), every feature recorded complete; c also
 * owns src/a/config.ts, which it edits, so `--into` may move main.
 */
function completeFour(): TempRepo {
  const r = makeFourFeatures({ c: { owns: ['src/c/**', 'src/a/config.ts'] } }).repo;
  recordStatus(r, ['a', 'b', 'c', 'd']);
  return r;
}

/** Records a failed worktree check of `id` on its branch's tip, as `baton verify` would. */
function failVerify(r: TempRepo, id: string): void {
  recordCheck(r, id, 'check.failed');
}

/** Records a worktree check of `id` on its branch's tip (or `commit`), as `baton verify` would. */
function recordCheck(r: TempRepo, id: string, type: 'check.passed' | 'check.failed', commit?: string): void {
  const failed = {
    v: 1,
    ts: new Date().toISOString(),
    type,
    feature_id: id,
    criterion_id: 'works',
    text: 'it works',
    kind: 'run',
    on: 'worktree',
    message: type === 'check.failed' ? 'exit 1 after 3 ms: broken since' : 'exit 0',
    commit: commit ?? r.git('rev-parse', `baton/${id}`),
  };
  appendFileSync(join(r.root, '.baton', 'log.jsonl'), `${JSON.stringify(failed)}\n`);
}

/**
 * `completeFour` after `baton integrate --into main` stopped at the a × b conflict: stopped once per test
 * process, then copied per test with its integration worktree and log (`cachedState`).
 */
function stoppedAtConflict(): Promise<TempRepo> {
  return cachedState('checked-commit:stopped-at-conflict', async () => {
    const r = completeFour();
    const stop = await runBaton(['integrate', '--into', 'main'], { cwd: r.root });
    expect(stop.code).toBe(1);
    expect(stop.stdout).toContain('Merging baton/b (merge 2 of 4) conflicts');
    return r;
  });
}

/** Resolves the a × b conflict the integration stopped at in its worktree and stages it. */
function resolveConflict(r: TempRepo): string {
  const wt = integrationWorktree(r);
  writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
  r.git('-C', wt, 'add', 'src/routes.ts');
  return wt;
}

describe('integration merges the checked commit', () => {
  it('merges the commit selected, not a commit added to the branch while the integration runs', async () => {
    repo = projectRepo(['f1', 'f2', 'f3'].map((id) => ({ id, criteria: [] })));
    const checked = repo.git('rev-parse', 'baton/f3');
    // A commit nobody checked, put on baton/f3 by the test command after the first merge.
    repo.git('checkout', '-q', 'baton/f3');
    const late = repo.commit('late, unchecked', { 'src/f3/late.ts': '// unchecked\n' });
    repo.git('checkout', '-q', 'main');
    repo.git('update-ref', 'refs/heads/baton/f3', checked);
    const marker = join(repo.root, '..', 'moved');
    const test = `[ -e ${marker} ] || { touch ${marker}; git -C ${repo.root} update-ref refs/heads/baton/f3 ${late}; }`;
    const r = await runBaton(['integrate', '--test', test, '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(repo.git('rev-parse', 'baton/f3')).toBe(late);
    const onMain = repo.git('ls-tree', '-r', '--name-only', 'main');
    expect(onMain).toContain('src/f3/index.ts');
    expect(onMain).not.toContain('src/f3/late.ts');
    const started = logEvents(repo).find((e) => e.type === 'integration.started');
    expect(started?.type === 'integration.started' && started.commits?.f3).toBe(checked);
  });

  it('--continue leaves out a feature that failed its checks while the conflict waited, and --into refuses', async () => {
    repo = await stoppedAtConflict();
    resolveConflict(repo);
    failVerify(repo, 'd');
    const mainBefore = repo.git('rev-parse', 'main');
    const c = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(c.code).toBe(1);
    expect(c.stdout).toContain('not merged: d (failed-checks: no longer passes: works: exit 1 after 3 ms');
    expect(c.stdout).toContain('main left where it was: not every selected feature was merged');
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
    const merged = logEvents(repo).flatMap((e) => (e.type === 'merge.clean' ? [e.feature_id] : []));
    expect(merged).toEqual(['a', 'b', 'c']);
  });

  it('--continue keeps --into from moving when a feature merged before no longer passes', async () => {
    repo = await stoppedAtConflict();
    resolveConflict(repo);
    failVerify(repo, 'a');
    const mainBefore = repo.git('rev-parse', 'main');
    const c = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(c.code).toBe(1);
    expect(c.stdout).toContain('main left where it was: merged before, no longer passing: a (works: exit 1');
    // The start over it offers keeps the test command and the branch this --continue named.
    expect(c.stdout).toContain(
      'Fix them and integrate again from the start: baton integrate --fresh --test true --into main.',
    );
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
  });

  // Both on one hand-committed resolution, put back to it between them (each used to stop on its own).
  it('refuses a merge committed by hand that brings another branch along; a hand-committed merge with a commit on top: the hint keeps the merge and drops only what is on top', async () => {
    repo = await stoppedAtConflict();
    const wt = resolveConflict(repo);
    const id = ['-c', 'user.name=t', '-c', 'user.email=t@t'];
    repo.git('-C', wt, ...id, 'commit', '-q', '--no-edit');
    const merge = repo.git('-C', wt, 'rev-parse', 'HEAD');

    // A merge committed by hand that brings another branch along.
    repo.git('-C', wt, ...id, 'merge', '-q', '--no-edit', 'baton/d');
    const along = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(along.code).toBe(1);
    expect(along.stderr).toContain('is not the merge of baton/b at');
    expect(along.stderr).toContain('[integrate/wrong-merge]');
    expect(along.stderr).toContain(`git -C ${wt} reset --hard`);
    repo.git('-C', wt, 'reset', '-q', '--hard', merge);

    // The hand-committed merge with a commit on top.
    writeFileSync(join(wt, 'extra.txt'), 'x\n');
    repo.git('-C', wt, 'add', 'extra.txt');
    repo.git('-C', wt, ...id, 'commit', '-q', '-m', 'extra');
    const c = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('[integrate/wrong-merge]');
    expect(c.stderr).toContain(`${merge.slice(0, 10)} is that merge, with 1 commit(s) on top of it`);
    expect(c.stderr).toContain(`git -C ${wt} reset --hard ${merge.slice(0, 12)}`);
    expect(c.stderr).not.toContain('merge --no-ff');
    // Following the hint keeps the resolution: the merge is accepted as it is.
    repo.git('-C', wt, 'reset', '-q', '--hard', merge);
    const ok = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(repo.git('-C', wt, 'show', 'HEAD~2:src/routes.ts')).toContain('route a and b');
  });

  it('does not accept a resolving agent that merges another branch too', async () => {
    repo = completeFour();
    const script = join(repo.root, '..', 'resolve.sh');
    writeFileSync(
      script,
      [
        'set -e',
        'for f in $BATON_CONFLICT_FILES; do grep -v "^[<=>|]\\{7\\}" "$f" > "$f.tmp"; mv "$f.tmp" "$f"; git add "$f"; done',
        'git -c user.name=x -c user.email=x@x commit -q --no-edit',
        'git -c user.name=x -c user.email=x@x merge -q --no-edit baton/d',
      ].join('\n'),
    );
    writeFileSync(
      join(repo.root, 'baton.config.json'),
      JSON.stringify({ agent: { command: `sh ${script}` } }),
    );
    repo.commit('config');
    const mainBefore = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--on-conflict', 'agent', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("the resolving agent's work was not accepted");
    expect(logEvents(repo).find((e) => e.type === 'integration.ended')).toMatchObject({
      outcome: 'conflict',
    });
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);
  });

  it('a --continue refused for an unresolved path changes nothing: the next one judges every feature again', async () => {
    repo = await stoppedAtConflict();
    const wt = integrationWorktree(repo);
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    failVerify(repo, 'd');
    const refused = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[integrate/unresolved]');
    expect(logEvents(repo).filter((e) => e.type === 'merge.skipped')).toEqual([]);
    recordCheck(repo, 'd', 'check.passed');
    repo.git('-C', wt, 'add', 'src/routes.ts');
    const c = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toMatch(/Integration clean in .*: 4 of 4 merged/);
  });

  it('--continue merges the recorded commit of a feature verified on a newer one since, and says so', async () => {
    repo = await stoppedAtConflict();
    const recorded = repo.git('rev-parse', 'baton/d');
    resolveConflict(repo);
    repo.git('checkout', '-q', 'baton/d');
    const newer = repo.commit('d: more', { 'src/d/more.ts': 'export const more = 1;\n' });
    repo.git('checkout', '-q', 'main');
    recordCheck(repo, 'd', 'check.passed', newer);
    const c = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toContain(
      `d was checked on ${newer.slice(0, 10)} since this integration began; it merges ${recorded.slice(0, 10)}`,
    );
    const onMain = repo.git('ls-tree', '-r', '--name-only', 'main');
    expect(onMain).toContain('src/d/index.ts');
    expect(onMain).not.toContain('src/d/more.ts');
  });
});

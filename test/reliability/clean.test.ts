import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CleanDecision, decideClean, removeTargets } from '../../src/clean/clean.js';
import { type CleanTarget, inspectCleanTargets } from '../../src/clean/inspect.js';
import { processInfo } from '../../src/guard/proc.js';
import { initialState } from '../../src/log/fold.js';
import { runBaton } from '../rig/cli.js';
import { holdRunLock } from '../rig/dead-run.js';
import type { TempRepo } from '../rig/repo.js';
import {
  addFeatureWorktree,
  appendLog,
  batonBranches,
  checkoutSnapshot,
  commitIn,
  projectRepo,
  worktreeList,
  worktreePath,
  writeIn,
} from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** Records in the log an integration on baton/integration that ended with `outcome`. */
function integrationEnded(r: TempRepo, outcome: 'clean' | 'tests-failed'): void {
  const ts = new Date().toISOString();
  const worktree = worktreePath(r, 'integration');
  appendLog(r, [
    { v: 1, ts, type: 'integration.started', branch: 'baton/integration', worktree, order: ['a'] },
    {
      v: 1,
      ts,
      type: 'integration.ended',
      outcome,
      duration_ms: 1,
      commit: r.git('rev-parse', 'baton/integration'),
    },
  ]);
}

/** Three features: `a` with nothing of its own, `b` with an uncommitted file, `c` with an unmerged commit. */
function threeFeatures(): TempRepo {
  const r = projectRepo(['a', 'b', 'c']);
  // Installed dependencies are ignored files: they make a worktree large, not dirty.
  writeIn(addFeatureWorktree(r, 'a'), { 'node_modules/pkg/index.js': 'x'.repeat(120_000) });
  writeIn(addFeatureWorktree(r, 'b'), { 'src/b/new.ts': 'export const b = 1;\n', 'src/b/more.ts': '//\n' });
  commitIn(r, addFeatureWorktree(r, 'c'), 'c work', { 'src/c/index.ts': 'export const c = 1;\n' });
  return r;
}

describe('a worktree left on a detached HEAD', () => {
  it("is judged as the feature's own when its branch is gone: holding nothing of its own, it is removed", async () => {
    repo = projectRepo(['a']);
    const wt = addFeatureWorktree(repo, 'a');
    repo.git('-C', wt, 'checkout', '-q', '--detach');
    repo.git('branch', '-D', 'baton/a');
    const head = repo.git('-C', wt, 'rev-parse', 'HEAD');
    const r = await runBaton(['clean', 'a'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`a  worktree ${wt} (on a detached HEAD at ${head.slice(0, 10)})`);
    expect(r.stdout).not.toContain('no worktree or branch to clean');
    expect(existsSync(wt)).toBe(false);
  });
});

describe('two cleans at once', () => {
  it('the second refuses while the first holds its lock, as run does; the lock goes when it ends', async () => {
    repo = threeFeatures();
    // Another clean, live: a process of ours holding .baton/clean.lock.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => other.once('spawn', r));
      const pid = other.pid as number;
      mkdirSync(join(repo.root, '.baton'), { recursive: true });
      const holder = {
        pid,
        process_started_ms: processInfo(pid)?.startMs,
        since: new Date().toISOString(),
        command: 'clean',
      };
      writeFileSync(join(repo.root, '.baton', 'clean.lock'), `${JSON.stringify(holder)}\n`);
      for (const args of [['clean', '--force', 'a'], ['run']]) {
        const r = await runBaton(args, { cwd: repo.root });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toContain(`another Baton is running (pid ${pid}`);
        expect(r.stderr).toContain('[lock/busy]');
      }
      expect(existsSync(worktreePath(repo, 'a'))).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
    // Its holder gone, the lock is stale: taken over, and released when the clean ends.
    await new Promise((r) => setTimeout(r, 100));
    const r = await runBaton(['clean', '--force', 'a'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(worktreePath(repo, 'a'))).toBe(false);
    expect(existsSync(join(repo.root, '.baton', 'clean.lock'))).toBe(false);
  });
});

describe('baton clean', () => {
  it('refuses, naming them, a worktree with an uncommitted file and one with an unmerged commit; removes them with --force', async () => {
    repo = threeFeatures();
    const before = checkoutSnapshot(repo);
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Removed 1 \(freed \d+(\.\d)? KB\):$/m);
    expect(r.stdout).toMatch(/^ {2}a {2}worktree .*repo\.baton-worktrees\/a, branch baton\/a$/m);
    expect(r.stdout).toContain('Refused 2');
    expect(r.stdout).toMatch(/^ {2}b {2}uncommitted: src\/b\/more\.ts \(\+1 more\)$/m);
    expect(r.stdout).toMatch(/^ {2}c {2}1 commit not merged into main$/m);
    expect(r.stdout).toContain('`baton clean --force b c`');
    expect(batonBranches(repo)).toEqual(['baton/b', 'baton/c']);
    expect(existsSync(worktreePath(repo, 'a'))).toBe(false);
    expect(existsSync(worktreePath(repo, 'b'))).toBe(true);
    expect(existsSync(worktreePath(repo, 'c'))).toBe(true);

    // A script sees each branch's tip too, so it can restore what --force discards.
    const plan = await runBaton(['clean', '--force', '--dry-run', '--json'], { cwd: repo.root });
    const removed = JSON.parse(plan.stdout).removed as Array<{ feature_id: string; tip: string | null }>;
    expect(removed.find((d) => d.feature_id === 'c')?.tip).toBe(repo.git('rev-parse', 'baton/c'));
    const forced = await runBaton(['clean', '--force'], { cwd: repo.root });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('Removed 2');
    expect(forced.stdout).toContain('forced, discarding: uncommitted: src/b/more.ts (+1 more)');
    expect(forced.stdout).toMatch(
      /branch baton\/c; its tip [0-9a-f]{40} is kept as refs\/baton\/clean-backup\/c\/[0-9a-f]{40} \(git branch baton\/c [0-9a-f]{40} restores it\) — forced, discarding: 1 commit not merged into main$/m,
    );
    expect(batonBranches(repo)).toEqual([]);
    expect(worktreeList(repo)).toEqual([repo.root]);
    expect(checkoutSnapshot(repo)).toEqual(before);
  });

  it('refuses local edits git status hides (skip-worktree, assume-unchanged), as uncommitted work', async () => {
    repo = projectRepo(['a', 'b']);
    const a = addFeatureWorktree(repo, 'a');
    const b = addFeatureWorktree(repo, 'b');
    execFileSync('git', ['update-index', '--skip-worktree', 'README.md'], { cwd: a });
    execFileSync('git', ['update-index', '--assume-unchanged', 'README.md'], { cwd: b });
    writeIn(a, { 'README.md': 'my local settings\n' });
    writeIn(b, { 'README.md': 'mine too\n' });
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}a {2}uncommitted: README\.md$/m);
    expect(r.stdout).toMatch(/^ {2}b {2}uncommitted: README\.md$/m);
    expect(existsSync(join(a, 'README.md')) && existsSync(join(b, 'README.md'))).toBe(true);
  });

  it('judges marked symbolic links by their target: an unchanged one is no change, and one to a folder hides no edit', async () => {
    repo = projectRepo(['c', 'd', 'e']);
    repo.write({ 'conf.txt': 'base\n', 'lib/x.txt': 'x\n' });
    symlinkSync('lib', join(repo.root, 'lib-link'));
    symlinkSync('conf.txt', join(repo.root, 'conf-link'));
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'links');
    const c = addFeatureWorktree(repo, 'c');
    const d = addFeatureWorktree(repo, 'd');
    // c: a link to a folder marked beside an edited marked file; d: an unchanged marked link only.
    execFileSync('git', ['update-index', '--assume-unchanged', 'lib-link', 'conf.txt'], { cwd: c });
    writeIn(c, { 'conf.txt': 'local\n' });
    execFileSync('git', ['update-index', '--skip-worktree', 'conf-link'], { cwd: d });
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.stdout).toMatch(/^ {2}c {2}uncommitted: conf\.txt$/m);
    expect(r.stdout).toMatch(/^ {2}d {2}worktree /m);
    expect(readFileSync(join(c, 'conf.txt'), 'utf8')).toBe('local\n');
    // A marked file whose folder became a file: counted as changed, in one line, never a stack trace.
    const e = addFeatureWorktree(repo, 'e');
    execFileSync('git', ['update-index', '--skip-worktree', 'lib/x.txt'], { cwd: e });
    rmSync(join(e, 'lib'), { recursive: true });
    writeFileSync(join(e, 'lib'), 'now a file\n');
    const again = await runBaton(['clean', '--dry-run'], { cwd: repo.root });
    expect(again.stderr).not.toContain('internal error');
    expect(again.stdout).toMatch(/^ {2}e {2}uncommitted: /m);
  });

  it('clean refuses, even with --force, a worktree folder that is a symbolic link (git would empty what it points to), and verify runs nothing there', async () => {
    repo = projectRepo(['a']);
    const a = addFeatureWorktree(repo, 'a');
    // The worktree moved elsewhere, the user's own files beside it, and a link left in its place.
    const elsewhere = join(repo.root, '..', 'precious');
    renameSync(a, elsewhere);
    writeIn(elsewhere, { 'mine.txt': 'keep me\n' });
    symlinkSync(elsewhere, a);
    for (const args of [
      ['clean', 'a'],
      ['clean', '--force', 'a'],
    ]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(
        `its worktree folder ${a} is a symbolic link (to ${elsewhere}): clean removes nothing through it`,
      );
    }
    expect(readFileSync(join(elsewhere, 'mine.txt'), 'utf8')).toBe('keep me\n');
    expect(batonBranches(repo)).toEqual(['baton/a']);
    // verify runs no check through it either (it would judge the other folder's files).
    const verify = await runBaton(['verify', 'a'], { cwd: repo.root });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(
      `the worktree of a, ${a}, is a symbolic link (to ${elsewhere}): Baton runs no check through it [verify/worktree-symlink]`,
    );
  });

  it('counts a branch merged into baton/integration as merged, and --merged removes exactly the merged ones', async () => {
    repo = projectRepo(['a', 'b', 'c', 'd']);
    const a = addFeatureWorktree(repo, 'a');
    commitIn(repo, a, 'a work', { 'src/a/index.ts': 'a\n' });
    commitIn(repo, addFeatureWorktree(repo, 'b'), 'b work', { 'src/b/index.ts': 'b\n' });
    addFeatureWorktree(repo, 'c'); // nothing beyond the base: merged
    const d = addFeatureWorktree(repo, 'd');
    commitIn(repo, d, 'd work', { 'src/d/index.ts': 'd\n' });
    repo.git('branch', 'baton/integration', 'main');
    repo.git(
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'merge',
      '-q',
      '--no-ff',
      'baton/a',
      '-m',
      'merge a',
    );
    repo.git('branch', '-f', 'baton/integration', 'HEAD');
    repo.git('reset', '-q', '--hard', 'HEAD~1'); // main back where it was; a lives only in integration
    writeIn(d, { 'src/d/extra.ts': 'uncommitted\n' });
    repo.git('-C', d, 'merge', '-q', 'baton/integration', '--no-edit'); // d now contains integration too
    integrationEnded(repo, 'clean');

    const dry = await runBaton(['clean', '--merged', '--dry-run', '--json'], { cwd: repo.root });
    const plan = JSON.parse(dry.stdout);
    expect(plan.merge_targets).toEqual(['baton/integration', 'main']);
    expect(plan.removed.map((x: { feature_id: string }) => x.feature_id)).toEqual(['a', 'c']);
    expect(
      plan.kept.map((x: { feature_id: string; reasons: string[] }) => [x.feature_id, x.reasons]),
    ).toEqual([
      ['b', ['1 commit not merged into baton/integration or main']],
      ['d', ['2 commits not merged into baton/integration or main']], // its work and the merge of integration
    ]);
    expect(plan.refused).toEqual([]);
    expect(dry.code).toBe(0);
    expect(batonBranches(repo)).toEqual(['baton/a', 'baton/b', 'baton/c', 'baton/d', 'baton/integration']);

    const r = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(batonBranches(repo)).toEqual(['baton/b', 'baton/d', 'baton/integration']);
    expect(existsSync(worktreePath(repo, 'b'))).toBe(true);
  });

  it('does not count an integration that failed its tests: what was merged there only is kept', async () => {
    repo = projectRepo(['a']);
    commitIn(repo, addFeatureWorktree(repo, 'a'), 'a work', { 'src/a/index.ts': 'a\n' });
    repo.git('branch', 'baton/integration', 'baton/a');
    integrationEnded(repo, 'tests-failed');
    const r = await runBaton(['clean', '--merged'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}a {2}1 commit not merged into main$/m);
    expect(batonBranches(repo)).toEqual(['baton/a', 'baton/integration']);
  });

  it('leaves the integration worktree alone unless named or --all, and refuses it while it holds unmerged merges', async () => {
    repo = projectRepo(['a']);
    commitIn(repo, addFeatureWorktree(repo, 'a'), 'a work', { 'src/a/index.ts': 'a\n' });
    const integration = worktreePath(repo, 'integration');
    repo.git('worktree', 'add', '-q', '-b', 'baton/integration', integration, 'main');
    repo.git(
      '-C',
      integration,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'merge',
      '-q',
      '--no-ff',
      'baton/a',
      '-m',
      'merge a',
    );
    integrationEnded(repo, 'clean');

    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}a {2}worktree /m);
    expect(existsSync(integration)).toBe(true);
    const left = `Left in place: the integration (worktree ${integration}, branch baton/integration); \`baton clean integration\` or \`baton clean --all\` removes it too.`;
    expect(r.stdout).toContain(left);
    // Once the features are gone, "nothing to clean" does not hide the integration still there.
    const again = await runBaton(['clean'], { cwd: repo.root });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to clean: no baton/* feature worktrees or branches.');
    expect(again.stdout).toContain(left);

    const named = await runBaton(['clean', 'integration'], { cwd: repo.root });
    expect(named.code).toBe(1);
    expect(named.stdout).toMatch(/integration {2}2 commits not merged into main$/m);
    const all = await runBaton(['clean', '--all', '--force'], { cwd: repo.root });
    expect(all.code).toBe(0);
    expect(existsSync(integration)).toBe(false);
    expect(batonBranches(repo)).toEqual([]);
  });

  it('names the known ids when an id is unknown, from the plan and from baton/* branches', async () => {
    repo = projectRepo(['alpha', 'beta']);
    repo.git('branch', 'baton/gamma', 'main');
    const r = await runBaton(['clean', 'nope'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown feature: nope; known ids: alpha, beta, gamma, integration');
    const absent = await runBaton(['clean', 'alpha'], { cwd: repo.root });
    expect(absent.code).toBe(0);
    expect(absent.stdout).toContain('alpha: no worktree or branch to clean');
  });

  it('never removes a branch checked out in the main checkout, nor the worktree it is run from, even with --force', async () => {
    repo = projectRepo(['a', 'b']);
    const b = addFeatureWorktree(repo, 'b');
    repo.git('switch', '-q', '-c', 'baton/a');
    const before = checkoutSnapshot(repo);
    // A main checkout on a Baton branch is no base: one is named (clean-base.test.ts has the refusal without).
    const r = await runBaton(['clean', '--force', '--base', 'main'], { cwd: b });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}a {2}it is checked out in your main checkout /m);
    expect(r.stdout).toMatch(/^ {2}b {2}you are inside it /m);
    expect(r.stdout).not.toContain('hint:');
    expect(batonBranches(repo)).toEqual(['baton/a', 'baton/b']);
    expect(existsSync(b)).toBe(true);
    expect(checkoutSnapshot(repo)).toEqual(before);
  });

  it('prints a file name an agent chose with its control characters escaped', async () => {
    repo = projectRepo(['a']);
    writeIn(addFeatureWorktree(repo, 'a'), { 'evil\u001b[31mred.ts': 'x\n' });
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toMatch(/^ {2}a {2}uncommitted: evil\\(x1b|u001b|e)\[31mred\.ts$/m);
  });

  it('--dry-run changes nothing and says what it would do', async () => {
    repo = threeFeatures();
    const r = await runBaton(['clean', '--dry-run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Would remove 1');
    expect(batonBranches(repo)).toEqual(['baton/a', 'baton/b', 'baton/c']);
    expect(worktreeList(repo)).toHaveLength(4);
  });

  it('prunes a worktree whose folder was deleted by hand and deletes its merged branch', async () => {
    repo = projectRepo(['a']);
    rmSync(addFeatureWorktree(repo, 'a'), { recursive: true, force: true });
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(folder already gone)');
    expect(batonBranches(repo)).toEqual([]);
    expect(worktreeList(repo)).toEqual([repo.root]);
  });

  it('says a folder whose .git file was deleted is no longer a worktree, not that it is gone, and removes it only with --force', async () => {
    repo = projectRepo(['a']);
    const a = addFeatureWorktree(repo, 'a');
    rmSync(`${a}/.git`);
    const r = await runBaton(['clean'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`its folder ${a} is no longer a git worktree (it holds no .git)`);
    expect(r.stdout).toContain('`baton clean --force a` removes it');
    expect(r.stdout).not.toContain('folder already gone');
    expect(existsSync(a)).toBe(true);
    expect(batonBranches(repo)).toEqual(['baton/a']);
    const forced = await runBaton(['clean', '--force'], { cwd: repo.root });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('no longer a git worktree: its .git was gone');
    expect(existsSync(a)).toBe(false);
    expect(batonBranches(repo)).toEqual([]);
  });

  it('keeps a folder without .git that is not where Baton puts the worktree, whatever the flags', async () => {
    repo = projectRepo(['a']);
    const elsewhere = join(repo.root, '..', 'elsewhere');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', elsewhere, 'main');
    rmSync(`${elsewhere}/.git`);
    const r = await runBaton(['clean', '--force'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'its folder is no longer a git worktree: its .git file is gone; the folder is kept',
    );
    expect(existsSync(join(elsewhere, 'README.md'))).toBe(true);
    expect(batonBranches(repo)).toEqual([]);
  });

  it('refuses a feature a live run is working on, but not one of a run whose orchestrator is dead', async () => {
    repo = projectRepo(['a']);
    addFeatureWorktree(repo, 'a');
    const started = {
      v: 1,
      ts: new Date().toISOString(),
      run_id: 'r1',
      type: 'run.started',
      feature_ids: ['a'],
      concurrency: 1,
      base: 'main',
      base_commit: repo.git('rev-parse', 'HEAD'),
      mode: 'contract-first',
      pid: process.pid,
    };
    appendLog(repo, [started, { feature_id: 'a', status: 'running' }]);
    holdRunLock(repo.root, 'r1');
    const live = await runBaton(['clean'], { cwd: repo.root });
    expect(live.code).toBe(1);
    expect(live.stdout).toContain(`a  run r1 is working on it (status running, baton pid ${process.pid})`);

    appendLog(repo, [
      { ...started, run_id: 'r2', pid: 2 ** 22 + 17 },
      { feature_id: 'a', status: 'running' },
    ]);
    const dead = await runBaton(['clean'], { cwd: repo.root });
    expect(dead.code).toBe(0);
    expect(batonBranches(repo)).toEqual([]);
  });

  it('keeps a branch that moved after it was inspected', async () => {
    repo = projectRepo(['a']);
    const a = addFeatureWorktree(repo, 'a');
    const { targets } = await inspectCleanTargets({
      root: repo.root,
      cwd: repo.root,
      state: initialState(),
      alive: () => false,
    });
    const decisions = decideClean(targets, { force: false, merged: false });
    expect(decisions.map((d) => d.action)).toEqual(['remove']);
    // A commit lands on the branch from elsewhere between the check and the removal.
    repo.git('branch', 'side', 'baton/a');
    const moved = commitIn(repo, a, 'late work', { 'late.ts': 'x\n' });
    rmSync(a, { recursive: true, force: true }); // and the folder goes, so only the branch is at stake
    repo.git('worktree', 'prune');
    const t = targets[0]!;
    const results = await removeTargets(repo.root, [
      {
        ...(decisions[0] as Extract<CleanDecision, { action: 'remove' }>),
        target: (({ worktree: _gone, ...rest }) => rest)(t),
      },
    ]);
    expect(results[0]?.deletedBranch).toBe(false);
    expect(results[0]?.error).toContain('baton/a moved since it was checked');
    expect(repo.git('rev-parse', 'baton/a')).toBe(moved);
  });
});

describe('decideClean', () => {
  const target = (fields: Partial<CleanTarget>): CleanTarget => ({
    id: 'x',
    kind: 'feature',
    branch: 'baton/x',
    tip: 'abc',
    dirty: [],
    unmerged: 0,
    mergeTargets: ['main'],
    ...fields,
  });
  const cases: Array<[string, Partial<CleanTarget>, { force: boolean; merged: boolean }, string, string[]]> =
    [
      ['clean and merged', {}, { force: false, merged: false }, 'remove', []],
      ['dirty', { dirty: ['a.ts'] }, { force: false, merged: false }, 'refuse', ['uncommitted: a.ts']],
      [
        'dirty, forced',
        { dirty: ['a.ts', 'b.ts'] },
        { force: true, merged: false },
        'remove',
        ['uncommitted: a.ts (+1 more)'],
      ],
      [
        'unmerged',
        { unmerged: 3 },
        { force: false, merged: false },
        'refuse',
        ['3 commits not merged into main'],
      ],
      [
        'unmerged with --merged',
        { unmerged: 3 },
        { force: false, merged: true },
        'keep',
        ['3 commits not merged into main'],
      ],
      [
        'unmerged with --merged --force',
        { unmerged: 1 },
        { force: true, merged: true },
        'keep',
        ['1 commit not merged into main'],
      ],
      [
        'merged but dirty with --merged',
        { dirty: ['a.ts'] },
        { force: false, merged: true },
        'refuse',
        ['uncommitted: a.ts'],
      ],
      [
        'both',
        { dirty: ['a.ts'], unmerged: 2 },
        { force: false, merged: false },
        'refuse',
        ['uncommitted: a.ts', '2 commits not merged into main'],
      ],
      [
        'protected, forced',
        { protected: 'it is checked out in your main checkout /r' },
        { force: true, merged: false },
        'refuse',
        ['it is checked out in your main checkout /r'],
      ],
      [
        'busy',
        { busy: 'run r1 is working on it' },
        { force: false, merged: false },
        'refuse',
        ['run r1 is working on it'],
      ],
      [
        'unreadable',
        { unreadable: 'not a git repository' },
        { force: false, merged: false },
        'refuse',
        ['git cannot read its status: not a git repository'],
      ],
      [
        'locked',
        { worktree: { path: '/w', exists: true, locked: true } },
        { force: false, merged: false },
        'refuse',
        ['its worktree is locked (git worktree unlock /w)'],
      ],
    ];
  it.each(cases)('%s', (_name, fields, options, action, reasons) => {
    const [d] = decideClean([target(fields)], options);
    expect(d?.action).toBe(action);
    expect(d?.reasons).toEqual(reasons);
  });
});

import {
  appendFileSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import { processInfo } from '../../src/guard/proc.js';
import type { BatonEvent } from '../../src/log/events.js';
import { runBaton, runBatonProcess } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { cachedRepo, cachedState, makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import {
  checkoutSnapshot,
  featureBranch,
  lines,
  logEvents,
  makeFourFeatures,
  projectRepo,
  recordStatus,
} from './fixture.js';

/**
 * `baton integrate --continue` acts on nothing the log names without proving it: any process can
 * append an `integration.started`, and a killed Baton's integration folder can be swapped for a link.
 */
let repo: TempRepo | undefined;
const leftRunning: number[] = [];
afterEach(() => {
  for (const pid of leftRunning.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  repo?.cleanup();
  repo = undefined;
});

const integrationWorktree = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');

function append(r: TempRepo, ...events: object[]): void {
  appendFileSync(join(r.root, '.baton', 'log.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
}

/** Runs `baton integrate` as a real process whose test command kills it (kill -9) after merging `after`. */
function killedAfter(r: TempRepo, after: string, extra: string[] = []): void {
  const killer = `if [ "$BATON_AFTER_FEATURE" = ${after} ]; then kill -9 $PPID; fi; true`;
  const killed = runBatonProcess(['integrate', ...extra, '--test', killer], { cwd: r.root });
  expect(killed.code).not.toBe(0);
  expect(logEvents(r).map((e) => e.type)).not.toContain('integration.ended');
}

/**
 * Features f1 and f2 whose `baton integrate` was killed (kill -9) after merging f1: killed once per test
 * process, then copied per test with its integration worktree and log (`cachedState`).
 */
function killedAfterF1(): Promise<TempRepo> {
  return cachedState('continue-proof:killed-after-f1', () => {
    const r = projectRepo([{ id: 'f1' }, { id: 'f2' }]);
    killedAfter(r, 'f1');
    return r;
  });
}

/** The real `integration.started` and `merge.clean` lines of the killed integration. */
function recorded(r: TempRepo): { started: BatonEvent; merges: BatonEvent[] } {
  const events = logEvents(r);
  const started = events.findLast((e) => e.type === 'integration.started') as BatonEvent;
  return { started, merges: events.filter((e) => e.type === 'merge.clean') };
}

/** The error's code, from the `baton: … [code]` line. */
const codeOf = (stderr: string) => /\[([a-z-]+\/[a-z-]+)\]/.exec(stderr)?.[1];

describe('baton integrate --continue proves what the log says before acting on it', () => {
  it('refuses a forged integration.started naming the main checkout: no test runs, main gets no merge', async () => {
    repo = projectRepo([{ id: 'alpha' }]);
    const pwned = join(repo.root, '..', 'PWNED');
    const main = repo.git('rev-parse', 'main');
    const before = checkoutSnapshot(repo);
    append(repo, {
      v: 1,
      ts: new Date().toISOString(),
      type: 'integration.started',
      branch: 'baton/integration',
      worktree: repo.root,
      order: ['alpha'],
      base_commit: main,
      commits: { alpha: repo.git('rev-parse', 'baton/alpha') },
      test: `touch ${pwned}; true`,
      on_conflict: 'stop',
    });
    const r = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/worktree-unproven');
    expect(r.stderr.split('\n')[0]).toBe(
      'baton: no integration worktree: no linked worktree has baton/integration checked out; Baton integrates only in the worktree git registered for baton/integration, and did nothing [integrate/worktree-unproven]',
    );
    expect(existsSync(pwned)).toBe(false);
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(checkoutSnapshot(repo)).toEqual(before);
  });

  it('takes neither the test command nor the conflict policy from the log, only from the flags and the config', async () => {
    // x and y edit the same line: y conflicts once x is merged.
    repo = cachedRepo('continue-proof-conflict', () => {
      const r = makeRepo({
        '.gitignore': '.baton/\n',
        'baton.config.json': '{}\n',
        'shared.txt': lines(3),
        ...contractFiles([
          { id: 'x', owns: ['shared.txt'] },
          { id: 'y', owns: ['shared.txt'] },
        ]),
      });
      featureBranch(r, 'x', { 'shared.txt': lines(3, { 1: 'x' }) });
      featureBranch(r, 'y', { 'shared.txt': lines(3, { 1: 'y' }) });
      recordStatus(r, ['x', 'y']);
      return r;
    });
    killedAfter(repo, 'x');
    const { started, merges } = recorded(repo);
    const pwned = join(repo.root, '..', 'PWNED');
    // Appended after the real lines, the same integration but for its test command and policy.
    append(repo, {
      ...started,
      ts: new Date().toISOString(),
      test: `touch ${pwned}; true`,
      on_conflict: 'skip',
    });
    append(repo, ...merges);
    // No --test and none in the config: refused, rather than merging the rest untested.
    const refused = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(existsSync(pwned)).toBe(false);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[integrate/test-unnamed]');
    expect(refused.stderr).toContain(`baton integrate --continue --test 'touch ${pwned}; true'`);
    const r = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(existsSync(pwned)).toBe(false);
    // The config has no policy: y stops at its conflict (`stop`), not skipped.
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'Merging baton/y (merge 2 of 2) conflicts in 1 file(s) with x, already merged:',
    );
    expect(r.stdout).toContain(
      `note: the integration began with the test command \`touch ${pwned}; true\`; this --continue runs \`true\`, as its --test asks`,
    );
    expect(logEvents(repo).filter((e) => e.type === 'merge.skipped')).toEqual([]);
  });

  it('refuses a recorded commit that the feature’s own branch does not hold, naming the feature', async () => {
    repo = await killedAfterF1();
    const { started, merges } = recorded(repo);
    repo.git('checkout', '-q', '-b', 'evil', 'main');
    const evil = repo.commit('not f2’s work', { 'src/evil.txt': 'evil\n' });
    repo.git('checkout', '-q', 'main');
    const commits = (started as { commits: Record<string, string> }).commits;
    append(repo, { ...started, ts: new Date().toISOString(), commits: { ...commits, f2: evil } }, ...merges);
    const r = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/recorded-commit');
    expect(r.stderr).toContain(`the log records commit ${evil} for f2, which baton/f2 does not hold`);
    // The start over it offers runs the test command this --continue was given.
    expect(r.stderr).toContain(
      'start over with `baton integrate --fresh --test true`, which takes its commit now',
    );
    expect(repo.git('branch', '--contains', evil, '--format=%(refname:short)')).toBe('evil');
  });

  it('refuses a feature still to merge whose branch baton clean removed, naming the backup that puts it back', async () => {
    repo = await killedAfterF1();
    const f2 = repo.git('rev-parse', 'baton/f2');
    const cleaned = await runBaton(['clean', '--force', 'f2'], { cwd: repo.root });
    expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
    // status and doctor say so too, instead of offering the --continue that refuses.
    const kept = `refs/baton/clean-backup/f2/${f2}`;
    const advice = `baton/f2, which it has still to merge, no longer exists (\`baton clean\` removes a feature's branch): put it back from the tip baton clean kept (git branch baton/f2 ${kept}), then run \`baton integrate --continue --test`;
    const status = await runBaton(['status'], { cwd: repo.root });
    expect(status.stdout).toContain(advice);
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      integration: { branches_gone: string[]; command: string };
    };
    expect(json.integration.branches_gone).toEqual(['baton/f2']);
    expect(json.integration.command).toMatch(/^baton integrate --fresh --test /);
    const doctor = JSON.parse((await runBaton(['doctor', '--json'], { cwd: repo.root })).stdout) as {
      checks: Array<{ name: string; hint?: string }>;
    };
    expect(doctor.checks.find((c) => c.name === 'last integration')?.hint).toContain(
      'which it has still to merge, no longer exists',
    );
    const r = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/branch-gone');
    expect(r.stderr).toContain('baton/f2, which this integration has still to merge, no longer exists');
    expect(r.stderr).not.toContain('something other than Baton wrote');
    const put = `git branch baton/f2 refs/baton/clean-backup/f2/${f2}`;
    expect(r.stderr).toContain(put);
    expect(r.stderr).toContain('or start over without it: `baton integrate --fresh --test true`');
    // The command it names puts the branch back, and the --continue then goes on.
    repo.git(...put.split(' ').slice(1));
    const again = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('refuses a recorded order naming a feature not in the plan; its start over keeps the features, --test and --into', async () => {
    repo = await killedAfterF1();
    const { started, merges } = recorded(repo);
    const order = (started as { order: string[] }).order;
    append(repo, { ...started, ts: new Date().toISOString(), order: [...order, 'ghost'] }, ...merges);
    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/unknown-feature');
    expect(r.stderr).toContain('names feature ghost, which is not in the plan; --continue did nothing');
    expect(r.stderr).toContain('Start over with `baton integrate --fresh --test true --into main`.');
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });

  it('refuses to go on with a stopped merge whose feature no longer passes; its start over keeps the features, --test and --into', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    const flags = ['--test', 'true', '--into', 'main'];
    const stop = await runBaton(['integrate', 'a', 'b', ...flags], { cwd: repo.root });
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    const wt = integrationWorktree(repo);
    // A later verify of b's commit failed.
    append(repo, {
      v: 1,
      ts: new Date().toISOString(),
      type: 'check.failed',
      feature_id: 'b',
      criterion_id: 'owns',
      text: 'changes stay inside owns',
      kind: 'files',
      on: 'worktree',
      message: 'a file outside owns',
      commit: repo.git('rev-parse', 'baton/b'),
    });
    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--continue', ...flags], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/no-longer-passes');
    expect(r.stderr).toContain(
      `Fix it, then start over: git -C ${printableArg(wt)} merge --abort && baton integrate a b --fresh --test true --into main`,
    );
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });

  it('refuses an integration folder replaced by a symlink to the main checkout, with no git command through it', async () => {
    repo = await killedAfterF1();
    const wt = integrationWorktree(repo);
    rmSync(wt, { recursive: true, force: true });
    symlinkSync(repo.root, wt);
    const main = repo.git('rev-parse', 'main');
    const before = checkoutSnapshot(repo);
    const r = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/worktree-unproven');
    expect(r.stderr).toContain(`the integration worktree ${wt} is a symbolic link (to ${repo.root})`);
    expect(r.stderr).not.toContain('reset --hard');
    expect(r.stderr).not.toContain('git -C');
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(checkoutSnapshot(repo)).toEqual(before);

    // The hint's way on: move the link away, prune, start over.
    expect(r.stderr).toContain(
      'then run `git worktree prune` and start over with `baton integrate --fresh --test true`',
    );
    renameSync(wt, `${wt}.moved`);
    repo.git('worktree', 'prune');
    const fresh = await runBaton(['integrate', '--fresh', '--test', 'true'], { cwd: repo.root });
    expect(fresh.code).toBe(0);
    expect(checkoutSnapshot(repo)).toEqual(before);
  });

  it('--fresh does not reuse an integration folder replaced by a symlink to another repository', async () => {
    repo = await killedAfterF1();
    const elsewhere = makeRepo({ 'theirs.txt': 'theirs\n' });
    try {
      const wt = integrationWorktree(repo);
      rmSync(wt, { recursive: true, force: true });
      symlinkSync(elsewhere.root, wt);
      const theirs = {
        head: elsewhere.git('rev-parse', 'HEAD'),
        status: elsewhere.git('status', '--porcelain'),
      };
      const r = await runBaton(['integrate', '--fresh', '--test', 'true'], { cwd: repo.root });
      expect(r.code).toBe(1);
      expect(codeOf(r.stderr)).toBe('integrate/worktree-unproven');
      expect(r.stderr).toContain(`the integration worktree ${wt} is a symbolic link (to ${elsewhere.root})`);
      expect({
        head: elsewhere.git('rev-parse', 'HEAD'),
        status: elsewhere.git('status', '--porcelain'),
      }).toEqual(theirs);
      expect(elsewhere.git('for-each-ref', '--format=%(refname)')).toBe('refs/heads/main');
    } finally {
      elsewhere.cleanup();
    }
  });

  it('moves the --into branch only when --continue names it again', async () => {
    repo = projectRepo([{ id: 'f1' }, { id: 'f2' }]);
    killedAfter(repo, 'f1', ['--into', 'main']);
    const main = repo.git('rev-parse', 'main');
    // Starting anew is refused with the --continue that would move it.
    // And the test command it began with: `--continue` runs none from the log, so it must be given;
    // read from the log, it comes with a word of caution.
    const again = await runBaton(['integrate'], { cwd: repo.root });
    const test = (recorded(repo).started as { test: string }).test;
    expect(again.stderr).toContain(
      `Run \`baton integrate --continue --test ${printableArg(test)} --into main\` (its --test is the command the integration began with, as the log records it: read it first) to go on with it`,
    );
    const plain = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(plain.code).toBe(1);
    expect(codeOf(plain.stderr)).toBe('integrate/into-unnamed');
    // The hint's commands keep the --test given, so pasting one runs the same tests.
    expect(plain.stderr).toContain('`baton integrate --continue --test true --into main`');
    expect(plain.stderr).toContain('`baton integrate --fresh --test true`');
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(logEvents(repo).filter((e) => e.type === 'integration.tested')).toEqual([]);
    const named = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(named.code).toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
  });
});

describe('a killed integration’s test command', () => {
  it.each([
    ['--continue', ['--continue', '--test', 'true']],
    ['--fresh', ['--fresh', '--test', 'true']],
  ])('is stopped by %s, proven by its mark, before the new tests run', async (_name, args) => {
    repo = projectRepo([{ id: 'f1' }, { id: 'f2' }]);
    const pidFile = join(repo.root, '..', 'test.pid');
    // The test command kills Baton (kill -9), then runs on in its own process group.
    const lingering = `echo $$ > ${pidFile}; kill -9 $PPID; exec sleep 60 >/dev/null 2>&1`;
    const killed = runBatonProcess(['integrate', '--test', lingering], { cwd: repo.root });
    expect(killed.code).not.toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    leftRunning.push(pid);
    expect(processInfo(pid)).toBeDefined();

    const r = await runBaton(['integrate', ...args], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(await until(() => processInfo(pid) === undefined, 5000)).toBe(true);
    expect(r.stdout).toMatch(
      /note: stopped 1 process\(es\) a killed integration left running: pid \d+ \(sleep 60\)/,
    );
  });

  it('leaves a marked process of a live Baton and one of another repository alone', async () => {
    repo = projectRepo([{ id: 'f1' }]);
    const { spawn } = await import('node:child_process');
    const other = spawn('sleep', ['60'], {
      env: { ...process.env, BATON_INTEGRATION_OWNER: '1:0', BATON_INTEGRATION_REPO: '/elsewhere/.git' },
      stdio: 'ignore',
    });
    // A live process stands for the Baton that owns the second one.
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    const ownerPid = owner.pid as number;
    const live = spawn('sleep', ['60'], {
      env: {
        ...process.env,
        BATON_INTEGRATION_OWNER: `${ownerPid}:${processInfo(ownerPid)?.startMs}`,
        BATON_INTEGRATION_REPO: join(repo.root, '.git'),
      },
      stdio: 'ignore',
    });
    leftRunning.push(other.pid as number, live.pid as number, ownerPid);
    const r = await runBaton(['integrate', '--fresh', '--test', 'true'], { cwd: repo.root });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('a killed integration left running');
    expect(processInfo(other.pid as number)).toBeDefined();
    expect(processInfo(live.pid as number)).toBeDefined();
  });
});

describe('the ways back --continue offers', () => {
  it('says uncommitted changes before a moved branch, whose way back (reset --hard) would discard them', async () => {
    repo = await killedAfterF1();
    const wt = integrationWorktree(repo);
    const git = (...args: string[]) => repo?.git('-C', wt, ...args);
    git('commit', '-q', '--allow-empty', '-m', 'by hand');
    appendFileSync(join(wt, 'src', 'f1', 'index.ts'), '// work in progress\n');
    const r = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/worktree-dirty');
    expect(r.stderr).toContain('src/f1/index.ts');
  });

  it('says to save a resolution before the merge --abort that discards a merge the log does not record', async () => {
    repo = await killedAfterF1();
    const wt = integrationWorktree(repo);
    repo.git('-C', wt, 'merge', '-q', '--no-ff', '--no-commit', 'baton/f2');
    const r = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(codeOf(r.stderr)).toBe('integrate/merge-in-progress');
    const save = r.stderr.indexOf(`git -C ${wt} diff HEAD > ${wt}.resolution.patch`);
    expect(save).toBeGreaterThan(0);
    expect(save).toBeLessThan(r.stderr.indexOf(`git -C ${wt} merge --abort`));
  });
});

describe('a killed integration’s conflict-resolving agent', () => {
  it('is stopped by --fresh, proven by the mark the test commands carry', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const pidFile = join(repo.root, '..', 'agent.pid');
    // The agent kills Baton (kill -9), then runs on in its own process group.
    const agent = `echo $$ > ${pidFile}; kill -9 $PPID; exec sleep 60 >/dev/null 2>&1`;
    writeFileSync(join(repo.root, 'baton.config.json'), JSON.stringify({ agent: { command: agent } }));
    repo.commit('config');
    const killed = runBatonProcess(['integrate', '--on-conflict', 'agent'], { cwd: repo.root });
    expect(killed.code).not.toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    leftRunning.push(pid);
    expect(processInfo(pid)).toBeDefined();

    // As the refusal's hint says: discard the half-done merge, then start over.
    repo.git('-C', join(repo.root, '..', 'repo.baton-worktrees', 'integration'), 'merge', '--abort');
    const r = await runBaton(['integrate', '--fresh'], { cwd: repo.root });
    expect(await until(() => processInfo(pid) === undefined, 5000)).toBe(true);
    expect(r.stdout).toMatch(
      /note: stopped 1 process\(es\) a killed integration left running: pid \d+ \(sleep 60\)/,
    );
  });
});

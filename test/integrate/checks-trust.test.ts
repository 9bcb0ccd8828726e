// Nothing reaches the user's branch unless its checks passed on the very commit that is merged: a
// `baton verify` after the run decides the status again, a branch that moved after its checks, checks
// that never ran (`--no-verify`) or ran on uncommitted changes keep a feature out, and so does a
// dependency that is neither merged nor in the base. Real runs of command agents, real git.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { cachedState, makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository with feature `p`, whose agent writes "good" and whose check wants "good". */
function goodFeatureRepo(extra: Parameters<typeof contractFiles>[0] = []): TempRepo {
  const repo = makeGoodFeatureRepo(extra);
  repos.push(repo);
  return repo;
}

function makeGoodFeatureRepo(extra: Parameters<typeof contractFiles>[0] = []): TempRepo {
  return makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': '{}\n',
    ...contractFiles([
      {
        id: 'p',
        agent: { command: 'mkdir -p src/p && echo good > src/p/p.txt' },
        criteria: [{ id: 'good', text: 'p.txt says good', run: 'grep -q good src/p/p.txt' }],
      },
      ...extra,
    ]),
  });
}

/** `goodFeatureRepo()` after a `baton run` (p complete): run once per test process, then copied. */
async function ranGoodFeature(): Promise<TempRepo> {
  const repo = await cachedState('checks-trust:ran-good-feature', async () => {
    const r = makeGoodFeatureRepo();
    expect((await runBaton(['run'], { cwd: r.root })).code).toBe(0);
    return r;
  });
  repos.push(repo);
  return repo;
}

const worktreeOf = (repo: TempRepo, id: string) => join(`${repo.root}.baton-worktrees`, id);

async function statusOf(repo: TempRepo, id: string): Promise<{ status: string; reason?: string }> {
  const r = await runBaton(['status', '--json'], { cwd: repo.root });
  const doc = JSON.parse(r.stdout) as {
    features: Array<{ feature_id: string; status: string; reason?: string }>;
  };
  return doc.features.find((f) => f.feature_id === id)!;
}

describe('checks decide what integrates, on the commit merged', () => {
  it('a verify after the run fails a feature and passes it again; a branch that moved is left out until verified', async () => {
    const repo = await ranGoodFeature();
    const mainBefore = repo.git('rev-parse', 'main');
    const wt = worktreeOf(repo, 'p');
    const commit = (text: string) => {
      writeFileSync(join(wt, 'src/p/p.txt'), `${text}\n`);
      repo.git('-C', wt, 'commit', '-qam', `p says ${text}`);
      return repo.git('-C', wt, 'rev-parse', 'HEAD');
    };

    // The branch moves after its checks passed: not merged, and the reason names both commits.
    const checked = repo.git('rev-parse', 'baton/p');
    const bad = commit('bad');
    const moved = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain(
      `not merged: p (complete: baton/p is at ${bad.slice(0, 10)}, but its checks passed on ${checked.slice(0, 10)}; run \`baton verify p\`)`,
    );
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);

    // Verify the new commit: it fails, and the status says so with the failing criterion.
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).toBe(1);
    expect(await statusOf(repo, 'p')).toMatchObject({ status: 'failed-checks' });
    const refused = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not merged: p \(failed-checks: good: /);
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);

    // Fixed and verified again: complete, and the verified commit is what reaches main.
    const good = commit('good');
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).toBe(0);
    const passed = await statusOf(repo, 'p');
    expect(passed.status).toBe('complete');
    expect(passed.reason ?? undefined).toBeUndefined();
    const merged = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(merged.code, merged.stdout + merged.stderr).toBe(0);
    expect(repo.git('merge-base', '--is-ancestor', good, 'main')).toBe('');
    expect(repo.git('show', 'main:src/p/p.txt')).toBe('good');
  });

  it('leaves out a feature whose checks never ran (--no-verify) or ran on uncommitted changes, untracked files included', async () => {
    const repo = goodFeatureRepo();
    expect((await runBaton(['run', '--no-verify'], { cwd: repo.root })).code).toBe(0);
    const never = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(never.stderr).toContain(
      "not merged: p (complete: its acceptance checks never ran (a run with --no-verify, or a hook's word); run `baton verify p`)",
    );

    // Checks on a tracked file changed but not committed checked no commit.
    const wt = worktreeOf(repo, 'p');
    writeFileSync(join(wt, 'src/p/p.txt'), 'good, uncommitted\n');
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).toBe(0);
    const dirty = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(dirty.stderr).toContain(
      'not merged: p (complete: its last checks ran on changes not committed in its worktree; commit them, then run `baton verify p`)',
    );

    // An untracked file the commit lacks (one the checks may have needed) is a change too.
    repo.git('-C', wt, 'checkout', '--', 'src/p/p.txt');
    writeFileSync(join(wt, 'src/p/helper.txt'), 'not committed\n');
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).toBe(0);
    const untracked = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(untracked.stderr).toContain(
      'not merged: p (complete: its last checks ran on changes not committed in its worktree; commit them, then run `baton verify p`)',
    );

    // Ignored files (a build's output) do not make the checks' commit unknown.
    rmSync(join(wt, 'src/p/helper.txt'));
    writeFileSync(join(repo.root, '.git', 'info', 'exclude'), '*.log\n');
    writeFileSync(join(wt, 'src/p/build.log'), 'made by a check\n');
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).toBe(0);
    const clean = await runBaton(['integrate'], { cwd: repo.root });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/p: merged/);
  });

  it('a hook saying complete never outweighs failed checks, and a criterion added after the checks keeps a feature out', async () => {
    const repo = await ranGoodFeature();
    const wt = worktreeOf(repo, 'p');
    writeFileSync(join(wt, 'src/p/p.txt'), 'bad\n');
    repo.git('-C', wt, 'commit', '-qam', 'p says bad');
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).not.toBe(0);
    // Any process can append a plain completion line, as examples/completionhook.sh does.
    const log = join(repo.root, '.baton', 'log.jsonl');
    writeFileSync(log, `${JSON.stringify({ feature_id: 'p', status: 'complete' })}\n`, { flag: 'a' });
    expect((await statusOf(repo, 'p')).status).toBe('failed-checks');
    const mainBefore = repo.git('rev-parse', 'main');
    const forged = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(forged.code).not.toBe(0);
    expect(repo.git('rev-parse', 'main')).toBe(mainBefore);

    // Good again and verified, then the contract gains a criterion: not merged until verified again.
    writeFileSync(join(wt, 'src/p/p.txt'), 'good\n');
    repo.git('-C', wt, 'commit', '-qam', 'p says good');
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).toBe(0);
    const contract = join(repo.root, 'specs', 'p', 'contract.md');
    const text = readFileSync(contract, 'utf8');
    writeFileSync(
      contract,
      text.replace(
        'acceptance_criteria:\n',
        'acceptance_criteria:\n  - { id: newgate, text: a new gate, run: "false" }\n',
      ),
    );
    repo.git('commit', '-qam', 'a new gate');
    const added = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(added.stderr).toContain('criterion newgate of its contract has no result from its last checks');
    expect((await runBaton(['verify', 'p'], { cwd: repo.root })).code).not.toBe(0);
  });

  it('leaves out a dependent whose dependency is neither merged nor in the base, and takes it once the base has it', async () => {
    const repo = goodFeatureRepo([
      {
        id: 'q',
        depends: ['p'],
        agent: { command: 'mkdir -p src/q && echo q > src/q/q.txt' },
      },
    ]);
    // q alone: p never ran.
    expect((await runBaton(['run', 'q'], { cwd: repo.root })).code).toBe(0);
    const notRun = await runBaton(['integrate'], { cwd: repo.root });
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toContain('q (complete: depends on p, which is not merged (not run: no branch))');

    // p ran too, but only q is named: p is not in the base.
    expect((await runBaton(['run', 'p'], { cwd: repo.root })).code).toBe(0);
    const notNamed = await runBaton(['integrate', 'q', '--fresh', '--into', 'main'], { cwd: repo.root });
    expect(notNamed.code).toBe(1);
    expect(notNamed.stderr).toContain(
      'depends on p, which is not merged (not selected, and not in the base)',
    );
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('src/q/q.txt');

    // p reaches main; then q alone is taken, since the base holds p.
    const first = await runBaton(['integrate', 'p', '--fresh', '--into', 'main'], { cwd: repo.root });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const second = await runBaton(['integrate', 'q', '--fresh', '--into', 'main'], { cwd: repo.root });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(repo.git('show', 'main:src/q/q.txt')).toBe('q');
  });
});

describe('Ctrl-C while checks run', () => {
  it('ends the feature interrupted, not complete, and --resume checks it again', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 's',
          agent: { command: 'mkdir -p src/s && echo a > src/s/a' },
          criteria: [{ id: 'slow', text: 'takes a while', run: 'test -f src/s/fast || sleep 30' }],
        },
      ]),
    });
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const child = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The owns check has passed: the slow one is running.
    const ownsPassed = () => readLog(log).events.some((e) => e.type === 'check.passed');
    expect(await until(ownsPassed, 20_000)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    const stopped = await statusOf(repo, 's');
    expect(stopped).toMatchObject({
      status: 'interrupted',
      reason: 'stopped by Ctrl-C while its checks ran; the worktree and its commit are kept',
    });
    expect((await runBaton(['integrate', '--predict-only'], { cwd: repo.root })).stderr).toContain(
      'not merged: s (interrupted',
    );
    // Resumed, the feature runs and is checked again (fast this time).
    writeFileSync(join(worktreeOf(repo, 's'), 'src/s/fast'), '');
    const resumed = await runBaton(['run', '--resume'], { cwd: repo.root });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(await statusOf(repo, 's')).toMatchObject({ status: 'complete' });
  });
});

// `--into` names a branch that can move: checked before anything is merged, and the integration starts
// from it (not from whatever branch is checked out) unless `--base` or the config says otherwise.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { cachedState, makeRepo, type TempRepo } from '../rig/repo.js';
import { integrationsStarted, ownFileFeatures } from './fixture.js';

const repos: TempRepo[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository with one feature `a` whose agent writes src/a/a.txt, and `extra` files. */
function oneFeatureRepo(extra: Record<string, string> = {}): TempRepo {
  const repo = makeOneFeatureRepo(extra);
  repos.push(repo);
  return repo;
}

function makeOneFeatureRepo(extra: Record<string, string> = {}): TempRepo {
  return makeRepo({
    '.gitignore': '.baton/\n',
    ...extra,
    ...contractFiles([{ id: 'a', agent: { command: 'mkdir -p src/a && echo a > src/a/a.txt' } }]),
  });
}

/** Checks out a branch `dev` with a commit of its own, which `main` does not hold. */
function devWithItsOwnCommit(repo: TempRepo): void {
  repo.git('checkout', '-qb', 'dev');
  repo.commit('dev-only WIP', { 'dev-wip.txt': 'wip\n' });
}

/** Features a and b, each writing its own file, run to completion: run once per test process, then copied. */
async function ranTwoFeatures(): Promise<TempRepo> {
  const repo = await cachedState('into-branch:ran-two-features', async () => {
    const r = ownFileFeatures();
    expect((await runBaton(['run'], { cwd: r.root })).code).toBe(0);
    return r;
  });
  repos.push(repo);
  return repo;
}

/** `oneFeatureRepo()` run to completion: run once per test process, then copied. */
async function ranOneFeature(): Promise<TempRepo> {
  const repo = await cachedState('into-branch:ran-one-feature', async () => {
    const r = makeOneFeatureRepo();
    const run = await runBaton(['run'], { cwd: r.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    return r;
  });
  repos.push(repo);
  return repo;
}

describe('integrate --into', () => {
  // Both built on one run of one feature: the refusals change nothing the second part reads.
  it("refuses a branch that does not exist, or a name that is not a branch, before merging anything; then starts from the --into branch, so another checked-out branch's commits never reach it", async () => {
    const repo = await ranOneFeature();
    const missing = await runBaton(['integrate', '--into', 'nonexistent'], { cwd: repo.root });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'there is no branch nonexistent to fast-forward [integrate/no-into-branch]',
    );
    const bad = await runBaton(['integrate', '--into', 'bad..name'], { cwd: repo.root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"bad..name" is not a valid branch name');
    expect(integrationsStarted(repo)).toBe(0);

    // starts from the --into branch, so another checked-out branch's commits never reach it
    repo.git('checkout', '-qb', 'dev');
    repo.write({ 'experimental.txt': 'wip\n' });
    repo.git('add', 'experimental.txt');
    repo.git('commit', '-qm', 'experimental WIP on dev');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const onMain = repo.git('ls-tree', '-r', '--name-only', 'main');
    expect(onMain).toContain('src/a/a.txt');
    expect(onMain).not.toContain('experimental.txt');
    expect(repo.git('log', '--format=%s', 'main')).not.toContain('experimental WIP on dev');
  });

  it("refuses Baton's own branches (a feature's, an attempt's, the integration branch) as the target", async () => {
    const repo = await ranTwoFeatures();
    const tipA = repo.git('rev-parse', 'baton/a').trim();
    repo.git('branch', 'baton/a.a1', 'baton/a');
    for (const target of ['baton/a', 'baton/a.a1', 'baton/integration']) {
      const r = await runBaton(['integrate', '--into', target, 'a', 'b'], { cwd: repo.root });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`${target} is one of Baton's own`);
      expect(r.stderr).toContain('[integrate/bad-into]');
      expect(r.stderr).toContain('hint: Name the branch the features should reach, e.g. --into main');
    }
    // Nothing merged, and a's branch holds only a's work: the next integration still takes a and b.
    expect(repo.git('rev-parse', 'baton/a').trim()).toBe(tipA);
    expect(integrationsStarted(repo)).toBe(0);
    const next = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).toMatch(/src\/a\/x\.txt[\s\S]*src\/b\/x\.txt/);
  });
});

describe('integrate --into a checkout with ignored files', () => {
  it('refuses to lay a committed copy over an ignored file of the checkout, changing nothing', async () => {
    // The agent force-adds a file the project ignores (a local secret): the checkout's own copy stays.
    const repo = makeRepo({
      '.gitignore': '.baton/\nlocal.cfg\n',
      ...contractFiles([
        {
          id: 'a',
          agent: {
            command:
              'mkdir -p src/a && echo a > src/a/a.txt && echo theirs > src/a/local.cfg && git add -f src/a/local.cfg',
          },
        },
      ]),
    });
    repos.push(repo);
    repo.write({ 'src/a/local.cfg': 'SECRET\n' });
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const before = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(
      `main left where it was: cannot fast-forward main: it would overwrite 1 file(s) in ${repo.root} that git does not track there (untracked or ignored): src/a/local.cfg`,
    );
    expect(repo.git('rev-parse', 'main')).toBe(before);
    expect(readFileSync(join(repo.root, 'src/a/local.cfg'), 'utf8')).toBe('SECRET\n');
  });
  it('a git that ends with main elsewhere than the result is said so, never "left where it was"', async () => {
    const repo = await ranOneFeature();
    const before = repo.git('rev-parse', 'main');
    // Another process moves main just after git's fast-forward: main moved, but not to the result.
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = join(repo.root, '..', 'moving-git');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'git'),
      [
        '#!/bin/sh',
        `case "$*" in *'merge --ff-only'*) ;; *) exec '${realGit}' "$@" ;; esac`,
        `'${realGit}' "$@" || exit $?`,
        `'${realGit}' update-ref refs/heads/main "$('${realGit}' commit-tree -p HEAD -m beyond 'HEAD^{tree}')"`,
      ].join('\n'),
    );
    chmodSync(join(bin, 'git'), 0o755);
    vi.stubEnv('PATH', `${bin}:${process.env.PATH}`);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    expect(out).toContain('merged, main not at the result');
    expect(out).toMatch(/main not at the integration result: git merge --ff-only in .* did not move main/);
    expect(out).not.toContain('left where it was');
    expect(out).not.toContain('main not moved');
    expect(repo.git('rev-parse', 'main')).not.toBe(before);
  });
});

describe('integrate --continue --into', () => {
  it('promotes a clean integration whose --into was refused, once the checkout is clean again; offers --continue --into when a new integration meets the refused one', async () => {
    const repo = oneFeatureRepo({ 'README.md': '# test\n' });
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    repo.write({ 'README.md': '# test\nuncommitted line\n' });

    const refused = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(refused.stdout + refused.stderr).toContain('uncommitted changes (README.md)');
    // Committing them instead of stashing leaves main ahead of the integration: the hint says what then.
    expect(refused.stdout + refused.stderr).toContain('Stash them (git -C ');
    expect(refused.stdout + refused.stderr).toContain('if you commit them instead');
    expect(refused.stdout + refused.stderr).toContain('baton integrate --fresh --into main');
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('src/a/a.txt');

    // Without --into there is nothing to go on with, and the refusal says what would be.
    const bare = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('[integrate/nothing-to-continue]');
    expect(bare.stderr).toContain('baton integrate --continue --into <branch>');

    repo.git('checkout', '--', 'README.md');
    // A new integration meets the refused one: it offers --continue --into and leaves it as it was.
    const again = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Run `baton integrate --continue --into main` to go on with it');

    const promoted = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).toContain('src/a/a.txt');
    const ends = readLog(join(repo.root, '.baton', 'log.jsonl')).events.filter(
      (e) => e.type === 'integration.ended',
    );
    expect(
      ends.map((e) => (e.type === 'integration.ended' ? [e.outcome, e.into ?? e.into_refused] : [])),
    ).toEqual([
      ['clean', expect.stringContaining('uncommitted changes')],
      ['clean', 'main'],
    ]);
    // Nothing was merged twice.
    expect(repo.git('log', '--merges', '--format=%s', 'main').trim().split('\n')).toHaveLength(1);
  });

  it('moves a branch to a clean integration that was run without --into, and not twice', async () => {
    const repo = await ranOneFeature();
    const plain = await runBaton(['integrate'], { cwd: repo.root });
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain(
      'To move a branch to this result: baton integrate --continue --into <branch>',
    );
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('src/a/a.txt');
    const promoted = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).toContain('src/a/a.txt');
    // Once a branch moved, there is nothing left to continue.
    const again = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[integrate/nothing-to-continue]');
  });

  // offers --continue --into when a new integration meets the refused one: in the promotion above, which
  // builds the same refused integration.
});

describe('integrate --into a branch that lacks what the features were cut from', () => {
  it('refuses before merging when the features were cut from a branch with commits of its own', async () => {
    const repo = oneFeatureRepo();
    devWithItsOwnCommit(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('main would get commits no feature made: a was cut from');
    expect(r.stderr).toContain('which main does not hold: 1 commit no feature made would come along');
    expect(r.stderr).toContain('dev-only WIP');
    expect(r.stderr).toContain('[integrate/into-foreign]');
    expect(r.stderr).toContain("in a's worktree: git rebase --onto main");
    expect(integrationsStarted(repo)).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('dev-wip.txt');
    // Into the branch they were cut from, it goes.
    const dev = await runBaton(['integrate', '--into', 'dev'], { cwd: repo.root });
    expect(dev.code, dev.stdout + dev.stderr).toBe(0);
  });

  it('refuses best-of-N features cut from such a branch too: the winner carries the fork point', async () => {
    const repo = oneFeatureRepo();
    devWithItsOwnCommit(repo);
    const run = await runBaton(['run', '--attempts', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[integrate/into-foreign]');
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('dev-wip.txt');
  });

  it('keeps the branch where it is when it was reset below the base after the run', async () => {
    const repo = oneFeatureRepo();
    repo.commit('secret', { 'secret.txt': 'do not ship\n' });
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    repo.git('reset', '-q', '--hard', 'HEAD~1');
    // Started without --into, then promoted: the check is at the move too.
    expect((await runBaton(['integrate', '--base', 'main'], { cwd: repo.root })).code).toBe(0);
    const promoted = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(promoted.code).toBe(1);
    expect(promoted.stdout).toContain('main left where it was: a was cut from');
    expect(promoted.stdout).toMatch(/\("[0-9a-f]+ secret"\)/);
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).not.toContain('secret.txt');
  });
});

describe("integrate --into a branch that lacks the integration's base", () => {
  it("refuses to carry another branch's own commits: at the start (--base dev), and at the move (--continue --into from dev)", async () => {
    // No owns: the owns gate, which would name dev's file, has nothing to say.
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([{ id: 'a', owns: [], agent: { command: 'echo a > a.txt' } }]),
    });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    devWithItsOwnCommit(repo);
    const main = repo.git('rev-parse', 'main').trim();
    const start = await runBaton(['integrate', '--base', 'dev', '--into', 'main'], { cwd: repo.root });
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('main would get commits no feature made: the integration was built on');
    expect(start.stderr).toContain('which main does not hold: 1 commit no feature made would come along');
    expect(start.stderr).toContain('dev-only WIP');
    expect(start.stderr).toContain('[integrate/into-base]');
    expect(start.stderr).toContain('baton integrate --into main --base main');
    expect(integrationsStarted(repo)).toBe(0);

    // Integrated on dev (checked out, no --into), then promoted into main from there.
    const onDev = await runBaton(['integrate'], { cwd: repo.root });
    expect(onDev.code, onDev.stdout + onDev.stderr).toBe(0);
    repo.git('checkout', '-q', 'main');
    const promoted = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(promoted.code).toBe(1);
    expect(promoted.stdout).toContain('main left where it was: the integration was built on');
    expect(promoted.stdout).toContain('dev-only WIP');
    expect(promoted.stdout).toContain('baton integrate --fresh --into main --base main');
    expect(repo.git('rev-parse', 'main').trim()).toBe(main);
  });
});

describe('integrate --into after baton clean removed what was integrated', () => {
  it('counts a feature whose branch is gone but whose work main holds as done, not as not run', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        { id: 'a', agent: { command: 'mkdir -p src/a && echo a > src/a/a.txt' } },
        { id: 'b', depends: ['a'], agent: { command: 'mkdir -p src/b && echo b > src/b/b.txt' } },
      ]),
    });
    repos.push(repo);
    expect((await runBaton(['run', 'a'], { cwd: repo.root })).code).toBe(0);
    expect((await runBaton(['integrate', 'a', '--into', 'main'], { cwd: repo.root })).code).toBe(0);
    expect((await runBaton(['clean', '--merged'], { cwd: repo.root })).code).toBe(0);
    expect(repo.git('branch', '--list', 'baton/a')).toBe('');
    expect((await runBaton(['run', 'b'], { cwd: repo.root })).code).toBe(0);
    const r = await runBaton(['integrate', '--fresh', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('not run');
    expect(repo.git('ls-tree', '-r', '--name-only', 'main')).toContain('src/b/b.txt');
  });

  it('ends partial, exit 1, when a feature of the plan has no branch and its work is not in the base', async () => {
    const repo = await ranTwoFeatures();
    expect((await runBaton(['clean', '--force', 'b'], { cwd: repo.root })).code).toBe(0);
    const predicted = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(predicted.stdout).toContain('not merged: b (not run: no branch baton/b)');
    expect(predicted.code).toBe(1);
    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.stdout).toContain('not merged: b (not run: no branch baton/b)');
    expect(r.stdout).toContain('Integration partial');
    expect(r.stdout).toContain('1 of 2 merged, 1 not run');
    expect(r.code).toBe(1);
    const ended = readLog(join(repo.root, '.baton', 'log.jsonl')).events.filter(
      (e) => e.type === 'integration.ended',
    );
    expect(ended.map((e) => (e.type === 'integration.ended' ? e.outcome : ''))).toEqual(['partial']);
  });
});

describe('what integrate says about moving a branch', () => {
  const writes = (id: string) => ({ command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt` });

  it('does not offer --continue --into for a result --include let a failed feature into', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        { id: 'a', agent: writes('a') },
        { id: 'd', agent: writes('d'), criteria: [{ id: 'no', text: 'fails', run: 'exit 1' }] },
      ]),
    });
    repos.push(repo);
    await runBaton(['run'], { cwd: repo.root });
    const r = await runBaton(['integrate', '--include', 'failed-checks'], { cwd: repo.root });
    expect(r.stdout, r.stderr).toContain('Integration clean');
    expect(r.stdout).toContain('d (failed-checks) merged although not complete');
    // `--continue --into` would refuse it (`intoRefusal`: merged by --include), so it is not offered.
    expect(r.stdout).not.toContain('--continue --into');
    // Nor by the refusals that come after it: nothing to continue, and an earlier result in the way.
    const again = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(again.stderr).toContain('No branch can be moved to it (d (failed-checks) was merged by --include');
    expect(again.stderr).not.toContain('--continue --into');
    const anew = await runBaton(['integrate', '--include', 'failed-checks', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(anew.code).not.toBe(0);
    expect(anew.stderr).not.toContain('--continue --into');
    expect(anew.stderr).toContain('--fresh');
  });

  it('names the failed after-integration checks as well as the features not run', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 'a',
          agent: writes('a'),
          criteria: [{ id: 'later', text: 'fails', run: 'exit 1', after: 'integration' }],
        },
        { id: 'b', agent: writes('b') },
      ]),
    });
    repos.push(repo);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    expect((await runBaton(['clean', '--force', 'b'], { cwd: repo.root })).code).toBe(0);
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout, r.stderr).toContain(
      'main left where it was: not every selected feature was merged: b (not run: no branch baton/b); and a failed 1 of 1 after-integration criteria',
    );
  });
});

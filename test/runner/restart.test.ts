// @module-tag slow
/**
 * `--restart` and the folders of a resumed run: nothing Baton does destroys uncommitted or unmerged
 * work, a flag that would do nothing is a usage error, and a refused or failed run leaves no branch.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { proveFeatureWorktree } from '../../src/git/worktree-proof.js';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { inspectResumedBranch } from '../../src/runner/restart.js';
import { restartUnits } from '../../src/runner/resume.js';
import { expectErrorLine } from '../adversarial/rig.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText, okCheckedFeature as feature } from '../rig/contracts.js';
import { racingGit } from '../rig/git-shim.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const logOf = (repo: TempRepo) => join(repo.root, '.baton', 'log.jsonl');
const eventsOf = (repo: TempRepo) =>
  existsSync(logOf(repo)) ? (readLog(logOf(repo)).events as BatonEvent[]) : [];
const worktreeOf = (repo: TempRepo, id: string) => join(repo.root, '..', 'repo.baton-worktrees', id);

/** The events of the last run in the log. */
function lastRun(repo: TempRepo): BatonEvent[] {
  const all = eventsOf(repo);
  return all.slice(all.findLastIndex((e) => e.type === 'run.started'));
}

describe('baton run --resume --restart', () => {
  it('refuses a worktree with uncommitted changes or untracked files before anything changes, then drops the commits it names and keeps them under a backup ref', async () => {
    const repo = makeRepo(contractFiles([feature('a', 'C')]));
    repos.push(repo);
    expect((await runBaton(['run', 'a'], { cwd: repo.root })).code).toBe(1);
    const wt = worktreeOf(repo, 'a');
    const tip = repo.git('rev-parse', 'baton/a');
    const dropped = repo.git('rev-list', 'main..baton/a').split('\n');
    writeFileSync(join(wt, 'src', 'a', 'x.txt'), 'edited by hand\n');
    writeFileSync(join(wt, 'src', 'a', 'uncommitted.txt'), 'mine\n');
    const logged = eventsOf(repo).length;

    const refused = await runBaton(['run', '--resume', 'a', '--restart', 'a'], { cwd: repo.root });
    expect(refused.code).toBe(1);
    const line = expectErrorLine(refused.stderr, 'run/restart-uncommitted');
    expect(line).toContain('src/a/x.txt');
    expect(line).toContain('src/a/uncommitted.txt');
    expect(refused.stderr).toMatch(/^hint: .*stash -u.*delete it yourself/m);
    // Nothing changed: the files, the branch, the log.
    expect(readFileSync(join(wt, 'src', 'a', 'uncommitted.txt'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(wt, 'src', 'a', 'x.txt'), 'utf8')).toBe('edited by hand\n');
    expect(repo.git('rev-parse', 'baton/a')).toBe(tip);
    expect(eventsOf(repo)).toHaveLength(logged);

    rmSync(join(wt, 'src', 'a', 'uncommitted.txt'));
    repo.git('-C', wt, 'checkout', '--', 'src/a/x.txt');
    const r = await runBaton(['run', '--resume', 'a', '--restart', 'a'], { cwd: repo.root });
    expect(r.code).toBe(1);
    const backup = `refs/baton/restart-backup/a/${tip}`;
    expect(r.stdout).toContain(
      `  restarted from the base (--restart): dropped 1 commit(s) from the branch (${tip.slice(0, 8)}), kept as ${backup}\n`,
    );
    expect(repo.git('rev-parse', backup)).toBe(tip);
    // The branch started over from the base: only the new agent's commit is on it.
    expect(repo.git('rev-list', 'main..baton/a').split('\n')).not.toContain(dropped[0]);
    expect(repo.git('rev-list', '--count', 'main..baton/a')).toBe('1');
    const run = lastRun(repo);
    expect(run.find((e) => e.type === 'worktree.created')).toMatchObject({
      restarted: true,
      dropped_commits: dropped,
      backup,
    });
    // Baton's own backup ref is not an agent's escape.
    expect(run.some((e) => e.type === 'feature.escaped')).toBe(false);
  });

  it('refuses at the moment of the reset too, when something uncommitted appeared after the run began', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    const wt = join(repo.root, '..', 'wt-a');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt);
    repo.git('-C', wt, 'commit', '-q', '--allow-empty', '-m', 'agent work');
    const tip = repo.git('rev-parse', 'baton/a');
    writeFileSync(join(wt, 'late.txt'), 'written by an orphan\n');
    await expect(
      inspectResumedBranch(await proveFeatureWorktree(repo.root, wt, 'baton/a'), {
        unitId: 'a',
        baseCommit: base,
        restart: true,
      }),
    ).rejects.toMatchObject({ code: 'run/restart-uncommitted' });
    expect(readFileSync(join(wt, 'late.txt'), 'utf8')).toBe('written by an orphan\n');
    expect(repo.git('rev-parse', 'baton/a')).toBe(tip);
    expect(repo.git('for-each-ref', 'refs/baton')).toBe('');
  });

  it('refuses, the branch and the file left as they are, where the restart would overwrite an ignored file', async () => {
    const repo = makeRepo({ 'cfg/local.env': 'TOKEN=example\n' });
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    const wt = join(repo.root, '..', 'wt-a');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt);
    // The agent stopped tracking the file and ignored it, then put its own secret in it.
    writeFileSync(join(wt, '.gitignore'), 'cfg/local.env\n');
    repo.git('-C', wt, 'rm', '-q', '--cached', 'cfg/local.env');
    repo.git('-C', wt, 'add', '.gitignore');
    repo.git('-C', wt, 'commit', '-q', '-m', 'agent work');
    writeFileSync(join(wt, 'cfg', 'local.env'), 'TOKEN=the-real-one\n');
    const tip = repo.git('rev-parse', 'baton/a');
    await expect(
      inspectResumedBranch(await proveFeatureWorktree(repo.root, wt, 'baton/a'), {
        unitId: 'a',
        baseCommit: base,
        restart: true,
      }),
    ).rejects.toMatchObject({
      code: 'git/branch-checked-out',
      message: expect.stringContaining('cfg/local.env'),
    });
    expect(readFileSync(join(wt, 'cfg', 'local.env'), 'utf8')).toBe('TOKEN=the-real-one\n');
    expect(repo.git('rev-parse', 'baton/a')).toBe(tip);
    expect(repo.git('-C', wt, 'rev-parse', 'HEAD')).toBe(tip);
  });

  it('leaves a branch another process moved between its read and its move where that process put it: run/restart-branch-moved, the dropped tip kept', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    const wt = join(repo.root, '..', 'wt-a');
    repo.git('worktree', 'add', '-q', '-b', 'baton/a', wt);
    repo.git('-C', wt, 'commit', '-q', '--allow-empty', '-m', 'agent work');
    const tip = repo.git('rev-parse', 'baton/a');
    const theirs = repo.git('-C', wt, 'commit-tree', `${tip}^{tree}`, '-p', tip, '-m', 'theirs');
    const proven = await proveFeatureWorktree(repo.root, wt, 'baton/a');
    // Just before the restart moves baton/a, another process moves it on: the race, made certain.
    const racing = racingGit(join(repo.root, '..'), {
      when: '--restart a refs/heads/baton/a',
      first: ['update-ref', 'refs/heads/baton/a', theirs],
    });
    const path = process.env.PATH;
    process.env.PATH = racing.path;
    try {
      await expect(
        inspectResumedBranch(proven, { unitId: 'a', baseCommit: base, restart: true }),
      ).rejects.toMatchObject({
        code: 'run/restart-branch-moved',
        message: `baton/a moved while --restart a ran (it was at ${tip.slice(0, 8)}): it was left as it is and nothing was restarted; the tip it dropped is kept as refs/baton/restart-backup/a/${tip}`,
      });
    } finally {
      process.env.PATH = path;
    }
    expect(repo.git('rev-parse', 'baton/a')).toBe(theirs);
    expect(repo.git('rev-parse', `refs/baton/restart-backup/a/${tip}`)).toBe(tip);
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
  });

  it('is a usage error, changing nothing, without --resume, for a complete feature and for one the run does not select', async () => {
    const repo = makeRepo(contractFiles([feature('a', 'C'), feature('s', 'OK')]));
    repos.push(repo);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
    const tip = repo.git('rev-parse', 'baton/a');
    const logged = eventsOf(repo).length;
    const cases: Array<[string[], string, RegExp]> = [
      [['run', '--restart', 'a'], 'run/restart-without-resume', /only with --resume/],
      [['run', '--resume', '--restart', 's'], 'run/restart-complete', /s is complete/],
      // Complete is said first, selected or not: selecting it too would only meet that refusal.
      [['run', '--resume', 'a', '--restart', 's'], 'run/restart-complete', /s is complete/],
      [['run', '--restart', 's'], 'run/restart-complete', /s is complete/],
      [
        ['run', '--resume', 's', '--restart', 'a'],
        'run/restart-not-selected',
        /a is not a feature this run selects/,
      ],
      // A name that is no feature at all is said as such, with the known ids, before anything else.
      [
        ['run', '--resume', '--restart', 'nope'],
        'run/restart-unknown',
        /nope: there is no such feature; known ids: a, s/,
      ],
      [['run', '--restart', 'nope'], 'run/restart-unknown', /nope: there is no such feature/],
    ];
    for (const [args, code, why] of cases) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, args.join(' ')).toBe(2);
      expect(expectErrorLine(r.stderr, code)).toMatch(why);
    }
    expect(repo.git('rev-parse', 'baton/a')).toBe(tip);
    expect(eventsOf(repo)).toHaveLength(logged);
  });

  it('hints a command that works as given: a resume naming the feature; for a complete one, clean then run', async () => {
    const repo = makeRepo(contractFiles([feature('w', 'OK'), feature('zz', 'OK'), feature('f', 'C')]));
    repos.push(repo);
    expect((await runBaton(['run', 'w', 'f'], { cwd: repo.root })).code).toBe(1);
    // The last run is another one: a resume given no ids would run zz alone.
    expect((await runBaton(['run', 'zz'], { cwd: repo.root })).code).toBe(0);
    /** The hint line, and the commands in its backquotes. */
    const hintOf = (stderr: string) => {
      const hint = stderr.split('\n').find((l) => l.startsWith('hint: ')) ?? '';
      const commands = [...hint.matchAll(/`(baton [^`]+)`/g)].map((m) => m[1] as string);
      return { hint, commands };
    };

    const failed = await runBaton(['run', '--restart', 'f'], { cwd: repo.root });
    expect(failed.code).toBe(2);
    expectErrorLine(failed.stderr, 'run/restart-without-resume');
    const [resume] = hintOf(failed.stderr).commands;
    expect(resume).toBe('baton run --resume f --restart f');
    const tip = repo.git('rev-parse', 'baton/f');
    const restarted = await runBaton(resume!.split(' ').slice(1), { cwd: repo.root });
    expect(restarted.stderr).not.toContain('baton:');
    expect(restarted.stdout).toContain('restarted from the base (--restart): dropped 1 commit(s)');
    expect(repo.git('rev-list', 'main..baton/f')).not.toContain(tip);

    const complete = await runBaton(['run', '--restart', 'w'], { cwd: repo.root });
    expect(complete.code).toBe(2);
    expect(expectErrorLine(complete.stderr, 'run/restart-complete')).toContain('w is complete');
    const { hint, commands } = hintOf(complete.stderr);
    expect(hint).not.toContain('--resume');
    expect(commands).toEqual(['baton clean w', 'baton clean --force w', 'baton run w']);
    // Its work is not merged: the forced clean (the hint says it discards it), then the run.
    for (const command of commands.slice(1)) {
      const r = await runBaton(command.split(' ').slice(1), { cwd: repo.root });
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
    }
    expect(eventsOf(repo).findLast((e) => e.type === 'feature.ended')).toMatchObject({
      feature_id: 'w',
      status: 'complete',
    });
  });

  it('names every attempt of a best-of-N feature the resume runs, and refuses one whose attempts are all kept (pure)', () => {
    const units = [
      { id: 'a', featureId: 'a' },
      { id: 'b.a1', featureId: 'b' },
      { id: 'b.a2', featureId: 'b' },
    ];
    const request = {
      resume: true,
      featureIds: ['a', 'b'],
      planIds: ['a', 'b', 'c'],
      units,
      complete: () => false,
      kept: (id: string) => id === 'b.a1',
    };
    expect(restartUnits({ ...request, restart: ['b'] })).toEqual(['b', 'b.a2']);
    expect(restartUnits({ ...request, restart: ['a', 'b.a2'] })).toEqual(['a', 'b.a2']);
    expect(() => restartUnits({ ...request, restart: ['b.a1'] })).toThrow(
      expect.objectContaining({ code: 'run/restart-kept', exitCode: 2 }),
    );
    expect(() => restartUnits({ ...request, kept: () => true, restart: ['b'] })).toThrow(
      /its attempts ended in an earlier run/,
    );
  });

  it('for an attempt its feature does not have, names the attempts, and hints a --restart that is accepted (pure)', () => {
    const request = {
      resume: true,
      featureIds: ['a', 'b'],
      planIds: ['a', 'b'],
      units: [
        { id: 'a', featureId: 'a' },
        { id: 'b.a1', featureId: 'b' },
        { id: 'b.a2', featureId: 'b' },
      ],
      complete: () => false,
      kept: (id: string): boolean => id === 'b.a1',
    };
    const refusal = (restart: string[], over: Partial<typeof request> = {}) => {
      try {
        restartUnits({ ...request, ...over, restart });
      } catch (e) {
        return e as { code: string; message: string; hint: string };
      }
      throw new Error('not refused');
    };
    const five = refusal(['b.a5']);
    expect(five).toMatchObject({
      code: 'run/restart-no-attempt',
      message:
        '--restart b.a5: b has no attempt 5 in this run; its attempts are b.a1, b.a2, so nothing would restart',
    });
    // The hint's command names a unit the resume runs: given as it is, it is accepted.
    const hinted = /`baton run --resume a b --restart (\S+)`/.exec(five.hint)?.[1];
    expect(hinted).toBe('b.a2');
    expect(restartUnits({ ...request, restart: [hinted!] })).toEqual(['b.a2']);
    // Every attempt kept: no command would restart one.
    expect(refusal(['b.a5'], { kept: (id) => id.startsWith('b.') }).hint).toBe(
      'Leave it out of --restart: the resume keeps every attempt of b, which ended in an earlier run.',
    );
    // A feature run as one agent has no attempts: its own name is what works.
    expect(refusal(['a.a1'])).toMatchObject({
      code: 'run/restart-no-attempt',
      hint: 'Name the feature: `baton run --resume a b --restart a`.',
    });
    // A kept attempt: `baton clean` alone refuses it (best-of-N undecided), so the hint discards it with
    // --force, after which the resume runs it again.
    expect(refusal(['b.a1'])).toMatchObject({
      code: 'run/restart-kept',
      hint: 'Leave it out of --restart. To run it again, discard it first: `baton clean --force b.a1` (its tip kept as a backup), then `baton run --resume a b` runs it again.',
    });
  });

  it('says first that a --restart name is no feature, with the known ids, with --resume or without (pure)', () => {
    const request = {
      featureIds: ['feature-001-example'],
      planIds: ['feature-001-example'],
      units: [{ id: 'feature-001-example', featureId: 'feature-001-example' }],
      complete: () => false,
      kept: () => false,
      restart: ['feature-01-example'],
    };
    for (const resume of [true, false]) {
      let err: unknown;
      try {
        restartUnits({ ...request, resume });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({
        code: 'run/restart-unknown',
        exitCode: 2,
        message: '--restart feature-01-example: there is no such feature; known ids: feature-001-example',
      });
    }
    // An attempt of a feature of the plan is no typo.
    expect(restartUnits({ ...request, resume: true, restart: ['feature-001-example'] })).toEqual([
      'feature-001-example',
    ]);
  });
});

describe('a folder where a feature’s worktree goes', () => {
  it('that is not a worktree of the repository is refused by run and by --resume, before any branch is made, with a hint that works', async () => {
    const repo = makeRepo(contractFiles([feature('a', 'OK')]));
    repos.push(repo);
    const folder = worktreeOf(repo, 'a');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'important.txt'), 'data\n');
    for (const args of [['run'], ['run', '--resume', 'a']]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, args.join(' ')).toBe(1);
      expect(expectErrorLine(r.stderr, 'run/worktree-exists')).toContain(
        'is not a worktree of this repository',
      );
      expect(r.stderr).toMatch(/^hint: Move it away/m);
      expect(r.stderr).not.toContain('--resume');
      expect(repo.git('branch', '--list', 'baton/a')).toBe('');
      expect(readFileSync(join(folder, 'important.txt'), 'utf8')).toBe('data\n');
    }
    expect(eventsOf(repo).some((e) => e.type === 'run.started')).toBe(false);
    // Moved away, the plain run the refusal asked for goes through.
    renameSync(folder, `${folder}.moved`);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
  });

  it('deleted by hand is made again on --resume from the branch, which keeps its commits', async () => {
    const repo = makeRepo(contractFiles([feature('a', 'C')]));
    repos.push(repo);
    expect((await runBaton(['run', 'a'], { cwd: repo.root })).code).toBe(1);
    rmSync(worktreeOf(repo, 'a'), { recursive: true, force: true });
    repo.commit('fix a', { 'specs/a/contract.md': contractText(feature('a', 'OK')) });
    const r = await runBaton(['run', '--resume', 'a'], { cwd: repo.root });
    expect(r.stdout).toMatch(/keeps 1 commit\(s\) from the earlier run/);
    expect(r.code).toBe(0);
    expect(existsSync(join(worktreeOf(repo, 'a'), 'src', 'a', 'x.txt'))).toBe(true);
  });
});

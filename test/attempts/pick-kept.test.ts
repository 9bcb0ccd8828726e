// @module-tag slow
// `baton pick` moves `baton/<id>`: what counts as kept is what a real attempt branch holds, never
// what a log line claims (any process can append one); a tip left on no other branch is always kept
// under refs/baton/pick-backup/. Real repositories, the real CLI in-process.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptEnded, BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton, runBatonProcess } from '../rig/cli.js';
import { racingGit } from '../rig/git-shim.js';
import type { TempRepo } from '../rig/repo.js';
import { ranAlphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository whose feature `alpha` ran best-of-2, both attempts passing. */
async function ranAlpha(): Promise<TempRepo> {
  const repo = await ranAlphaRepo();
  repos.push(repo);
  return repo;
}

const logPath = (repo: TempRepo) => join(repo.root, '.baton', 'log.jsonl');
const events = (repo: TempRepo) => readLog(logPath(repo)).events as BatonEvent[];

/** The attempt the checks chose and the other one. */
function winnerAndOther(repo: TempRepo): { winner: number; other: number } {
  const sel = events(repo).find((e) => e.type === 'attempt.selected');
  const winner = sel?.type === 'attempt.selected' ? sel.winner : 0;
  return { winner, other: winner === 1 ? 2 : 1 };
}

/** Commits a file on `baton/alpha` through a worktree of its own, as a person fixing it by hand would. */
function commitByHand(repo: TempRepo): string {
  const hand = join(repo.root, '..', 'hand');
  repo.git('worktree', 'add', '-q', hand, 'baton/alpha');
  writeFileSync(join(hand, 'fix.txt'), 'mine\n');
  repo.git('-C', hand, 'add', '-A');
  repo.git('-C', hand, 'commit', '-qm', 'hand fix');
  repo.git('worktree', 'remove', hand);
  return repo.git('rev-parse', 'baton/alpha');
}

/** Appends a copy of attempt `n`'s `attempt.ended` claiming `commit`: any process can. */
function forgeEnded(repo: TempRepo, n: number, commit: string): void {
  const ended = events(repo).findLast(
    (e): e is AttemptEnded => e.type === 'attempt.ended' && e.attempt === n,
  );
  expect(ended).toBeDefined();
  appendFileSync(logPath(repo), `${JSON.stringify({ ...ended, commit })}\n`);
}

describe('baton pick keeps what no attempt branch holds', () => {
  it('a forged attempt.ended naming the hand-made tip does not make it kept: refused, then --force backs it up', async () => {
    const repo = await ranAlpha();
    const { winner, other } = winnerAndOther(repo);
    const handTip = commitByHand(repo);
    forgeEnded(repo, winner, handTip);

    const refused = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/\[pick\/unrecorded-commits\]/);
    expect(refused.stderr).toContain(handTip.slice(0, 8));
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(handTip);
    expect(events(repo).some((e) => e.type === 'attempt.picked')).toBe(false);

    const forced = await runBaton(['pick', 'alpha', String(other), '--force'], { cwd: repo.root });
    expect(forced.code, forced.stderr).toBe(0);
    expect(repo.git('rev-parse', `refs/baton/pick-backup/alpha/${handTip}`)).toBe(handTip);
  });

  it('after `baton clean` removed the attempt branches, the old tip is kept under refs/baton/pick-backup/ and said', async () => {
    const repo = await ranAlpha();
    const { winner, other } = winnerAndOther(repo);
    const clean = await runBaton(['clean', 'alpha.a1', 'alpha.a2'], { cwd: repo.root });
    expect(clean.code, clean.stdout).toBe(0);
    expect(repo.git('for-each-ref', '--format=%(refname)', 'refs/heads/baton/')).toBe(
      'refs/heads/baton/alpha',
    );
    const old = repo.git('rev-parse', 'baton/alpha');

    const picked = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(picked.code, picked.stderr).toBe(0);
    const backup = `refs/baton/pick-backup/alpha/${old}`;
    expect(picked.stdout).toContain(`its old tip ${old.slice(0, 8)}`);
    expect(picked.stdout).toContain(backup);
    expect(repo.git('rev-parse', backup)).toBe(old);
    // Back to the first winner: the tip just left is on no branch either, and kept the same way.
    const picked2 = repo.git('rev-parse', 'baton/alpha');
    const back = await runBaton(['pick', 'alpha', String(winner)], { cwd: repo.root });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain(`refs/baton/pick-backup/alpha/${picked2}`);
    expect(repo.git('rev-parse', `refs/baton/pick-backup/alpha/${picked2}`)).toBe(picked2);
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(old);
  });

  it('moving between attempts whose branches are there writes no backup', async () => {
    const repo = await ranAlpha();
    const { other } = winnerAndOther(repo);
    const picked = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(picked.code, picked.stderr).toBe(0);
    expect(picked.stdout).not.toContain('pick-backup');
    expect(repo.git('for-each-ref', 'refs/baton/')).toBe('');
  });

  it('a branch another process moves while pick runs is left where it put it: pick/branch-moved, nothing logged', async () => {
    const repo = await ranAlpha();
    const { other } = winnerAndOther(repo);
    const theirs = repo.git('rev-parse', 'main');
    // Just before pick moves baton/alpha, another process moves it elsewhere: the race, made certain.
    const git = racingGit(join(repo.root, '..'), {
      when: 'update-ref -m baton pick: attempt',
      first: ['update-ref', 'refs/heads/baton/alpha', theirs],
    });
    const r = runBatonProcess(['pick', 'alpha', String(other)], {
      cwd: repo.root,
      env: { PATH: git.path },
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^baton: baton\/alpha moved while pick ran \(it was at [0-9a-f]{8}\): it was left as it is and nothing was picked \[pick\/branch-moved\]$/m,
    );
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(theirs);
    expect(events(repo).some((e) => e.type === 'attempt.picked')).toBe(false);
  });
});

describe('baton pick, when another process moves baton/<id> after pick kept its old tip', () => {
  /** Runs pick while another process moves baton/alpha to `theirs` just before pick moves it. */
  function pickRacing(repo: TempRepo, attempt: number, theirs: string) {
    const git = racingGit(join(repo.root, '..'), {
      when: 'update-ref -m baton pick: attempt',
      first: ['update-ref', 'refs/heads/baton/alpha', theirs],
    });
    return runBatonProcess(['pick', 'alpha', String(attempt)], { cwd: repo.root, env: { PATH: git.path } });
  }

  /** alpha run best-of-2 and its attempt branches cleaned: the tip of baton/alpha is on no other branch. */
  async function cleanedAlpha(): Promise<{ repo: TempRepo; other: number; old: string }> {
    const repo = await ranAlpha();
    const { other } = winnerAndOther(repo);
    const clean = await runBaton(['clean', 'alpha.a1', 'alpha.a2'], { cwd: repo.root });
    expect(clean.code, clean.stdout).toBe(0);
    return { repo, other, old: repo.git('rev-parse', 'baton/alpha') };
  }

  it('keeps the backup it wrote and says so when the old tip is now on no branch', async () => {
    const { repo, other, old } = await cleanedAlpha();
    const theirs = repo.git('rev-parse', 'main');
    const r = pickRacing(repo, other, theirs);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain(
      `baton: baton/alpha moved while pick ran (it was at ${old.slice(0, 8)}): it was left as it is and nothing was picked; its old tip ${old.slice(0, 8)} is kept as refs/baton/pick-backup/alpha/${old} [pick/branch-moved]`,
    );
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(theirs);
    expect(repo.git('rev-parse', `refs/baton/pick-backup/alpha/${old}`)).toBe(old);
  });

  it('removes the backup it wrote when the old tip is on a branch again, and writes nothing else', async () => {
    const { repo, other, old } = await cleanedAlpha();
    const theirs = repo.git('commit-tree', `${old}^{tree}`, '-p', old, '-m', 'on top');
    const r = pickRacing(repo, other, theirs);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/nothing was picked \[pick\/branch-moved\]$/m);
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(theirs);
    expect(repo.git('for-each-ref', 'refs/baton/pick-backup/')).toBe('');
    expect(events(repo).some((e) => e.type === 'attempt.picked')).toBe(false);
  });
});

describe('baton verify moves baton/<id> only from the tip it read', () => {
  it('a branch another process moves while verify runs is left where it put it, and verify says so', async () => {
    const repo = await ranAlpha();
    const { winner } = winnerAndOther(repo);
    const wt = join(repo.root, '..', 'repo.baton-worktrees', `alpha.a${winner}`);
    writeFileSync(join(wt, 'src', 'alpha', 'a.txt'), 'fixed\n');
    repo.git('-C', wt, 'commit', '-qam', 'fix');
    const theirs = repo.git('rev-parse', 'main');
    const git = racingGit(join(repo.root, '..'), {
      when: 'update-ref -m baton verify: checks passed',
      first: ['update-ref', 'refs/heads/baton/alpha', theirs],
    });

    const r = runBatonProcess(['verify', 'alpha'], { cwd: repo.root, env: { PATH: git.path } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `baton/alpha was not moved to [0-9a-f]{8}, the commit just checked on baton/alpha\\.a${winner}: another process moved it while verify ran, and it was left there`,
      ),
    );
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(theirs);
  });
});

// @module-tag slow
// `baton pick` and verify's move of `baton/<id>` mind the worktree that has it checked out: a bare
// ref move there left staged changes undoing the move, which nobody made (and `baton clean` refused
// them as uncommitted). Baton's own worktree of the feature moves along; any other checkout refuses
// the move. Real repositories, the real CLI in-process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { ranAlphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const events = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

/** `alpha` run best-of-2 (both pass): the winner and the other attempt. */
async function ranAlpha(): Promise<{ repo: TempRepo; winner: number; other: number }> {
  const repo = await ranAlphaRepo();
  repos.push(repo);
  const sel = events(repo).find((e) => e.type === 'attempt.selected');
  const winner = sel?.type === 'attempt.selected' ? sel.winner : 0;
  return { repo, winner, other: winner === 1 ? 2 : 1 };
}

/** Baton's own worktree of `baton/alpha` (where a plain rerun by `run --resume` works), added here. */
function ownWorktree(repo: TempRepo): string {
  const wt = join(`${repo.root}.baton-worktrees`, 'alpha');
  repo.git('worktree', 'add', '-q', wt, 'baton/alpha');
  return wt;
}

describe('moving baton/<id> while a worktree has it checked out', () => {
  it("pick moves Baton's own worktree of the feature along: its files follow and nothing shows as changed", async () => {
    const { repo, other } = await ranAlpha();
    const wt = ownWorktree(repo);

    const r = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const picked = repo.git('rev-parse', `baton/alpha.a${other}`);
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(picked);
    expect(repo.git('-C', wt, 'rev-parse', 'HEAD')).toBe(picked);
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(wt, 'src', 'alpha', 'a.txt'), 'utf8')).toBe(`alpha.a${other}\n`);
  });

  it("a local change the move would overwrite in Baton's worktree refuses the pick; the change and the branch stay", async () => {
    const { repo, other } = await ranAlpha();
    const wt = ownWorktree(repo);
    const before = repo.git('rev-parse', 'baton/alpha');
    writeFileSync(join(wt, 'src', 'alpha', 'a.txt'), 'mine\n');

    const r = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('[git/branch-checked-out]');
    expect(r.stderr).toContain('stash');
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(before);
    expect(repo.git('-C', wt, 'rev-parse', 'HEAD')).toBe(before);
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('M src/alpha/a.txt');
    expect(readFileSync(join(wt, 'src', 'alpha', 'a.txt'), 'utf8')).toBe('mine\n');
    expect(events(repo).some((e) => e.type === 'attempt.picked')).toBe(false);
  });

  it("the user's main checkout on baton/<id> refuses the pick, naming it; nothing moves or is logged", async () => {
    const { repo, other } = await ranAlpha();
    const before = repo.git('rev-parse', 'baton/alpha');
    repo.git('switch', '-q', 'baton/alpha');

    const r = await runBaton(['pick', 'alpha', String(other)], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('[git/branch-checked-out]');
    expect(r.stderr).toContain('(the main checkout)');
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(before);
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(repo.git('for-each-ref', 'refs/baton/pick-backup/')).toBe('');
    expect(events(repo).some((e) => e.type === 'attempt.picked')).toBe(false);
  });

  it("verify leaves baton/<id> unmoved while the user's main checkout has it, and says why", async () => {
    const { repo, winner } = await ranAlpha();
    const before = repo.git('rev-parse', 'baton/alpha');
    const wt = join(`${repo.root}.baton-worktrees`, `alpha.a${winner}`);
    writeFileSync(join(wt, 'src', 'alpha', 'a.txt'), 'fixed\n');
    repo.git('-C', wt, 'commit', '-qam', 'fix');
    repo.git('switch', '-q', 'baton/alpha');

    const r = await runBaton(['verify', 'alpha'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /baton\/alpha was not moved to [0-9a-f]{8}.*checked out in .* \(the main checkout\)/,
    );
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(before);
    expect(repo.git('status', '--porcelain')).toBe('');
  });
});

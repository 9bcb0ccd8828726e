// @module-tag slow
// `baton clean` deletes a losing attempt's branch although its commits are merged nowhere, on the
// strength of the log's record: a claim any process can append. So the tip of every branch it deletes
// with commits merged nowhere is kept under refs/baton/clean-backup/ first. Real repositories and CLI.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptEnded, BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { ranAlphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository whose feature `alpha` ran best-of-2, and the losing attempt's number and worktree. */
async function ranAlpha(): Promise<{ repo: TempRepo; loser: number; wt: string }> {
  const repo = await ranAlphaRepo();
  repos.push(repo);
  const sel = events(repo).find((e) => e.type === 'attempt.selected');
  const loser = sel?.type === 'attempt.selected' && sel.winner === 1 ? 2 : 1;
  return { repo, loser, wt: join(repo.root, '..', 'repo.baton-worktrees', `alpha.a${loser}`) };
}

const logPath = (repo: TempRepo) => join(repo.root, '.baton', 'log.jsonl');
const events = (repo: TempRepo) => readLog(logPath(repo)).events as BatonEvent[];
const branches = (repo: TempRepo) =>
  repo.git('for-each-ref', '--format=%(refname:short)', 'refs/heads/baton/').split('\n').filter(Boolean);

describe('baton clean keeps what it deletes', () => {
  it('a forged attempt.ended naming a hand-made commit on a loser: the branch goes, its tip kept under refs/baton/clean-backup/ and said', async () => {
    const { repo, loser, wt } = await ranAlpha();
    writeFileSync(join(wt, 'by-hand.txt'), 'mine\n');
    repo.git('-C', wt, 'add', '-A');
    repo.git('-C', wt, 'commit', '-qm', 'by hand');
    const tip = repo.git('rev-parse', `baton/alpha.a${loser}`);
    const dry = await runBaton(['clean', `alpha.a${loser}`, '--dry-run'], { cwd: repo.root });
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('2 commits not merged into baton/alpha or main');

    const ended = events(repo).findLast(
      (e): e is AttemptEnded => e.type === 'attempt.ended' && e.attempt === loser,
    );
    appendFileSync(logPath(repo), `${JSON.stringify({ ...ended, commit: tip })}\n`);
    const r = await runBaton(['clean', `alpha.a${loser}`], { cwd: repo.root });
    expect(r.code, r.stdout).toBe(0);
    const backup = `refs/baton/clean-backup/alpha.a${loser}/${tip}`;
    expect(r.stdout).toContain(
      `branch baton/alpha.a${loser}; its commit ${tip} (attempt ${loser}'s, as the log records it) is kept as ${backup} (git branch baton/alpha.a${loser} ${tip} restores it)`,
    );
    expect(branches(repo)).not.toContain(`baton/alpha.a${loser}`);
    expect(repo.git('rev-parse', backup)).toBe(tip);
    expect(repo.git('log', '-1', '--format=%s', backup)).toBe('by hand');
  });

  it('--json names the backup ref of each branch removed with commits merged nowhere, and none for the merged winner', async () => {
    const { repo, loser } = await ranAlpha();
    const tip = repo.git('rev-parse', `baton/alpha.a${loser}`);
    const dry = await runBaton(['clean', 'alpha.a1', 'alpha.a2', '--json', '--dry-run'], { cwd: repo.root });
    const planned = JSON.parse(dry.stdout) as { removed: { feature_id: string; kept_as: string | null }[] };
    const r = await runBaton(['clean', 'alpha.a1', 'alpha.a2', '--json'], { cwd: repo.root });
    expect(r.code, r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { removed: { feature_id: string; kept_as: string | null }[] };
    const keptAs = Object.fromEntries(out.removed.map((e) => [e.feature_id, e.kept_as]));
    expect(keptAs).toEqual({
      [`alpha.a${loser}`]: `refs/baton/clean-backup/alpha.a${loser}/${tip}`,
      [`alpha.a${3 - loser}`]: null,
    });
    expect(Object.fromEntries(planned.removed.map((e) => [e.feature_id, e.kept_as]))).toEqual(keptAs);
    expect(repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/baton/')).toBe(
      `refs/baton/clean-backup/alpha.a${loser}/${tip} ${tip}`,
    );
  });
});

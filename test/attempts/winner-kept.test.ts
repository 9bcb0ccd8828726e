// @module-tag slow
// Best-of-N's choice in a run moves `baton/<id>` to the winner the way `baton pick` does: a commit
// made on `baton/<id>` during the run, on no other branch, is kept under refs/baton/pick-backup/ and
// said; a branch another process moves just then is left where it put it. Real runs, real git.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptSelected, BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton, runBatonProcess } from '../rig/cli.js';
import { racingGit } from '../rig/git-shim.js';
import type { TempRepo } from '../rig/repo.js';
import { alphaRepo as makeAlphaRepo } from './alpha-rig.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

// Attempt 1's agent also commits on baton/alpha by hand, as a person would while the attempts run: a
// commit on no other branch (its parent is the base; no attempt branch holds it).
const AGENT =
  'mkdir -p src/alpha && echo $BATON_UNIT_ID > src/alpha/a.txt\n' +
  'if [ "$BATON_UNIT_ID" = alpha.a1 ]; then\n' +
  '  h=$(git commit-tree "HEAD^{tree}" -p HEAD -m "hand fix") && git update-ref refs/heads/baton/alpha "$h"\n' +
  'fi\n';

function alphaRepo(agent: string): TempRepo {
  const repo = makeAlphaRepo(agent);
  repos.push(repo);
  return repo;
}

const events = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
const selected = (repo: TempRepo) =>
  events(repo).find((e): e is AttemptSelected => e.type === 'attempt.selected');

describe('best-of-N moving baton/<id> to the winner in a run', () => {
  it('keeps a commit made on baton/<id> during the run under refs/baton/pick-backup/ and says so', async () => {
    const repo = alphaRepo(AGENT);
    const run = await runBaton(['run', 'alpha', '--attempts', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const backups = repo.git('for-each-ref', '--format=%(refname)', 'refs/baton/pick-backup/alpha/');
    expect(backups).toMatch(/^refs\/baton\/pick-backup\/alpha\/[0-9a-f]{40}$/);
    const hand = backups.slice(backups.lastIndexOf('/') + 1);
    expect(repo.git('log', '-1', '--format=%s', backups)).toBe('hand fix');
    const sel = selected(repo);
    expect(sel).toMatchObject({ backup: backups });
    expect(sel?.not_moved).toBeUndefined();
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(sel?.commit);
    expect(run.stdout).toContain(`what baton/alpha held before, on no other branch, is kept as ${backups}`);
    expect(repo.git('branch', '--contains', hand)).toBe('');
    // Baton's own backup is not an agent's escape.
    expect(events(repo).some((e) => e.type === 'feature.escaped')).toBe(false);
  });

  it('leaves baton/<id> where another process put it while the run chose, says how to move it, and does not end the feature complete', async () => {
    const repo = alphaRepo('mkdir -p src/alpha && echo $BATON_UNIT_ID > src/alpha/a.txt\n');
    const theirs = repo.git('rev-parse', 'main');
    // Just before the run moves baton/alpha to the winner, another process creates it: the race, made certain.
    const git = racingGit(join(repo.root, '..'), {
      when: 'update-ref -m baton: best-of-N winner',
      first: ['update-ref', 'refs/heads/baton/alpha', theirs],
    });
    const run = runBatonProcess(['run', 'alpha', '--attempts', '2'], {
      cwd: repo.root,
      env: { PATH: git.path },
    });
    // baton/alpha does not hold the winner's work: the feature is not complete, and the run fails.
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const sel = selected(repo);
    expect(repo.git('rev-parse', 'baton/alpha')).toBe(theirs);
    expect(sel?.not_moved).toBe(
      `another process moved baton/alpha while the run chose (it was absent); it was left there: \`baton pick alpha ${sel?.winner}\` moves it`,
    );
    expect(run.stdout).toContain(sel?.not_moved);
    const ended = events(repo).findLast((e) => e.type === 'feature.ended');
    expect(ended).toMatchObject({ status: 'failed' });
    expect(ended?.type === 'feature.ended' && ended.reason).toMatch(
      new RegExp(`^another process moved baton/alpha .* — attempt ${sel?.winner} of 2 won: `),
    );
  });
});

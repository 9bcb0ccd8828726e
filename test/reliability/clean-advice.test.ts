// What `baton clean` says under its lists: why baton/integration did not count as merged, and for
// what it left, the command that fits (the integration branch, a best-of-N feature not decided yet,
// a feature's work). Real runs of command agents, real integrations, real git.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Features `good` (passes) and `bad` (its agent writes `badWord`: its check fails but for `ok`), run. */
async function ranGoodAndBad(badWord = 'no'): Promise<TempRepo> {
  const feature = (id: string, word: string) => ({
    id,
    agent: { command: `mkdir -p src/${id} && echo ${word} > src/${id}/a.txt` },
    criteria: [{ id: 'ok', text: 'a.txt says ok', run: `grep -q ok src/${id}/a.txt` }],
  });
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': '{}\n',
    ...contractFiles([feature('good', 'ok'), feature('bad', badWord)]),
  });
  repos.push(repo);
  expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(badWord === 'ok' ? 0 : 1);
  return repo;
}

describe('clean after an integration', () => {
  it('says why baton/integration did not count as merged, and what to run for it', async () => {
    const repo = await ranGoodAndBad();
    expect((await runBaton(['integrate'], { cwd: repo.root })).code).toBe(1); // partial: bad left out

    const kept = await runBaton(['clean', '--merged', '--all', '--dry-run'], { cwd: repo.root });
    expect(kept.stdout).toMatch(/ {2}good +1 commit not merged into main\n/);
    expect(kept.stdout).toContain(
      'note: baton/integration not counted as merged: the last integration ended partial (not merged: bad)\n',
    );
    // Integrate cannot go on with a partial integration: it says to start a new one (moving the base
    // clean judges against), and so does clean.
    expect(kept.stdout).toContain(
      "hint: baton/integration holds the last integration's result. Start a new one with `baton integrate --fresh --into main`.\n",
    );
    const json = JSON.parse(
      (await runBaton(['clean', '--merged', '--json', '--dry-run'], { cwd: repo.root })).stdout,
    );
    expect(json).toMatchObject({
      merge_targets: ['main'],
      integration_set_aside: 'the last integration ended partial (not merged: bad)',
    });

    // Refused (no --merged): the integration branch gets its own hint, the features theirs.
    const refused = await runBaton(['clean', '--all', '--dry-run'], { cwd: repo.root });
    expect(refused.stdout).toContain(
      "hint: baton/integration holds the last integration's result. Start a new one with `baton integrate --fresh --into main`. Or discard it: `baton clean --force integration`.\n",
    );
    expect(refused.stdout).toContain(
      'hint: commit and integrate that work first (baton integrate), or discard it with `baton clean --force bad good`.\n',
    );
  });

  it('after a clean integration that moved no branch, says that going on with it moves the base', async () => {
    const repo = await ranGoodAndBad('ok');
    expect((await runBaton(['integrate'], { cwd: repo.root })).code).toBe(0);
    const clean = await runBaton(['clean', '--merged', '--all', '--dry-run'], { cwd: repo.root });
    expect(clean.stdout).toMatch(/Would remove 2/);
    expect(clean.stdout).not.toContain('note:');
    expect(clean.stdout).toContain(
      "hint: baton/integration holds the last integration's result. Go on with it and move main to it: `baton integrate --continue --into main`.\n",
    );
  });
});

describe('clean of a best-of-N feature not decided yet', () => {
  it('gives the hint its reason gives: `baton run --resume`, not integrate', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.config.json': '{}\n',
      ...contractFiles([
        {
          id: 'api',
          // Attempt 2 waits until the run is interrupted.
          agent: {
            command:
              'mkdir -p src/api && echo ok > src/api/a.txt && if [ "$BATON_ATTEMPT" = 2 ]; then sleep 20; fi',
          },
          criteria: [{ id: 'ok', text: 'ok', run: 'grep -q ok src/api/a.txt' }],
        },
      ]),
    });
    repos.push(repo);
    const log = join(repo.root, '.baton', 'log.jsonl');
    const firstEnded = () =>
      existsSync(log) && readLog(log).events.some((e) => e.type === 'attempt.ended' && e.attempt === 1);
    const run = await runBaton(['run', '--attempts', '2'], {
      cwd: repo.root,
      interrupt: (fire) => {
        const timer = setInterval(() => {
          if (!firstEnded()) return;
          clearInterval(timer);
          fire();
        }, 50);
      },
    });
    expect(run.code).not.toBe(0);

    const r = await runBaton(['clean', 'api'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('best-of-N for api is not decided yet (`baton run --resume api` finishes it)');
    expect(r.stdout).toContain(
      'hint: finish best-of-N for api first (`baton run --resume api` decides it), or discard its attempts with `baton clean --force api.a1 api.a2`.\n',
    );
    expect(r.stdout).not.toContain('baton integrate');
  });
});

describe("clean of a decided best-of-N attempt holding the user's commits", () => {
  it('hints `baton pick` and `baton verify` (integrate never merges an attempt branch), which then let clean remove it', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      'baton.config.json': '{}\n',
      ...contractFiles([
        {
          id: 'api',
          // Attempt 1 changes more lines, so attempt 2 wins.
          agent: {
            command:
              'mkdir -p src/api && echo ok > src/api/a.txt && if [ "$BATON_ATTEMPT" = 1 ]; then echo more >> src/api/a.txt; fi',
          },
          criteria: [{ id: 'ok', text: 'ok', run: 'grep -q ok src/api/a.txt' }],
        },
      ]),
    });
    repos.push(repo);
    expect((await runBaton(['run', '--attempts', '2'], { cwd: repo.root })).code).toBe(0);
    const wt = (n: number) => join(repo.root, '..', 'repo.baton-worktrees', `api.a${n}`);
    const fix = (n: number) => {
      writeFileSync(join(wt(n), 'src', 'api', 'fix.txt'), 'mine\n');
      repo.git('-C', wt(n), 'add', '-A');
      repo.git('-C', wt(n), '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'my fix');
    };
    fix(1);
    fix(2);

    const loser = await runBaton(['clean', 'api.a1'], { cwd: repo.root });
    expect(loser.code).toBe(1);
    expect(loser.stdout).not.toContain('baton integrate');
    expect(loser.stdout).toContain(
      'hint: api.a1: integrate takes baton/api only; to keep that work, `baton pick api 1`, then `baton verify api` (it moves baton/api on to the commit it checked, once every check passes there); or discard it with `baton clean --force api.a1` (its tip is kept as a backup).\n',
    );
    // The winner needs no pick: verify alone moves baton/api on to its commits.
    const winner = await runBaton(['clean', 'api.a2'], { cwd: repo.root });
    expect(winner.stdout).toContain(
      'hint: api.a2: integrate takes baton/api only; to keep that work, `baton verify api` (',
    );

    // The hint as given works: after it, clean removes the attempt, its work now on baton/api.
    expect((await runBaton(['pick', 'api', '1'], { cwd: repo.root })).code).toBe(0);
    expect((await runBaton(['verify', 'api'], { cwd: repo.root })).code).toBe(0);
    const again = await runBaton(['clean', 'api.a1'], { cwd: repo.root });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toMatch(/^Removed 1/m);
  });
});

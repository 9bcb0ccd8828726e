// Any process can append to the log: a feature that failed its `run:` criterion could be made
// `complete` by forged lines (a `check.passed` on its commit and a `feature.ended`), and `integrate
// --into main` moved main to it. Before `--into` moves a branch of the user's, every merged feature's
// worktree criteria now run again on the integration result, and a failure keeps the branch where it
// was. The same gate catches features whose criteria hold alone and not together. Real git, real runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton, runBatonProcess } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { forgeComplete } from './fixture.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const events = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

function repoWith(files: Parameters<typeof contractFiles>[0]): TempRepo {
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    'baton.config.json': '{ "test": "true" }\n',
    ...contractFiles(files),
  });
  repos.push(repo);
  return repo;
}

/**
 * A feature whose criterion wants its own file to be the only one in src/: true on its branch, false
 * once merged with another such feature.
 */
const alone = (id: string) => ({
  id,
  owns: [`src/${id}.txt`],
  agent: { command: `mkdir -p src && echo ${id} > src/${id}.txt` },
  criteria: [{ id: 'alone', text: 'the only file in src', run: `test "$(ls src)" = ${id}.txt` }],
});

describe('--into runs the merged features criteria again on the result', () => {
  it('keeps main where it was for a feature made complete by a forged check.passed, naming the criterion', async () => {
    const repo = repoWith([
      {
        id: 'p',
        agent: { command: 'mkdir -p src/p && echo bad > src/p/p.txt' },
        criteria: [{ id: 'good', text: 'p.txt says good', run: 'grep -q good src/p/p.txt' }],
      },
    ]);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.stdout).toContain('p: failed-checks');
    forgeComplete(repo, 'p', [{ criterion_id: 'good', text: 'p.txt says good', kind: 'run' }]);
    const status = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(JSON.parse(status.stdout).features[0].status).toBe('complete');

    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('p: check good (again, on the result) failed: exit 1');
    expect(r.stdout).toContain(
      "main left where it was: criteria that passed on the features' branches failed when run again on the result: p good (exit 1",
    );
    expect(r.stdout).toContain('.promotion.log');
    expect(repo.git('rev-parse', 'main')).toBe(main);
    expect(existsSync(join(repo.root, '.baton', 'checks', 'p', 'good.promotion.log'))).toBe(true);
    // The gate's results are the integration's, not the feature's: its status is what the log said.
    const after = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(JSON.parse(after.stdout).features[0].status).toBe('complete');
    // Going on with the refused integration runs them again too: main stays.
    const again = await runBaton(['integrate', '--continue', '--into', 'main'], { cwd: repo.root });
    expect(again.code, again.stdout + again.stderr).toBe(1);
    expect(again.stdout).toContain('p: check good (again, on the result) failed: exit 1');
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });

  it('keeps main where it was when two features pass alone and fail together, and moves it when they hold', async () => {
    const repo = repoWith([alone('a'), alone('b')]);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout).toBe(0);
    const main = repo.git('rev-parse', 'main');
    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /main left where it was: criteria that passed .*: a alone \(exit 1.*; b alone \(exit 1/,
    );
    expect(repo.git('rev-parse', 'main')).toBe(main);
    const ended = events(repo).findLast((e) => e.type === 'integration.ended');
    expect(ended).toMatchObject({ outcome: 'clean', into_asked: 'main' });
    // The report says so where the user looks: the criteria that failed on the result and main kept,
    // never that the contracts held.
    const report = await runBaton(['report'], { cwd: repo.root });
    expect(report.stdout).toContain('criteria run again on the result before --into: 2 failed');
    expect(report.stdout).toContain(
      "--into main: left where it was (criteria that passed on the features' branches failed when run again on the result",
    );
    expect(report.stdout).not.toContain('the contracts held');
    const json = JSON.parse((await runBaton(['report', '--format', 'json'], { cwd: repo.root })).stdout);
    expect(json.integration).toMatchObject({ promotion_failed: 2, into: { branch: 'main', moved: false } });

    // One that holds on the result: main moves, and the re-run is shown.
    const good = repoWith([
      {
        id: 'p',
        agent: { command: 'mkdir -p src/p && echo good > src/p/p.txt' },
        criteria: [{ id: 'good', text: 'p.txt says good', run: 'grep -q good src/p/p.txt' }],
      },
    ]);
    expect((await runBaton(['run'], { cwd: good.root })).code).toBe(0);
    const moved = await runBaton(['integrate', '--into', 'main'], { cwd: good.root });
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(moved.stdout).toContain('p: check good (again, on the result) passed');
    expect(good.git('show', 'main:src/p/p.txt')).toBe('good');
    const goodReport = await runBaton(['report'], { cwd: good.root });
    expect(goodReport.stdout).toContain('--into main: fast-forwarded to the result');
    expect(goodReport.stdout).not.toContain('criteria run again on the result before --into');
  });

  it('never calls the integration clean when --into was refused: it says the branch was not moved, and why', async () => {
    const repo = repoWith([alone('a'), alone('b')]);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const main = repo.git('rev-parse', 'main');
    const r = runBatonProcess(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toContain('Integration clean');
    expect(r.stdout).toMatch(
      /^Integration merged, main not moved in .*: 2 of 2 merged; baton\/integration at /m,
    );
    expect(r.stdout).toContain(
      "main left where it was: criteria that passed on the features' branches failed when run again on the result",
    );
    expect(repo.git('rev-parse', 'main')).toBe(main);
  });
});

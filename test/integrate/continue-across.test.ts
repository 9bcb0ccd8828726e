// A `--continue` goes on with the integration it continues, whatever happened in between: another
// `baton run` started since, or a pause of any length.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { cachedState, type TempRepo } from '../rig/repo.js';
import { lines, logEvents, makeFourFeatures, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const integrationWorktree = (r: TempRepo) => join(r.root, '..', 'repo.baton-worktrees', 'integration');

/** Appends events to the repo's log as Baton would write them. */
function append(r: TempRepo, ...events: Array<Record<string, unknown>>): void {
  const lines = events.map((e) => `${JSON.stringify({ v: 1, ts: new Date().toISOString(), ...e })}\n`);
  mkdirSync(join(r.root, '.baton'), { recursive: true });
  appendFileSync(join(r.root, '.baton', 'log.jsonl'), lines.join(''));
}

/** A `run.started` and its `run.ended`, for a run of `ids`. */
function run(r: TempRepo, runId: string, ids: string[]): void {
  const started = {
    type: 'run.started',
    run_id: runId,
    feature_ids: ids,
    concurrency: ids.length,
    base: 'main',
    base_commit: r.git('rev-parse', 'main'),
    mode: 'contract-first',
    pid: 1,
  };
  append(r, started, { type: 'run.ended', run_id: runId, outcome: 'complete', duration_ms: 5 });
}

/**
 * The four-feature fixture, run as `r1` and recorded complete; c also owns src/a/config.ts,
 * which it edits, so `--into` may move main.
 */
function completeFour(): TempRepo {
  const r = makeFourFeatures({ c: { owns: ['src/c/**', 'src/a/config.ts'] } }).repo;
  run(r, 'r1', ['a', 'b', 'c', 'd']);
  recordStatus(r, ['a', 'b', 'c', 'd']);
  return r;
}

/**
 * `completeFour` after `baton integrate --test true` stopped at the a × b conflict: stopped once per test
 * process, then copied per test with its integration worktree and log (`cachedState`).
 */
function stoppedAtConflict(): Promise<TempRepo> {
  return cachedState('continue-across:stopped-at-conflict', async () => {
    const r = completeFour();
    expect((await runBaton(['integrate', '--test', 'true'], { cwd: r.root })).code).toBe(1);
    return r;
  });
}

/** Resolves the a × b conflict in the integration worktree and stages it. */
function resolve(r: TempRepo): void {
  const wt = integrationWorktree(r);
  writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
  r.git('-C', wt, 'add', 'src/routes.ts');
}

describe('baton integrate --continue, later', () => {
  it('records a --continue after another run in the run the integration began in, and reports it there', async () => {
    repo = await stoppedAtConflict();
    run(repo, 'r2', ['z']);
    resolve(repo);
    const c = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    const events = logEvents(repo);
    const afterR2 = events.slice(events.findIndex((e) => e.type === 'run.started' && e.run_id === 'r2') + 2);
    expect(afterR2.length).toBeGreaterThan(0);
    expect(new Set(afterR2.map((e) => e.run_id))).toEqual(new Set(['r1']));
    const report = async (...args: string[]) =>
      JSON.parse((await runBaton(['report', '--json', ...args], { cwd: repo!.root })).stdout).integration;
    expect(await report('--run', 'r1')).toMatchObject({
      attempts: 1,
      outcome: 'clean',
      merges: { clean: 4 },
    });
    expect(await report()).toMatchObject({ attempts: 0, merges: { clean: 0, conflict: 0 } });
  });

  it('moves the --into branch the integration began with only when --continue names it again', async () => {
    repo = completeFour();
    const stop = await runBaton(['integrate', '--into', 'main', '--test', 'true'], { cwd: repo.root });
    expect(stop.code).toBe(1);
    expect(stop.stdout).toContain('  baton integrate --continue --test true --into main\n');
    resolve(repo);
    const main = repo.git('rev-parse', 'main');
    const plain = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('[integrate/into-unnamed]');
    expect(repo.git('rev-parse', 'main')).toBe(main);
    const c = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toContain('main fast-forwarded');
    expect(repo.git('rev-parse', 'main')).toBe(repo.git('rev-parse', 'baton/integration'));
    const started = logEvents(repo).find((e) => e.type === 'integration.started');
    expect(started).toMatchObject({ into: 'main' });
  });

  it('counts what a --continue and a promotion an hour later ran, not the hours between', async () => {
    repo = await stoppedAtConflict();
    resolve(repo);
    const later = (h: number) => () => new Date(Date.now() + h * 3_600_000);
    const c = await runBaton(['integrate', '--continue', '--test', 'true'], {
      cwd: repo.root,
      clock: later(1),
    });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    const p = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
      clock: later(2),
    });
    expect(p.code, p.stdout + p.stderr).toBe(0);
    const ends = logEvents(repo).flatMap((e) => (e.type === 'integration.ended' ? [e.duration_ms] : []));
    expect(ends).toHaveLength(3);
    for (const ms of ends) expect(ms).toBeLessThan(60_000);
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout);
    expect(report.integration.duration_min).toBeLessThan(1);
  });

  it('after the tests fail on a hand-resolved merge, points at the resolution, and --continue takes it amended', async () => {
    repo = completeFour();
    const test = '! grep -q broken src/routes.ts';
    expect((await runBaton(['integrate', '--test', test], { cwd: repo.root })).code).toBe(1);
    const wt = integrationWorktree(repo);
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'broken' }));
    repo.git('-C', wt, 'add', 'src/routes.ts');
    // The test command is never taken from the log: `--continue` is given it again.
    const failed = await runBaton(['integrate', '--continue', '--test', test], { cwd: repo.root });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Tests failed after merging b');
    expect(failed.stdout).toContain('The merge of baton/b was a conflict resolved by hand');
    expect(failed.stdout).toContain(
      `git -C ${wt} commit --all --amend --no-edit; \`git add\` a new file first), then run \`baton integrate --continue --test '${test}'\``,
    );
    expect(failed.stdout).not.toContain('Fix it on baton/b');
    // The fix, amended into the merge as the advice says (a tracked file: no `git add` needed).
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    repo.git(
      '-C',
      wt,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '-q',
      '--all',
      '--amend',
      '--no-edit',
    );
    const c = await runBaton(['integrate', '--continue', '--test', test], { cwd: repo.root });
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toMatch(/Integration clean in .*: 4 of 4 merged/);
  });
});

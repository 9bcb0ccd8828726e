// An integration that stopped at a conflict or at failed tests waits for a person: `status` says so
// under its table and in `--json` (`integration`), with the feature, why, and what goes on, in the
// words `baton integrate` used; `doctor` warns the same. Real `baton` processes on real repositories.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import { runBatonProcess } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { lines, logEvents, makeFourFeatures, projectRepo, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

interface IntegrationJson {
  how: string;
  merged: string[];
  order: string[];
  stopped_at: string | null;
  reason: string | null;
  worktree: string | null;
  command: string;
  test_from_log: boolean;
  go_on: string;
}

function statusJson(r: TempRepo): { integration: IntegrationJson | null } {
  const out = runBatonProcess(['status', '--json', '--no-disk'], { cwd: r.root });
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as { integration: IntegrationJson | null };
}

function doctorCheck(r: TempRepo): { status: string; detail: string; hint?: string } | undefined {
  const doctor = JSON.parse(runBatonProcess(['doctor', '--json'], { cwd: r.root }).stdout) as {
    checks: Array<{ name: string; status: string; detail: string; hint?: string }>;
  };
  return doctor.checks.find((c) => c.name === 'last integration');
}

/** The worktree the integration's start names. */
function integrationWorktree(r: TempRepo): string {
  const started = logEvents(r).find((e) => e.type === 'integration.started');
  if (started?.type !== 'integration.started') throw new Error('no integration.started');
  return started.worktree;
}

describe('status after an integration that stopped', () => {
  it('at a conflict: names the feature, the files and the --continue; gone once it is resolved and finished', () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    const stop = runBatonProcess(['integrate', 'a', 'b', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    const wt = integrationWorktree(repo);
    const command = 'baton integrate --continue --test true --into main';
    // The advice integrate printed on stopping, which status repeats.
    expect(stop.stdout).toContain(`  ${command}`);

    const json = statusJson(repo).integration;
    expect(json).toEqual({
      how: 'conflict',
      merged: ['a'],
      order: ['a', 'b'],
      stopped_at: 'b',
      reason: 'conflict in src/routes.ts with a',
      worktree: wt,
      command,
      test_from_log: true,
      go_on: `resolve the conflict of b in ${wt} (and \`git add\`), then run \`${command}\` (its --test is the command the integration began with, as the log records it: read it first), or start over with \`baton integrate --fresh\``,
    });
    const human = runBatonProcess(['status', '--no-disk'], { cwd: repo.root }).stdout;
    expect(human).toContain(
      `the last integration stopped at b (conflict in src/routes.ts with a), merged 1 of 2 (a): resolve the conflict of b in ${wt} (and \`git add\`), then run \`${command}\``,
    );
    const check = doctorCheck(repo);
    expect(check?.status).toBe('warn');
    expect(check?.hint).toContain(
      `Resolve the conflict of b in ${wt} (and \`git add\`), then run \`${command}\``,
    );

    // Resolved by hand and gone on with: finished clean, nothing left to say.
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    runGit(wt, ['add', 'src/routes.ts']);
    const done = runBatonProcess(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(statusJson(repo).integration).toBeNull();
    expect(runBatonProcess(['status', '--no-disk'], { cwd: repo.root }).stdout).not.toContain(
      'last integration',
    );
    expect(doctorCheck(repo)?.status).toBe('ok');
  });

  it('at failed tests: names the feature the tests failed after and the fresh start integrate advised', () => {
    repo = projectRepo([{ id: 'f1' }, { id: 'f2' }]);
    const test = 'test ! -e src/f2/index.ts';
    const stop = runBatonProcess(['integrate', '--test', test], { cwd: repo.root });
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    const wt = integrationWorktree(repo);
    const advice = `fix it on baton/f2, then run \`baton integrate --fresh\`; the state is in ${wt}`;
    // integrate's own advice, as a sentence: the one source of both.
    expect(stop.stdout).toContain(`F${advice.slice(1)}.`);

    expect(statusJson(repo).integration).toEqual({
      how: 'tests-failed',
      merged: ['f1', 'f2'],
      order: ['f1', 'f2'],
      stopped_at: 'f2',
      reason: 'tests failed after merging f2, exit 1',
      worktree: wt,
      command: 'baton integrate --fresh',
      test_from_log: false,
      go_on: advice,
    });
    expect(runBatonProcess(['status', '--no-disk'], { cwd: repo.root }).stdout).toContain(
      `the last integration stopped at f2 (tests failed after merging f2, exit 1), merged 2 of 2 (f1, f2): ${advice}\n`,
    );
    expect(doctorCheck(repo)?.status).toBe('warn');
  });

  it('at failed tests on a resolved conflict: the resolution to fix and the --continue, as integrate said', () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    // Passes after a; fails on the resolution of b's conflict.
    const test = "! grep -q 'route a and b' src/routes.ts";
    const args = ['integrate', 'a', 'b', '--test', test];
    expect(runBatonProcess(args, { cwd: repo.root }).code).toBe(1);
    const wt = integrationWorktree(repo);
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    runGit(wt, ['add', 'src/routes.ts']);
    const failed = runBatonProcess(['integrate', '--continue', '--test', test], { cwd: repo.root });
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);

    const json = statusJson(repo).integration;
    expect(json).toMatchObject({
      how: 'tests-failed',
      merged: ['a', 'b'],
      stopped_at: 'b',
      reason: 'tests failed after merging b, exit 1',
      command: `baton integrate --continue --test ${printableArg(test)}`,
      test_from_log: true,
    });
    expect(json?.go_on).toMatch(
      /^the merge of baton\/b was a conflict resolved by hand: the tests fail on that resolution/,
    );
    // integrate said the same, but for the note on a test command read from the log.
    const said = json?.go_on.replace(
      ' (its --test is the command the integration began with, as the log records it: read it first)',
      '',
    );
    expect(failed.stdout).toContain(`T${said?.slice(1)}.`);
  });

  it('escapes what the log says of it: the worktree and the files (a feature id with controls is no valid line)', () => {
    repo = projectRepo([{ id: 'f1' }]);
    const at = (i: number) => `2026-01-01T00:00:0${i}.000Z`;
    const events = [
      {
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/w\u001b[2J',
        order: ['f1', 'f2'],
        base_commit: 'c0',
      },
      { type: 'merge.clean', feature_id: 'f1', commit: 'c1', duration_ms: 1 },
      {
        type: 'merge.conflict',
        feature_id: 'f2',
        files: ['a\u001b]8;;\u202eb'],
        with: ['f1'],
        duration_ms: 1,
      },
      { type: 'integration.ended', outcome: 'conflict', duration_ms: 1 },
    ].map((e, i) => ({ v: 1, ts: at(i), ...e }));
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    writeFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      events.map((e) => `${JSON.stringify(e)}\n`).join(''),
    );
    const human = runBatonProcess(['status', '--no-disk'], { cwd: repo.root }).stdout;
    expect(human).toContain('stopped at f2 (conflict in a\\x1b]8;;\\u202eb with f1)');
    expect(human).toContain('resolve the conflict of f2 in /w\\x1b[2J');
    for (const c of ['\u001b', '\u202e']) expect(human).not.toContain(c);
    const raw = runBatonProcess(['status', '--json', '--no-disk'], { cwd: repo.root }).stdout;
    for (const c of ['\u001b', '\u202e']) expect(raw).not.toContain(c);
    expect((JSON.parse(raw) as { integration: IntegrationJson }).integration.worktree).toBe('/w\u001b[2J');
  });
});

function runGit(cwd: string, args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

// An integration that stopped at a conflict or at failed tests waits for a person: `status` says so
// under its table and in `--json` (`integration`), with the feature, why, and what goes on, in the
// words `baton integrate` used; `doctor` warns the same. The CLI in-process on real repositories (a node
// start per command cost most of this file's time); the advice is run as printed by real `baton` processes.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import { TEST_FROM_LOG, WORKTREE_NOT_FOUND } from '../../src/integrate/continue-command.js';
import { BATON_BIN, runBaton, runBatonProcess } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
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
  branches_gone: string[];
  go_on: string;
}

async function statusJson(r: TempRepo): Promise<{ integration: IntegrationJson | null }> {
  const out = await runBaton(['status', '--json', '--no-disk'], { cwd: r.root });
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as { integration: IntegrationJson | null };
}

async function doctorCheck(
  r: TempRepo,
): Promise<{ status: string; detail: string; hint?: string } | undefined> {
  const doctor = JSON.parse((await runBaton(['doctor', '--json'], { cwd: r.root })).stdout) as {
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
  it('at a conflict: names the feature, the files and the --continue; gone once it is resolved and finished', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    const stop = await runBaton(['integrate', 'a', 'b', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    const wt = integrationWorktree(repo);
    const command = 'baton integrate --continue --test true --into main';
    // The advice integrate printed on stopping, which status repeats.
    expect(stop.stdout).toContain(`  ${command}`);

    const json = (await statusJson(repo)).integration;
    expect(json).toEqual({
      how: 'conflict',
      merged: ['a'],
      order: ['a', 'b'],
      stopped_at: 'b',
      reason: 'conflict in src/routes.ts with a',
      worktree: wt,
      command,
      test_from_log: true,
      branches_gone: [],
      go_on: `resolve the conflict of b in ${wt} (and \`git add\`), then run \`${command}\` (its --test is the command the integration began with, as the log records it: read it first), or start over with \`baton integrate a b --fresh --test true --into main\``,
    });
    const human = (await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout;
    expect(human).toContain(
      `the last integration stopped at b (conflict in src/routes.ts with a), merged 1 of 2 (a): resolve the conflict of b in ${wt} (and \`git add\`), then run \`${command}\``,
    );
    const check = await doctorCheck(repo);
    expect(check?.status).toBe('warn');
    expect(check?.hint).toContain(
      `Resolve the conflict of b in ${wt} (and \`git add\`), then run \`${command}\``,
    );

    // Resolved by hand and gone on with: finished clean, nothing left to say.
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    runGit(wt, ['add', 'src/routes.ts']);
    const done = await runBaton(['integrate', '--continue', '--test', 'true', '--into', 'main'], {
      cwd: repo.root,
    });
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect((await statusJson(repo)).integration).toBeNull();
    expect((await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout).not.toContain(
      'last integration',
    );
    expect((await doctorCheck(repo))?.status).toBe('ok');
  });

  it('at failed tests: names the feature the tests failed after and the fresh start integrate advised; nothing once baton clean removed it', async () => {
    repo = projectRepo([{ id: 'f1' }, { id: 'f2' }]);
    const test = 'test ! -e src/f2/index.ts';
    const stop = await runBaton(['integrate', '--test', test], { cwd: repo.root });
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    const wt = integrationWorktree(repo);
    const command = `baton integrate --fresh --test ${printableArg(test)}`;
    const advice = (note: string) =>
      `fix it on baton/f2 (commit the fix there), then run \`baton verify f2\`, then \`${command}\`${note}; the state is in ${wt}`;
    // integrate's own advice, as a sentence: the one source of both (status adds that the test is the log's).
    expect(stop.stdout).toContain(`F${advice('').slice(1)}.`);

    expect((await statusJson(repo)).integration).toEqual({
      how: 'tests-failed',
      merged: ['f1', 'f2'],
      order: ['f1', 'f2'],
      stopped_at: 'f2',
      reason: 'tests failed after merging f2, exit 1',
      worktree: wt,
      command,
      test_from_log: true,
      branches_gone: [],
      go_on: advice(TEST_FROM_LOG),
    });
    expect((await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout).toContain(
      `the last integration stopped at f2 (tests failed after merging f2, exit 1), merged 2 of 2 (f1, f2): ${advice(TEST_FROM_LOG)}\n`,
    );
    expect((await doctorCheck(repo))?.status).toBe('warn');

    // baton clean removed its branch and worktree: nothing goes on with it, and a --continue would be refused.
    const clean = await runBaton(['clean', 'integration', '--force'], { cwd: repo.root });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(repo.git('branch', '--list', 'baton/integration')).toBe('');
    expect((await statusJson(repo)).integration).toBeNull();
    expect((await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout).not.toContain(
      'last integration',
    );
    expect(await doctorCheck(repo)).toMatchObject({
      status: 'ok',
      detail: 'none to go on with: baton/integration no longer exists',
    });
  });

  it('at failed tests on a resolved conflict: the resolution to fix and the --continue, as integrate said', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    // Passes after a; fails on the resolution of b's conflict.
    const test = "! grep -q 'route a and b' src/routes.ts";
    const args = ['integrate', 'a', 'b', '--test', test];
    expect((await runBaton(args, { cwd: repo.root })).code).toBe(1);
    const wt = integrationWorktree(repo);
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    runGit(wt, ['add', 'src/routes.ts']);
    const failed = await runBaton(['integrate', '--continue', '--test', test], { cwd: repo.root });
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);

    const json = (await statusJson(repo)).integration;
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
    const said = json?.go_on.replace(TEST_FROM_LOG, '');
    expect(failed.stdout).toContain(`T${said?.slice(1)}.`);
  });

  it('escapes what the log says of it: the worktree and the files (a feature id with controls is no valid line)', async () => {
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
    repo.git('branch', 'baton/integration');
    const human = (await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout;
    expect(human).toContain('stopped at f2 (conflict in a\\x1b]8;;\\u202eb with f1)');
    // The log's worktree is not named at all: no worktree git lists holds baton/integration.
    expect(human).toContain(WORKTREE_NOT_FOUND);
    expect(human).not.toContain('/w\\x1b[2J');
    for (const c of ['\u001b', '\u202e']) expect(human).not.toContain(c);
    const raw = (await runBaton(['status', '--json', '--no-disk'], { cwd: repo.root })).stdout;
    for (const c of ['\u001b', '\u202e']) expect(raw).not.toContain(c);
    expect((JSON.parse(raw) as { integration: IntegrationJson }).integration.worktree).toBeNull();
  });
});

/** Events appended to the repo's log as any process could write them, stamped now. */
function appendForged(r: TempRepo, events: Array<Record<string, unknown>>): void {
  const ts = new Date().toISOString();
  const text = events.map((e) => `${JSON.stringify({ v: 1, ts, ...e })}\n`).join('');
  mkdirSync(join(r.root, '.baton'), { recursive: true });
  appendFileSync(join(r.root, '.baton', 'log.jsonl'), text);
}

/** A stop whose start names `worktree`: at a conflict, or at failed tests on a conflict resolved by hand. */
function forgedStop(worktree: string, at: 'conflict' | 'tests-failed'): Array<Record<string, unknown>> {
  const started = { type: 'integration.started', branch: 'baton/integration', worktree };
  const conflict = { type: 'merge.conflict', feature_id: 'b', files: ['src/routes.ts'], with: ['a'] };
  const events = [
    { ...started, order: ['a', 'b'], base_commit: 'c0' },
    { type: 'merge.clean', feature_id: 'a', commit: 'c1', duration_ms: 1 },
    { ...conflict, duration_ms: 1 },
  ];
  if (at === 'conflict')
    return [...events, { type: 'integration.ended', outcome: 'conflict', duration_ms: 1 }];
  return [
    ...events,
    { type: 'merge.clean', feature_id: 'b', commit: 'c2', resolved: 'by-hand', duration_ms: 1 },
    { type: 'integration.tested', after_feature: 'b', passed: false, exit_code: 1, duration_ms: 1 },
    { type: 'integration.ended', outcome: 'tests-failed', duration_ms: 1 },
  ];
}

describe("the worktree status and doctor name is the one git lists, never the log's", () => {
  it.each(['conflict', 'tests-failed'] as const)(
    "a log naming the user's checkout, stopped at %s: no command is pointed at it, the worktree is said not found",
    async (at) => {
      repo = projectRepo([{ id: 'a' }, { id: 'b' }]);
      appendForged(repo, forgedStop(repo.root, at));
      repo.git('branch', 'baton/integration');
      const human = (await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout;
      const json = (await statusJson(repo)).integration;
      const hint = (await doctorCheck(repo))?.hint ?? '';
      for (const said of [human, json?.go_on ?? '', hint]) {
        expect(said).not.toContain('git -C');
        expect(said).not.toContain(repo.root);
        expect(said.toLowerCase()).toContain(WORKTREE_NOT_FOUND);
      }
      // --continue would refuse (no worktree is proven): starting over is what goes on.
      expect(json).toMatchObject({ worktree: null, command: 'baton integrate --fresh' });
      expect(human.toLowerCase()).toContain(
        `${WORKTREE_NOT_FOUND}: start over with \`baton integrate --fresh\``,
      );
    },
  );

  it("a log naming the user's checkout while the real integration worktree is there: the real one is named", async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b']);
    expect((await runBaton(['integrate', 'a', 'b', '--test', 'true'], { cwd: repo.root })).code).toBe(1);
    const wt = integrationWorktree(repo);
    appendForged(repo, forgedStop(repo.root, 'tests-failed'));
    const json = (await statusJson(repo)).integration;
    expect(json?.worktree).toBe(wt);
    expect(json?.go_on).toContain(`git -C ${printableArg(wt)} commit --all --amend --no-edit`);
    for (const said of [json?.go_on, (await runBaton(['status', '--no-disk'], { cwd: repo.root })).stdout]) {
      expect(said).not.toContain(`git -C ${repo.root} `);
      expect(said).not.toContain(`in ${repo.root} `);
    }
  });
});

describe("the advice after tests failed on a feature's own work", () => {
  it('works as printed: the fix committed on its branch, each command run as given moves --into with the fix', async () => {
    repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles(
        ['a', 'b'].map((id) => ({
          id,
          agent: {
            command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt${id === 'b' ? ' && echo x > src/b/bad' : ''}`,
          },
          criteria: [{ id: 'has-file', text: 'writes x.txt', run: `test -f src/${id}/x.txt` }],
        })),
      ),
    });
    const run = await runBaton(['run', '-j', '2'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const test = '! test -e src/b/bad';
    const stop = await runBaton(['integrate', '--test', test, '--into', 'main'], { cwd: repo.root });
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    // status as a real `baton` process once (the rest of the file runs the CLI in-process).
    const shown = runBatonProcess(['status', '--json', '--no-disk'], { cwd: repo.root });
    expect(shown.code, shown.stderr).toBe(0);
    const json = (JSON.parse(shown.stdout) as { integration: IntegrationJson | null }).integration;
    const goOn = json?.go_on ?? '';
    // integrate, status and doctor give the one advice (status and doctor add that the test is the log's).
    expect(stop.stdout).toContain(`F${goOn.replace(TEST_FROM_LOG, '').slice(1)}.`);
    expect((await doctorCheck(repo))?.hint).toBe(`F${goOn.slice(1)}.`);
    expect(json?.command).toBe(`baton integrate --fresh --test ${printableArg(test)} --into main`);

    // The fix, committed on baton/b in its worktree.
    const bWorktree = join(repo.root, '..', 'repo.baton-worktrees', 'b');
    runGit(bWorktree, ['rm', '-q', 'src/b/bad']);
    runGit(bWorktree, ['commit', '-qm', 'fix b']);
    // Every command the advice names, run as printed by a shell, `baton` on PATH.
    const commands = [...goOn.matchAll(/`(baton [^`]*)`/g)].map((m) => m[1] ?? '');
    expect(commands[0]).toBe('baton verify b');
    const bin = join(repo.root, '..', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'baton'), `#!/bin/sh\nexec '${process.execPath}' '${BATON_BIN}' "$@"\n`, {
      mode: 0o755,
    });
    for (const command of commands) {
      const r = spawnSync('sh', ['-c', command], {
        cwd: repo.root,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}` },
      });
      expect(r.status, `${command}\n${r.stdout}${r.stderr}`).toBe(0);
    }
    const onMain = repo.git('ls-tree', '-r', '--name-only', 'main');
    expect(onMain).toContain('src/b/x.txt');
    expect(onMain).not.toContain('src/b/bad');
  });
});

function runGit(cwd: string, args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

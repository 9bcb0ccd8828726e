// After a killed `baton integrate` (kill -9 while its --test runs between merges) the rows read
// `merge.clean`: `status` and `doctor` say the integration is unfinished and give the one `--continue`
// (`continueCommand`) that goes on with it. A real integrate, killed for real.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printableArg } from '../../src/agents/shell-words.js';
import { describeUnfinished, unfinishedIntegration } from '../../src/integrate/unfinished.js';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { BATON_BIN, runBaton, runBatonProcess } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { projectRepo } from './fixture.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe('an integrate killed between merges', () => {
  it('status and doctor say it is unfinished, with the --continue that then finishes it', async () => {
    const repo: TempRepo = projectRepo([{ id: 'f1' }, { id: 'f2' }]);
    cleanups.push(() => repo.cleanup());
    const started = join(repo.root, '..', 'test-started');
    const go = join(repo.root, '..', 'go');
    // The test command left running by the killed Baton ends with the test, even a failed one.
    const test = `touch '${started}'; while [ ! -f '${go}' ] && [ -d '${repo.root}' ]; do sleep 0.1; done`;
    const child = spawn(process.execPath, [BATON_BIN, 'integrate', '--into', 'main', '--test', test], {
      cwd: repo.root,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(await until(() => existsSync(started), 30_000)).toBe(true);
    child.kill('SIGKILL');
    await exited;

    const command = `baton integrate --continue --test ${printableArg(test)} --into main`;
    // status as a real process once; the other reads run the CLI in-process (a node start each spared).
    const status = runBatonProcess(['status'], { cwd: repo.root });
    expect(status.stdout).toContain(
      `the last integration never recorded its end (its \`baton integrate\` was killed, or stopped at an error it printed), merged 1 of 2 (f1): go on with \`${command}\` (its --test is the command the integration began with`,
    );
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      integration: Record<string, unknown> | null;
    };
    expect(json.integration).toMatchObject({
      how: 'killed',
      merged: ['f1'],
      order: ['f1', 'f2'],
      stopped_at: null,
      reason: null,
      command,
      test_from_log: true,
    });
    const doctor = JSON.parse((await runBaton(['doctor', '--json'], { cwd: repo.root })).stdout) as {
      checks: Array<{ name: string; status: string; detail: string; hint?: string }>;
    };
    const check = doctor.checks.find((c) => c.name === 'last integration');
    expect(check?.status).toBe('warn');
    expect(check?.hint).toContain(`Go on with \`${command}\``);

    writeFileSync(go, '');
    const finished = await runBaton(['integrate', '--continue', '--test', test, '--into', 'main'], {
      cwd: repo.root,
    });
    expect(finished.code, finished.stderr).toBe(0);
    expect((await runBaton(['status'], { cwd: repo.root })).stdout).not.toContain('last integration');
    const after = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      integration: unknown;
    };
    expect(after.integration).toBeNull();
  });
});

/** An integration's events, stamped and numbered in order. */
function integration(...events: Array<Record<string, unknown>>): LogEvent[] {
  return events.map((e, i) => ({ v: 1, ts: `2026-01-01T00:00:0${i}.000Z`, ...e }) as LogEvent);
}

const STARTED = {
  type: 'integration.started',
  branch: 'baton/integration',
  worktree: '/w',
  order: ['a', 'b'],
  base_commit: 'c0',
  test: 'npm test',
  into: 'main',
};
const MERGED = (id: string) => ({ type: 'merge.clean', feature_id: id, commit: `c-${id}`, duration_ms: 1 });
const CONFLICT = (id: string) => ({
  type: 'merge.conflict',
  feature_id: id,
  files: ['x.ts'],
  with: ['a'],
  duration_ms: 1,
});
const TESTED = (id: string, passed: boolean) => ({
  type: 'integration.tested',
  after_feature: id,
  passed,
  exit_code: passed ? 0 : 1,
  duration_ms: 1,
});
const ENDED = (outcome: string, extra: Record<string, unknown> = {}) => ({
  type: 'integration.ended',
  outcome,
  duration_ms: 1,
  ...extra,
});

/** Its branch there, and its worktree proven. */
const ON_DISK = { branch: true, worktree: '/w' };

describe('unfinishedIntegration (pure)', () => {
  it.each([
    ['none began', [], false, undefined],
    ['killed after a merge', integration(STARTED, MERGED('a')), false, 'killed'],
    ['the same, while a live integrate holds the lock', integration(STARTED, MERGED('a')), true, undefined],
    [
      'interrupted (Ctrl-C, a closed terminal)',
      integration(STARTED, MERGED('a'), ENDED('interrupted')),
      false,
      'interrupted',
    ],
    ['ended clean', integration(STARTED, MERGED('a'), MERGED('b'), ENDED('clean')), false, undefined],
    [
      'stopped at a conflict',
      integration(STARTED, MERGED('a'), CONFLICT('b'), ENDED('conflict')),
      false,
      'conflict',
    ],
    [
      'stopped at failed tests',
      integration(STARTED, MERGED('a'), TESTED('a', false), ENDED('tests-failed')),
      false,
      'tests-failed',
    ],
    // Ran to its end: nothing goes on with it (the report and `integrate` say what was left out).
    ['ended partial', integration(STARTED, MERGED('a'), ENDED('partial')), false, undefined],
    [
      'ended checks-failed',
      integration(STARTED, MERGED('a'), MERGED('b'), ENDED('checks-failed')),
      false,
      undefined,
    ],
    [
      'a --continue killed after it merged again',
      integration(STARTED, MERGED('a'), ENDED('interrupted'), MERGED('b')),
      false,
      'killed',
    ],
  ])('%s', (_, events, live, how) => {
    expect(unfinishedIntegration(foldEvents(events).integration, live, ON_DISK)?.how).toBe(how);
  });

  it('names the branch a later --continue --into was left to move, not only the first', () => {
    const events = integration(
      { ...STARTED, into: undefined },
      MERGED('a'),
      ENDED('conflict', { into_asked: 'release' }),
      MERGED('b'),
    );
    expect(unfinishedIntegration(foldEvents(events).integration, false, ON_DISK)?.command).toBe(
      "baton integrate --continue --test 'npm test' --into release",
    );
  });

  it('names what the integration began with: the --continue its policy, the start over its features, --base and --include too', () => {
    const began = {
      ...STARTED,
      on_conflict: 'skip',
      named: ['a', 'b'],
      base_ref: 'release/1.0',
      include: ['failed-checks'],
    };
    const u = unfinishedIntegration(
      foldEvents(integration(began, MERGED('a'), ENDED('interrupted'))).integration,
      false,
      ON_DISK,
    );
    expect(u?.command).toBe("baton integrate --continue --test 'npm test' --into main --on-conflict skip");
    expect(u && describeUnfinished(u).goOn).toContain(
      "or start over with `baton integrate a b --fresh --test 'npm test' --into main --base release/1.0 --include failed-checks --on-conflict skip`",
    );
    // A policy the log names that is none is not printed.
    const forged = unfinishedIntegration(
      foldEvents(integration({ ...STARTED, on_conflict: 'rm -rf' }, MERGED('a'), ENDED('interrupted')))
        .integration,
      false,
      ON_DISK,
    );
    expect(forged?.command).toBe("baton integrate --continue --test 'npm test' --into main");
  });

  it('is none once its branch is gone, and starts over when no worktree is proven', () => {
    const stopped = foldEvents(
      integration(STARTED, MERGED('a'), CONFLICT('b'), ENDED('conflict')),
    ).integration;
    expect(unfinishedIntegration(stopped, false, { branch: false, worktree: undefined })).toBeUndefined();
    const unproven = unfinishedIntegration(stopped, false, { branch: true, worktree: undefined });
    expect(unproven).toMatchObject({
      how: 'conflict',
      worktree: undefined,
      command: "baton integrate --fresh --test 'npm test' --into main",
    });
  });

  it('starts over when branches it has still to merge are gone, putting back only what clean kept', () => {
    const killed = foldEvents(integration({ ...STARTED, order: ['a', 'b', 'c'] }, MERGED('a'))).integration;
    const refs = (kept: [string, string][]) => ({
      branches: new Set(['baton/a']),
      kept: new Map(kept),
    });
    const noneKept = unfinishedIntegration(killed, false, { ...ON_DISK, refs: refs([]) });
    expect(noneKept?.gone).toEqual([
      { id: 'b', kept: undefined },
      { id: 'c', kept: undefined },
    ]);
    const fresh = "baton integrate --fresh --test 'npm test' --into main";
    expect(noneKept?.command).toBe(fresh);
    expect(noneKept && describeUnfinished(noneKept).goOn).toContain(
      `baton/b, baton/c, which it has still to merge, no longer exist (\`baton clean\` removes a feature's branch): start over without them with \`${fresh}\``,
    );
    const bothKept = unfinishedIntegration(killed, false, {
      ...ON_DISK,
      refs: refs([
        ['b', 'refs/baton/clean-backup/b/1'],
        ['c', 'refs/baton/clean-backup/c/2'],
      ]),
    });
    expect(bothKept && describeUnfinished(bothKept).goOn).toContain(
      'put them back from the tip baton clean kept (git branch baton/b refs/baton/clean-backup/b/1; git branch baton/c refs/baton/clean-backup/c/2), then run `baton integrate --continue',
    );
  });
});

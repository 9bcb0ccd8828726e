import { afterEach, describe, expect, it } from 'vitest';
import { readJobsFlag } from '../../src/cli/jobs-flag.js';
import { nextStep, reportRunSummary } from '../../src/cli/run-summary.js';
import { UserError } from '../../src/errors.js';
import { dependencyNotComplete, runOutcome } from '../../src/runner/outcome.js';
import type { RunSummary } from '../../src/runner/run.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function summary(statuses: RunSummary['features'][number]['status'][]): RunSummary {
  return {
    runId: 'r1',
    outcome: statuses.every((s) => s === 'complete') ? 'complete' : 'failed',
    features: statuses.map((status, i) => ({ feature_id: `f${i}`, status })),
    durationMs: 10,
  };
}

describe('the end of baton run, local or --queue (one rule)', () => {
  it.each([
    [['complete', 'complete'], '2/2 features complete', 0],
    [['complete', 'failed'], '1/2 features complete', 1],
    [['pending'], '0/1 features complete', 1],
  ] as const)('%j → "%s", exit %i', (statuses, line, code) => {
    let out = '';
    const exit = reportRunSummary(
      { stdout: { write: (s: string) => (out += s) } as never },
      summary([...statuses]),
      false,
    );
    expect(out.split('\n')[0]).toBe(`${line}; see \`baton status\`.`);
    expect(exit).toBe(code);
  });

  it('names the command that goes on: integrate when every feature completed, else the resume', () => {
    expect(nextStep(summary(['complete', 'complete']))).toBe(
      'Next: `baton integrate` merges the branches in dependency order and checks the result; add `--into <branch>` to move a branch of yours to it.',
    );
    expect(nextStep(summary([]))).toBeUndefined();
    expect(nextStep(summary(['complete', 'failed', 'timeout']))).toBe(
      'Fix what `baton status` says failed, then run them again on their branches: `baton run --resume f1 f2`.',
    );
    expect(nextStep(summary(['failed']))).toContain('run it again on its branch: `baton run --resume f0`.');
    const stopped: RunSummary = { ...summary(['complete', 'interrupted']), outcome: 'interrupted' };
    expect(nextStep(stopped)).toBe('To go on where it stopped: `baton run --resume`.');
    const queue = { url: 'redis://127.0.0.1:6379', hub: '/srv/hub.git' };
    expect(nextStep(stopped, queue)).toBe(
      'To go on where it stopped: `baton run --queue redis://127.0.0.1:6379 --hub /srv/hub.git --resume`.',
    );
    // A queued run's failed jobs are not rerun by a re-attach: no command is offered for them.
    expect(nextStep(summary(['failed']), queue)).toBeUndefined();
  });

  it.each([
    [[], false, 'complete'],
    [[{ status: 'complete' }], false, 'complete'],
    [[{ status: 'complete' }], true, 'interrupted'],
    [[{ status: 'interrupted', stopped_by_user: true }], false, 'interrupted'],
    [[{ status: 'complete' }, { status: 'interrupted', stopped_by_user: true }], false, 'interrupted'],
    [[{ status: 'failed' }, { status: 'interrupted', stopped_by_user: true }], false, 'failed'],
    [[{ status: 'pending' }, { status: 'interrupted', stopped_by_user: true }], false, 'failed'],
    [[{ status: 'interrupted' }], false, 'failed'],
    // A dependent `--wait-for-deps` did not start because its dependency was stopped waits with it.
    [
      [
        { status: 'interrupted', stopped_by_user: true },
        { status: 'interrupted', waits_on_stop: true },
      ],
      false,
      'interrupted',
    ],
    [[{ status: 'failed' }, { status: 'interrupted', waits_on_stop: true }], false, 'failed'],
  ] as const)(
    'a run whose features ended %j, stopped by a signal: %s, is %s',
    (features, aborted, outcome) => {
      expect(runOutcome(features, aborted)).toBe(outcome);
    },
  );

  it('leaves a dependent of a feature the user stopped for the resume, and fails a dependent of a failed one', () => {
    const stopped = dependencyNotComplete('f1', { status: 'interrupted', stoppedByUser: true });
    expect(stopped).toMatchObject({ status: 'interrupted', waitsOnStop: true });
    // Down a chain too: a dependent of one waiting on a stop waits as well.
    expect(dependencyNotComplete('f2', stopped)).toMatchObject({ status: 'interrupted', waitsOnStop: true });
    expect(dependencyNotComplete('f1', { status: 'failed' })).toEqual({
      status: 'failed',
      reason: 'dependency f1 ended failed; not started',
    });
  });

  it('says the features the user stopped were stopped on purpose, and how to go on, not "fix what failed"', () => {
    const stopped = (ids: string[]): RunSummary => ({
      ...summary(['complete', ...ids.map(() => 'interrupted' as const)]),
      features: [
        { feature_id: 'f0', status: 'complete' },
        ...ids.map((feature_id) => ({
          feature_id,
          status: 'interrupted' as const,
          stopped_by_user: true as const,
        })),
      ],
      outcome: 'interrupted',
    });
    expect(nextStep(stopped(['f1']))).toBe(
      'You stopped f1 (baton stop); to go on where it stopped: `baton run --resume`.',
    );
    expect(nextStep(stopped(['f1', 'f2', 'f3', 'f4']), undefined, { agent: 'claude' })).toBe(
      'You stopped f1, f2, f3 and 1 more (baton stop); to go on where it stopped: `baton run --resume --agent claude`.',
    );
    // Ctrl-C stopped the others: the run's words.
    const mixed = stopped(['f1']);
    mixed.features.push({ feature_id: 'f9', status: 'interrupted' });
    expect(nextStep(mixed)).toBe('To go on where it stopped: `baton run --resume`.');
  });

  it('carries the run’s --base and --agent, which a resume takes from its command line only', () => {
    const again = { base: 'release/1.0', agent: 'claude' };
    expect(nextStep(summary(['complete']), undefined, again)).toContain(
      'Next: `baton integrate --base release/1.0`',
    );
    expect(nextStep(summary(['failed']), undefined, again)).toContain(
      '`baton run --resume f0 --base release/1.0 --agent claude`.',
    );
    const stopped: RunSummary = { ...summary(['interrupted']), outcome: 'interrupted' };
    expect(nextStep(stopped, undefined, { base: 'my base' })).toBe(
      "To go on where it stopped: `baton run --resume --base 'my base'`.",
    );
  });

  it('prints that command under the count', () => {
    let out = '';
    reportRunSummary({ stdout: { write: (s: string) => (out += s) } as never }, summary(['failed']), false);
    expect(out).toBe(
      '0/1 features complete; see `baton status`.\nFix what `baton status` says failed, then run it again on its branch: `baton run --resume f0`.\n',
    );
  });

  it('prints the summary itself with --json, in the snake_case of status --json', () => {
    let out = '';
    const s = summary(['complete']);
    reportRunSummary({ stdout: { write: (t: string) => (out += t) } as never }, s, true);
    expect(JSON.parse(out)).toEqual({
      run_id: 'r1',
      outcome: 'complete',
      duration_ms: 10,
      features: [{ feature_id: 'f0', status: 'complete' }],
    });
  });

  it('baton run --json: stdout is the summary alone, the run told on stderr', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        { id: 'a', owns: ['src/a/**'], agent: { command: 'mkdir -p src/a && echo a > src/a/a.txt' } },
      ]),
    });
    repos.push(repo);
    const r = await runBaton(['run', '--json'], { cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      outcome: 'complete',
      features: [{ feature_id: 'a', status: 'complete' }],
    });
    expect(r.stderr).toContain('a: complete');
    expect(r.stderr).toMatch(/run complete in/);
  });
});

describe('--jobs (one rule for run, verify and worker)', () => {
  it.each([
    ['3', 3],
    [undefined, 7],
  ] as const)('reads %s as %s', (raw, n) => {
    expect(readJobsFlag('run', raw, 7)).toBe(n);
  });

  it.each(['0', '-1', '1.5', 'x', ''])('refuses "%s" with the command\'s code and exit 2', (raw) => {
    let caught: unknown;
    try {
      readJobsFlag('verify', raw, 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).code).toBe('verify/bad-jobs');
    expect((caught as UserError).exitCode).toBe(2);
  });

  it('baton run -j 0 stops before any agent with one clear line', async () => {
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([{ id: 'a', agent: { command: 'true' } }]),
    });
    repos.push(repo);
    const r = await runBaton(['run', '-j', '0'], { cwd: repo.root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--jobs must be a whole number of at least 1, got "0"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

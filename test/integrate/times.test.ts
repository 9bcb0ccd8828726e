// The times `baton integrate` prints say what each measures, and the integration time is the one
// `baton report` counts: the attempt's invocations, not the wait for a person between them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/terminal/style.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { lines, makeFourFeatures, recordStatus } from './fixture.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A clock that moves one second each time it is read: every span is long enough to tell apart. */
function tickingClock(): () => Date {
  let t = Date.parse('2026-01-01T00:00:00Z');
  return () => {
    t += 1000;
    return new Date(t);
  };
}

describe('integration times after --continue', () => {
  it('the summary says the integration time the report counts, and the resolved merge says what its time is', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const clock = tickingClock();
    const stop = await runBaton(['integrate', '--test', 'true'], { cwd: repo.root, clock });
    expect(stop.code).toBe(1);
    // The person takes a while: the clock moves on a minute before they go on.
    for (let i = 0; i < 60; i++) clock();
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'integration');
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    repo.git('-C', wt, 'add', 'src/routes.ts');
    const go = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root, clock });
    expect(go.code, go.stdout + go.stderr).toBe(0);
    expect(go.stdout).toMatch(
      /^ {2}b: merged [0-9a-f]{10} \(your resolution, committed 1m \d\ds after the conflict\)$/m,
    );

    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root, clock })).stdout) as {
      integration: { duration_min: number };
    };
    const reported = formatDuration(Math.round(report.integration.duration_min * 60_000));
    const summary =
      /^Integration clean in (.*?) of integration time over 2 invocations \(this one (.*?); the waits between them not counted\):/m.exec(
        go.stdout,
      );
    expect(summary?.[1]).toBe(reported);
    expect(summary?.[2]).not.toBe(reported);
  });

  it('after an invocation that left no end (killed), the summary gives its own time and says the whole is unknown, as the report does', async () => {
    repo = makeFourFeatures().repo;
    recordStatus(repo, ['a', 'b', 'c', 'd']);
    const clock = tickingClock();
    const stop = await runBaton(['integrate', '--test', 'true'], { cwd: repo.root, clock });
    expect(stop.code).toBe(1);
    // What a kill -9 at the conflict leaves: the log has no end of that invocation.
    const logPath = join(repo.root, '.baton', 'log.jsonl');
    const kept = readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((l) => !l.includes('"integration.ended"') && !l.includes('"phase.ended"'));
    writeFileSync(logPath, kept.join('\n'));
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'integration');
    writeFileSync(join(wt, 'src/routes.ts'), lines(20, { 10: 'route a and b' }));
    repo.git('-C', wt, 'add', 'src/routes.ts');
    const go = await runBaton(['integrate', '--continue', '--test', 'true'], { cwd: repo.root, clock });
    expect(go.code, go.stdout + go.stderr).toBe(0);
    expect(go.stdout).toMatch(
      /^Integration clean in [\d.]+ m?s \(this invocation; the integration's whole time is unknown: an earlier invocation left no record of its end\):/m,
    );
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root, clock })).stdout) as {
      integration: { duration_min: number | null };
    };
    expect(report.integration.duration_min).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { decideOutcome } from '../../src/runner/outcome.js';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';
import { events, tempRepos } from './repo-rig.js';

const { repoWith } = tempRepos();

function endReason(repo: TempRepo, id: string): string {
  const ended = events(repo)
    .filter((e) => e.type === 'feature.ended' && e.feature_id === id)
    .at(-1);
  return ended && 'reason' in ended ? String(ended.reason) : '';
}

describe('timeouts say their limit and where it was set', () => {
  it.each([
    [
      { ms: 20 * 60_000, where: 'timeout_minutes in the contract' as const },
      'of 20 min (timeout_minutes in the contract)',
    ],
    [
      { ms: 1200, where: 'timeout_minutes in the config' as const },
      'of 1.2 s (timeout_minutes in the config)',
    ],
  ])('a timeout reason with %j says %j', (timeLimit, words) => {
    const facts = { interrupted: false, timedOut: true, exitCode: null, changedFiles: 0, timeLimit };
    expect(decideOutcome(facts)).toEqual({
      status: 'timeout',
      reason: `the agent ran past its timeout ${words} and was stopped`,
    });
  });

  it('baton run: an agent past the config timeout ends timeout with the limit and the config named', async () => {
    const repo = repoWith([{ id: 'slow', agent: { command: 'sleep 10' } }], {
      'baton.config.json': JSON.stringify({ timeout_minutes: 0.01 }),
    });
    const r = await runBaton(['run'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(endReason(repo, 'slow')).toBe(
      'the agent ran past its timeout of 0.6 s (timeout_minutes in the config) and was stopped',
    );
  });
});

describe('setup', () => {
  it("says what setup changed that git does not ignore, and leaves it to owns: no copied file or resumed work passes as setup's", async () => {
    const repo = repoWith(
      [
        {
          id: 'f-a',
          agent: { command: 'mkdir -p src/f-a && echo a > src/f-a/a.txt' },
          criteria: [{ text: 'setup ran first', run: 'test -f package-lock.json' }],
        },
      ],
      {
        'baton.config.json': JSON.stringify({
          setup: 'echo "lock $BATON_FEATURE_ID" > package-lock.json',
          copy: ['.env'],
        }),
        'package-lock.json': '{}\n',
        '.gitignore': '.baton/\n',
      },
    );
    // Copied in before setup runs, untracked and not ignored: never reported as setup's.
    repo.write({ '.env': 'SECRET=1\n' });
    const r = await runBaton(['run', '--base', 'HEAD'], { cwd: repo.root });
    expect(r.stdout).toMatch(
      /f-a: setup exited 0 after .*; 1 file\(s\) it changed that git does not ignore, committed with the agent's work: package-lock\.json$/m,
    );
    const ended = events(repo).find((e) => e.type === 'setup.ended');
    expect(ended && 'files' in ended ? ended.files : []).toEqual(['package-lock.json']);
    // One commit, the feature's: owns judges all of it, the lockfile and the copied file included.
    expect(repo.git('log', '--format=%s', 'main..baton/f-a').split('\n')).toEqual(['Feature f-a']);
    expect(r.stdout).toMatch(/f-a: failed-checks — owns: changed outside owns: .*package-lock\.json/);
    expect(r.stdout).toContain('.env');
  });

  it('stops a setup past the feature time limit, says why, and status shows setup while it runs', async () => {
    const repo = repoWith([{ id: 'f-a', timeout_minutes: 0.04, agent: { command: 'true' } }], {
      'baton.config.json': JSON.stringify({ setup: 'sleep 15' }),
    });
    const t0 = Date.now();
    let seen = '';
    const run = runBaton(['run'], { cwd: repo.root });
    await until(() => events(repo).some((e) => e.type === 'setup.started'), 5000);
    seen = (await runBaton(['status'], { cwd: repo.root })).stdout;
    const r = await run;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(1);
    expect(seen).toMatch(/setup\.started \(sleep 15\)/);
    expect(endReason(repo, 'f-a')).toMatch(
      /^setup command "sleep 15" ran past its timeout of 2\.4 s \(timeout_minutes in the contract\) and was stopped; its agent was not started/,
    );
    expect(events(repo).some((e) => e.type === 'feature.started')).toBe(false);
  });
});

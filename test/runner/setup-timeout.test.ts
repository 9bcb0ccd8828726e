import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { decideOutcome } from '../../src/runner/outcome.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repoWith(contracts: TestContract[], extra: Record<string, string> = {}): TempRepo {
  const repo = makeRepo({ 'README.md': '# app\n', ...contractFiles(contracts), ...extra });
  repos.push(repo);
  return repo;
}

function events(repo: TempRepo): BatonEvent[] {
  return readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
}

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

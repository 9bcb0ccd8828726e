// @module-tag slow
// A best-of-N attempt's time in `baton status` is its agent's time, as the report gives it and as its
// feature's row gives the winner's, never its span with its checks (`attempt.ended`'s duration_ms).
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AgentExited, AttemptEnded, BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { formatDuration } from '../../src/terminal/style.js';
import { fixture, runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const AGENT = fixture('attempts', 'agent.mjs');
const agent = (args: string) => ({
  command: `${JSON.stringify(process.execPath)} ${JSON.stringify(AGENT)} api ${args}`,
});

describe('`baton status`: a best-of-N attempt with a slow check', () => {
  it("gives each attempt its agent's time, the winner's the feature's, not the span that holds the check", async () => {
    const contract = {
      feature_id: 'api',
      title: 'API',
      owns: ['src/api/**'],
      // A check that takes a second: each attempt's span is at least that longer than its agent's time.
      acceptance_criteria: [{ id: 'slow', text: 'a slow suite', run: 'sleep 1 && test -f src/api/ok' }],
      attempts: [agent('0'), agent('0 --lines 40')],
    };
    const repo = makeRepo({
      'README.md': '# app\n',
      'specs/api/contract.md': `---\n${stringify(contract)}---\nBuild the API.\n`,
    });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const events = readLog(`${repo.root}/.baton/log.jsonl`).events as BatonEvent[];
    const exited = (n: number) =>
      events.find((e): e is AgentExited => e.type === 'agent.exited' && e.feature_id === `api.a${n}`);
    const ended = (n: number) =>
      events.find((e): e is AttemptEnded => e.type === 'attempt.ended' && e.attempt === n);

    const status = await runBaton(['status', '--no-disk'], { cwd: repo.root });
    expect(status.code, status.stderr).toBe(0);
    const cells = (prefix: RegExp) =>
      status.stdout
        .split('\n')
        .find((l) => prefix.test(l))
        ?.trim()
        .split(/\s{2,}/)
        .map((c) => c.trim());
    const feature = cells(/^api\s/);
    expect(feature?.[1]).toBe('complete');
    for (const n of [1, 2]) {
      const row = cells(new RegExp(`^\\s+[★└] api\\.a${n}\\s`));
      const agentTime = exited(n)?.duration_ms;
      expect(agentTime).toBeDefined();
      // The span really is another number: the check's second is in it.
      expect(formatDuration(ended(n)?.duration_ms)).not.toBe(formatDuration(agentTime));
      expect(row?.[3]).toBe(formatDuration(agentTime));
      expect(row?.at(-1)).toMatch(n === 1 ? /^winner: / : new RegExp(`${formatDuration(agentTime)}$`));
    }
    // The winner (attempt 1: fewer lines changed) is the feature's work: one time for both rows.
    expect(feature?.[3]).toBe(formatDuration(exited(1)?.duration_ms));
    // The report's attempts table gives the same times.
    const report = await runBaton(['report', '--json'], { cwd: repo.root });
    const json = JSON.parse(report.stdout) as {
      features: Array<{
        feature_id: string;
        best_of_n: { attempts: Array<{ duration_min: number }> } | null;
      }>;
    };
    const attempts = json.features.find((f) => f.feature_id === 'api')?.best_of_n?.attempts ?? [];
    expect(attempts.map((a) => Math.round(a.duration_min * 60_000))).toEqual([
      exited(1)?.duration_ms,
      exited(2)?.duration_ms,
    ]);
  });
});

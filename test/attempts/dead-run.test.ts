// A best-of-N run whose orchestrator was killed outright (its run.ended, attempt.ended and
// feature.ended never written): the attempts it left under way read `interrupted`, duration unknown, in
// `baton status` and `baton report`, as its features do. A real repository, a log a dead run left.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { interruptionEvents } from '../../src/guard/liveness.js';
import { applyEvent, foldEvents } from '../../src/log/fold.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { deadPid } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** The log of a best-of-2 run of `api` killed while attempt 2 worked: attempt 1 had ended complete. */
function deadBestOfTwo(pid: number): object[] {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const run = { v: 1, run_id: 'r-dead' };
  const attempt = (n: number) => ({
    ...run,
    ts: at(1),
    type: 'attempt.started',
    feature_id: 'api',
    attempt: n,
    agent: 'command',
    branch: `baton/api.a${n}`,
    worktree: `/w/api.a${n}`,
    port: 41000 + n,
  });
  const unit = (n: number) => ({
    ...run,
    ts: at(2),
    type: 'feature.started',
    feature_id: `api.a${n}`,
    status: 'running',
    agent: 'command',
    branch: `baton/api.a${n}`,
    worktree: `/w/api.a${n}`,
    log_file: `/l/a${n}.log`,
    port: 41000 + n,
  });
  return [
    {
      ...run,
      ts: at(0),
      type: 'run.started',
      feature_ids: ['api'],
      concurrency: 2,
      base: 'HEAD',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid,
      attempts: { api: 2 },
    },
    attempt(1),
    attempt(2),
    unit(1),
    unit(2),
    // Attempt 1's agent ran 2 s; its checks then took the rest of its 4 s.
    {
      ...run,
      ts: at(4),
      type: 'agent.exited',
      feature_id: 'api.a1',
      exit_code: 0,
      signal: null,
      duration_ms: 2000,
      files: ['src/api/x.txt'],
    },
    {
      ...run,
      ts: at(5),
      type: 'attempt.ended',
      feature_id: 'api',
      attempt: 1,
      status: 'complete',
      commit: 'c'.repeat(40),
      files: ['src/api/x.txt'],
      checks: { passed: 1, failed: 0, unverifiable: 0, total: 1 },
      measured: {},
      lines_changed: 1,
      outside_owns: 0,
      duration_ms: 4000,
    },
  ];
}

describe('a dead best-of-N run', () => {
  it('infers its unfinished attempts and their units interrupted, with no duration (pure)', () => {
    const state = foldEvents(deadBestOfTwo(1) as never);
    for (const e of interruptionEvents(state, () => false)) applyEvent(state, e);
    const api = state.features.api!;
    expect(api.status).toBe('interrupted');
    expect(api.attempts?.['1']).toMatchObject({ status: 'complete', duration_ms: 4000 });
    expect(api.attempts?.['2']).toMatchObject({ status: 'interrupted', duration_ms: undefined });
    expect(api.attempts?.['2']?.reason).toMatch(
      /^the run's orchestrator \(baton pid 1\) is gone; resume with/,
    );
    expect(state.attempt_units?.['api.a1']?.status).toBe('interrupted');
    expect(state.attempt_units?.['api.a2']?.status).toBe('interrupted');
  });

  it('shows the attempt under way interrupted, duration unknown, in status and report', async () => {
    const repo = makeRepo({ '.gitignore': '.baton/\n', ...contractFiles([{ id: 'api' }]) });
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const lines = deadBestOfTwo(deadPid()).map((e) => JSON.stringify(e));
    writeFileSync(join(repo.root, '.baton', 'log.jsonl'), `${lines.join('\n')}\n`);

    const table = (await runBaton(['status'], { cwd: repo.root })).stdout;
    // The ended attempt's time is its agent's, as the report gives it, not its span with its checks.
    expect(table).toMatch(/^ {2}└ api\.a1\s+complete\s+command\s+2\.0 s\s/m);
    expect(table).toMatch(/^ {2}└ api\.a2\s+interrupted\s+command\s+unknown\s.*orchestrator .* is gone/m);
    const json = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout);
    const api = json.features.find((f: { feature_id: string }) => f.feature_id === 'api');
    expect(api.attempts.map((a: { status: string }) => a.status)).toEqual(['complete', 'interrupted']);
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout);
    const attempts = report.features.find((f: { feature_id: string }) => f.feature_id === 'api').best_of_n
      .attempts;
    expect(attempts.map((a: { status: string }) => a.status)).toEqual(['complete', 'interrupted']);
    expect(attempts.map((a: { duration_min: number | null }) => a.duration_min)).toEqual([2 / 60, null]);
  });
});

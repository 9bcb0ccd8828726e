import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A log whose run was started by an orchestrator that no longer exists (a real, exited pid). */
function deadRunRepo(): TempRepo {
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  const now = new Date().toISOString();
  const lines = [
    {
      v: 1,
      ts: now,
      type: 'run.started',
      run_id: 'r-dead',
      feature_ids: ['a'],
      concurrency: 1,
      base: 'HEAD',
      base_commit: '0'.repeat(40),
      mode: 'contract-first',
      pid: Number(gone.stdout),
    },
    { feature_id: 'a', status: 'running', ts: now },
  ];
  const repo = makeRepo({ 'README.md': '# x\n' });
  repo.write({ '.baton/log.jsonl': lines.map((l) => `${JSON.stringify(l)}\n`).join('') });
  repos.push(repo);
  return repo;
}

describe('a run whose orchestrator died', () => {
  it('is interrupted in status and in the report, with its unfinished feature', async () => {
    const repo = deadRunRepo();
    const status = JSON.parse(
      (await runBaton(['status', '--json', '--no-disk'], { cwd: repo.root })).stdout,
    ) as {
      features: Array<{ feature_id: string; status: string }>;
    };
    expect(status.features).toEqual([expect.objectContaining({ feature_id: 'a', status: 'interrupted' })]);
    const report = JSON.parse(
      (await runBaton(['report', '--format', 'json'], { cwd: repo.root })).stdout,
    ) as {
      run: { outcome: string };
      features: Array<{ feature_id: string; status: string }>;
    };
    expect(report.run.outcome).toBe('interrupted');
    expect(report.features.map((f) => [f.feature_id, f.status])).toEqual([['a', 'interrupted']]);
  });
});

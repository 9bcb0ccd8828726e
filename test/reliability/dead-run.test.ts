import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { deadRunLines } from '../rig/dead-run.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository whose log holds a run started by an orchestrator that no longer exists. */
function deadRunRepo(): TempRepo {
  const repo = makeRepo({ 'README.md': '# x\n' });
  repo.write({
    '.baton/log.jsonl': deadRunLines('a')
      .map((l) => `${JSON.stringify(l)}\n`)
      .join(''),
  });
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

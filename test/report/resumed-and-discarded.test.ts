// @module-tag slow
// Real runs whose report once described only part of what happened: a run continued by
// `run --resume` (reported as the resume alone), and integration attempts discarded by `--fresh`
// (their conflicts and failed criteria still counted).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import type { Report } from '../../src/metrics/types.js';
import { BATON_BIN, runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { dashboardMetrics } from '../rig/dashboard-metrics.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function repoOf(contracts: TestContract[], files: Record<string, string> = {}): TempRepo {
  const repo = makeRepo({
    'README.md': '# app\n',
    'baton.config.json': '{}\n',
    ...files,
    ...contractFiles(contracts),
  });
  repos.push(repo);
  return repo;
}

const logOf = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

async function baton(repo: TempRepo, args: string[]) {
  return runBaton(args, { cwd: repo.root });
}

async function reportOf(repo: TempRepo, ...args: string[]): Promise<{ json: Report; md: string }> {
  const json = await baton(repo, ['report', '--json', ...args]);
  expect(json.code).toBe(0);
  const md = await baton(repo, ['report', ...args]);
  return { json: JSON.parse(json.stdout) as Report, md: md.stdout };
}

describe('a run continued by `run --resume` is reported whole', () => {
  it('after failed checks: the features finished before the resume, its conflicts, N over all of them', async () => {
    const repo = repoOf([]);
    const flag = join(dirname(repo.root), 'flag');
    repo.commit(
      'contracts',
      contractFiles([
        {
          id: 'p1',
          owns: ['shared.txt'],
          agent: { command: 'echo p1 > shared.txt' },
          criteria: [{ id: 'ok', text: 'ok', run: 'true' }],
        },
        {
          id: 'p2',
          owns: ['shared.txt'],
          agent: { command: 'echo p2 > shared.txt' },
          criteria: [{ id: 'flag', text: 'the flag is up', run: `test -f ${flag}` }],
        },
      ]),
    );
    expect((await baton(repo, ['run'])).code).toBe(1);
    writeFileSync(flag, '');
    expect((await baton(repo, ['run', '--resume', 'p2'])).code).toBe(0);
    expect((await baton(repo, ['integrate', '--on-conflict', 'skip'])).code).toBe(1);
    const [first, resume] = logOf(repo).flatMap((e) => (e.type === 'run.started' ? [e.run_id] : []));

    const status = JSON.parse((await baton(repo, ['status', '--json'])).stdout) as {
      features: Array<{ feature_id: string; status: string }>;
    };
    expect(status.features.map((f) => [f.feature_id, f.status])).toEqual([
      ['p1', 'complete'],
      ['p2', 'complete'],
    ]);

    const { json, md } = await reportOf(repo);
    expect(json.run).toMatchObject({
      run_id: first,
      resumed_by: [resume],
      outcome: 'complete',
      concurrency: 2,
    });
    // The same features and statuses as `status`.
    expect(json.features.map((f) => [f.feature_id, f.status])).toEqual([
      ['p1', 'complete'],
      ['p2', 'complete'],
    ]);
    expect(json.features[0]?.duration_min).not.toBeNull();
    expect(json.conflicts).toMatchObject({ count: 1, n: 2, potential_points: 1, conflicting_pairs: 1 });
    expect(md).toContain(`Run \`${first}\` (resumed as \`${resume}\`)`);
    expect(md).toMatch(/^\| `p1` +\| command \| complete /m);
    expect(md).toContain(
      '1 merge conflict: 1 of the 1 potential integration points (N·(N−1)/2 for N = 2) really conflicted',
    );
    // Named by the resume's id, it is the same run.
    expect((await reportOf(repo, '--run', resume!)).json.run.run_id).toBe(first);

    // The dashboard's metrics are the same run's.
    expect(await dashboardMetrics(repo.root)).toMatchObject({
      conflicts: 1,
      headline_text: json.headline.text,
    });
  }, 120_000);

  it('after the orchestrator was SIGKILLed: what finished before the crash stays complete and counted', async () => {
    const repo = repoOf([]);
    const flag = join(dirname(repo.root), 'resumed');
    repo.commit(
      'contracts',
      contractFiles([
        { id: 'r1', owns: ['r1.txt'], agent: { command: 'echo r1 > r1.txt' } },
        // Sleeps until the resume, then finishes at once.
        {
          id: 'r2',
          owns: ['r2.txt'],
          agent: { command: `test -f ${flag} || sleep 60; echo r2 > r2.txt` },
        },
      ]),
    );
    const child = spawn(process.execPath, [BATON_BIN, 'run'], { cwd: repo.root, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const r1Ended = () => logOf(repo).some((e) => e.type === 'feature.ended' && e.feature_id === 'r1');
    const r2Started = () => logOf(repo).some((e) => e.type === 'feature.started' && e.feature_id === 'r2');
    expect(await until(() => r1Ended() && r2Started(), 20_000)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    writeFileSync(flag, '');
    expect((await baton(repo, ['run', '--resume'])).code).toBe(0);
    expect((await baton(repo, ['integrate'])).code).toBe(0);
    const [first, resume] = logOf(repo).flatMap((e) => (e.type === 'run.started' ? [e.run_id] : []));

    const { json, md } = await reportOf(repo);
    expect(json.run).toMatchObject({ run_id: first, resumed_by: [resume], unfinished: false });
    expect(json.features.map((f) => [f.feature_id, f.status, f.launched])).toEqual([
      ['r1', 'complete', true],
      ['r2', 'complete', true],
    ]);
    expect(json.features[0]?.duration_min).not.toBeNull();
    expect(json.integration.merges).toEqual({ clean: 2, conflict: 0, skipped: 0, resolved: 0 });
    expect(md).not.toContain('not started');
    // The crashed part never recorded its end: said, not guessed.
    expect(json.unknowns).toContain(
      `Run ${first} has no run.ended event before \`run --resume\` went on as ${resume} (its orchestrator ` +
        'stopped before it could record the end): the wall-clock time of its part is unknown.',
    );
  }, 120_000);
});

describe('an integration attempt discarded by --fresh counts for nothing', () => {
  it('its conflicts: the conflicts line, the integration line and the diagnosis agree', async () => {
    const edit = (id: string) => ({
      id,
      owns: ['routes.txt'],
      agent: { command: `sed -i 1s/.*/${id}/ routes.txt` },
    });
    const repo = repoOf([edit('x'), edit('y')], { 'routes.txt': 'base\nline 2\n' });
    expect((await baton(repo, ['run'])).code).toBe(0);
    expect((await baton(repo, ['integrate'])).code).toBe(1);
    const started = logOf(repo).find((e) => e.type === 'integration.started');
    repo.git('-C', started?.type === 'integration.started' ? started.worktree : '', 'merge', '--abort');
    expect((await baton(repo, ['integrate', '--fresh', '--on-conflict', 'skip'])).code).toBe(1);
    expect((await baton(repo, ['integrate', 'x', '--fresh'])).code).toBe(0);
    expect(logOf(repo).filter((e) => e.type === 'merge.conflict')).toHaveLength(2);

    const { json, md } = await reportOf(repo);
    expect(json.conflicts).toMatchObject({ count: 0, pairs: [], files: [], conflicting_pairs: 0 });
    expect(json.features.map((f) => f.conflicts)).toEqual([0, 0]);
    expect(json.integration).toMatchObject({
      attempts: 3,
      discarded_attempts: 2,
      outcome: 'clean',
      merges: { clean: 1, conflict: 0, skipped: 0 },
    });
    expect(md).toContain('- Conflicts: 0\n');
    expect(md).toContain(
      'Merges (delivered attempts, one per feature): 1 merged, 0 stopped at a conflict, 0 skipped',
    );
    expect(md).toContain('2 earlier attempts were discarded');
    expect(md).toContain('No merge conflicts: none of the 1 potential integration points');
    expect(md).not.toContain('Where it shows');
    expect(md).not.toContain('settled at merge time');
  }, 120_000);

  it('its failed after-integration criteria', async () => {
    const repo = repoOf([
      { id: 'p', owns: ['p.txt'], agent: { command: 'echo p > p.txt' } },
      {
        id: 'q',
        owns: ['q.txt'],
        agent: { command: 'echo q > q.txt' },
        criteria: [{ id: 'merged', text: 'never holds', run: 'false', after: 'integration' }],
      },
    ]);
    expect((await baton(repo, ['run'])).code).toBe(0);
    expect((await baton(repo, ['integrate'])).code).toBe(1);
    expect(logOf(repo).filter((e) => e.type === 'check.failed')).toHaveLength(1);
    expect((await baton(repo, ['integrate', 'p', '--fresh'])).code).toBe(0);

    const { json, md } = await reportOf(repo);
    expect(json.features.map((f) => [f.feature_id, f.integration_checks.failed])).toEqual([
      ['p', 0],
      ['q', 0],
    ]);
    expect(json.integration).toMatchObject({ outcome: 'clean', discarded_attempts: 1 });
    expect(md).not.toContain('failed integration criteria');
    expect(md).not.toContain('under-specified');
  }, 120_000);
});

// @module-tag slow
// Real runs whose report once counted what a discarded integration attempt did: its conflicts and
// its failed after-integration criteria.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import type { Report } from '../../src/metrics/types.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

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
    expect(md).toContain('Merges (final attempt, one per feature): 1 clean, 0 conflicted, 0 skipped');
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

// @module-tag slow
// Integration attempts that delivered work (moved `--into main`) stay counted when a later
// `baton integrate` begins another: the report and the dashboard once took every attempt before the
// last for a discarded one, and forgot a real, resolved conflict ("No merge conflicts").
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import type { Report } from '../../src/metrics/types.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { dashboardMetrics } from '../rig/dashboard-metrics.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/**
 * api and config both rewrite the first line of src/index.js; docs writes a file of its own, and
 * passes only once `flag` exists (so `run --resume docs` goes on with the same run).
 */
function threeFeatures(flag = '/nonexistent'): TempRepo {
  const edit = (id: string): TestContract => ({
    id,
    owns: ['src/index.js'],
    agent: { command: `sed -i 1s/.*/${id}/ src/index.js` },
  });
  const repo = makeRepo({
    'README.md': '# app\n',
    'baton.config.json': '{}\n',
    'src/index.js': 'base\nline 2\n',
    ...contractFiles([
      edit('api'),
      edit('config'),
      {
        id: 'docs',
        owns: ['docs.txt'],
        agent: { command: 'echo docs > docs.txt' },
        criteria: [{ id: 'flag', text: 'the flag is up', run: `test -f ${flag}` }],
      },
    ]),
  });
  repos.push(repo);
  return repo;
}

const logOf = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];

async function baton(repo: TempRepo, args: string[]): Promise<number | null> {
  const r = await runBaton(args, { cwd: repo.root });
  return r.code;
}

/** Resolves the conflict the integration stopped at, by hand, and stages it. */
function resolve(repo: TempRepo): void {
  const started = logOf(repo).findLast((e) => e.type === 'integration.started');
  const wt = started?.type === 'integration.started' ? started.worktree : '';
  repo.git('-C', wt, 'checkout', '--theirs', 'src/index.js');
  repo.git('-C', wt, 'add', 'src/index.js');
}

async function reportOf(repo: TempRepo): Promise<{ json: Report; md: string }> {
  const json = await runBaton(['report', '--json'], { cwd: repo.root });
  expect(json.code, json.stderr).toBe(0);
  const md = await runBaton(['report'], { cwd: repo.root });
  return { json: JSON.parse(json.stdout) as Report, md: md.stdout };
}

describe('integration attempts that moved --into stay counted after a later integrate', () => {
  it('a resolved conflict stays 1 after a later feature is integrated (report and dashboard)', async () => {
    const flag = join(tmpdir(), `baton-delivered-${process.pid}-${Date.now()}`);
    const repo = threeFeatures(flag);
    expect(await baton(repo, ['run'])).toBe(1);
    expect(await baton(repo, ['integrate', 'api', 'config', '--into', 'main'])).toBe(1);
    resolve(repo);
    expect(await baton(repo, ['integrate', '--continue', '--into', 'main'])).toBe(0);
    expect((await reportOf(repo)).json.conflicts.count).toBe(1);

    writeFileSync(flag, '');
    expect(await baton(repo, ['run', '--resume', 'docs'])).toBe(0);
    // The flag stays until main moves: `--into` runs every merged feature's criteria again first.
    expect(await baton(repo, ['integrate', '--into', 'main'])).toBe(0);
    rmSync(flag);
    expect(logOf(repo).filter((e) => e.type === 'integration.started')).toHaveLength(2);

    const { json, md } = await reportOf(repo);
    expect(json.conflicts).toMatchObject({ count: 1, conflicting_pairs: 1 });
    expect(json.integration).toMatchObject({
      attempts: 2,
      discarded_attempts: 0,
      discarded_min: null,
      outcome: 'clean',
      merges: { clean: 3, conflict: 0, skipped: 0, resolved: 1 },
    });
    expect(md).toContain('- Conflicts: 1 on `src/index.js`');
    expect(md).toContain('1 merge conflict: 1 of the 3 potential integration points');
    expect(md).not.toContain('No merge conflicts');
    expect(md).not.toContain('discarded');
    expect((await dashboardMetrics(repo.root)).conflicts).toBe(1);
  }, 120_000);

  it('a conflict met integrating a skipped feature onto main later names the feature it was with', async () => {
    const repo = threeFeatures();
    expect(await baton(repo, ['run', 'api', 'config'])).toBe(0);
    expect(await baton(repo, ['integrate', 'api', 'config', '--into', 'main'])).toBe(1);
    const stop = logOf(repo).findLast((e) => e.type === 'merge.conflict');
    const [skipped, taken] = stop?.type === 'merge.conflict' ? [stop.feature_id, stop.with[0] ?? ''] : [];
    // Skip the conflict, take what merged (the hint integrate gives), then integrate the other alone.
    const started = logOf(repo).findLast((e) => e.type === 'integration.started');
    repo.git('-C', started?.type === 'integration.started' ? started.worktree : '', 'merge', '--abort');
    expect(await baton(repo, ['integrate', taken ?? '', '--fresh', '--into', 'main'])).toBe(0);
    expect(await baton(repo, ['integrate', skipped ?? '', '--into', 'main'])).toBe(1);
    resolve(repo);
    expect(await baton(repo, ['integrate', '--continue', '--into', 'main'])).toBe(0);

    const { json, md } = await reportOf(repo);
    expect(json.conflicts).toMatchObject({ count: 1, conflicting_pairs: 1 });
    expect(json.conflicts.pairs.map((p) => [p.feature_id, p.with])).toEqual([[skipped, taken]]);
    expect(json.integration).toMatchObject({ attempts: 3, discarded_attempts: 1 });
    expect(md).toContain('1 merge conflict: 1 of the 1 potential integration points');
    expect(md).not.toContain('does not name the other feature');
  }, 120_000);
});

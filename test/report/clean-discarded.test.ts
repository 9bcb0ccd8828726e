// @module-tag slow
// An integration attempt abandoned with `baton clean --force integration` (or `clean --all --force`)
// is discarded as `integrate --fresh` discards one: clean appends `integration.discarded`, and the
// report and the dashboard no longer counted it as delivered work (its conflict, its tests, its time).
// An attempt that reached a branch (`--into`, or merged into the base by hand) stays delivered.
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

/** Features a and b both rewrite shared.txt: integrating both conflicts. */
function twoConflicting(): TempRepo {
  const edit = (id: string): TestContract => ({
    id,
    owns: ['shared.txt'],
    agent: { command: `echo from-${id} > shared.txt` },
  });
  const repo = makeRepo({
    'README.md': '# app\n',
    'baton.config.json': '{}\n',
    'shared.txt': 'base\n',
    ...contractFiles([edit('a'), edit('b')]),
  });
  repos.push(repo);
  return repo;
}

const logOf = (repo: TempRepo) => readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
const discards = (repo: TempRepo) => logOf(repo).filter((e) => e.type === 'integration.discarded');

/** Milliseconds from the last `phase.started integration` to the `phase.ended integration` after it. */
function lastIntegrationSpan(repo: TempRepo): number {
  const events = logOf(repo);
  const isIntegration = (e: BatonEvent, type: string) =>
    e.type === type && 'phase' in e && e.phase === 'integration';
  const start = events.findLastIndex((e) => isIntegration(e, 'phase.started'));
  const end = events.findIndex((e, i) => i > start && isIntegration(e, 'phase.ended'));
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return Date.parse(events[end]?.ts ?? '') - Date.parse(events[start]?.ts ?? '');
}
const lastStart = (repo: TempRepo) => logOf(repo).findLast((e) => e.type === 'integration.started');
const baton = (repo: TempRepo, args: string[]) => runBaton(args, { cwd: repo.root });

async function reportOf(repo: TempRepo): Promise<Report> {
  const r = await baton(repo, ['report', '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

describe('an integration attempt removed by `baton clean` counts for nothing', () => {
  it('clean --force integration discards it (not --dry-run, not refused); a delivered one stays', async () => {
    const repo = twoConflicting();
    expect((await baton(repo, ['run'])).code).toBe(0);
    expect((await baton(repo, ['integrate', '--test', 'sleep 2'])).code).toBe(1);
    const abandoned = lastStart(repo);
    const tip = repo.git('rev-parse', 'baton/integration').trim();

    // Nothing removed, nothing recorded: a dry run, and a refusal (uncommitted, unmerged).
    expect((await baton(repo, ['clean', '--dry-run', '--force', 'integration'])).code).toBe(0);
    expect((await baton(repo, ['clean', 'integration'])).code).toBe(1);
    expect(discards(repo)).toHaveLength(0);

    const cleaned = await baton(repo, ['clean', '--force', 'integration']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('is recorded as discarded');
    expect(discards(repo)).toEqual([
      expect.objectContaining({
        branch: 'baton/integration',
        started_at: abandoned?.ts,
        commit: tip,
        backup: `refs/baton/clean-backup/integration/${tip}`,
      }),
    ]);

    // Started over with a alone, delivered onto main: no conflict there.
    expect((await baton(repo, ['integrate', 'a', '--test', 'true', '--into', 'main'])).code).toBe(0);
    const report = await reportOf(repo);
    expect(report.conflicts.count).toBe(0);
    expect(report.integration).toMatchObject({ attempts: 2, discarded_attempts: 1 });
    expect(report.integration.tests.passed).toBe(1);
    expect((report.integration.discarded_min ?? 0) * 60_000).toBeGreaterThanOrEqual(2000);
    // The integration time is the delivered attempt's own span, not the two attempts' together.
    expect((report.integration.duration_min ?? Infinity) * 60_000).toBeCloseTo(lastIntegrationSpan(repo), 3);
    expect((await dashboardMetrics(repo.root)).conflicts).toBe(0);

    // The delivered attempt moved main: removing its branch (--all --force) discards nothing.
    expect((await baton(repo, ['clean', '--all', '--force'])).code).toBe(0);
    expect(repo.git('branch', '--list', 'baton/integration').trim()).toBe('');
    expect(discards(repo)).toHaveLength(1);
    expect((await reportOf(repo)).integration).toMatchObject({ attempts: 2, discarded_attempts: 1 });
  }, 120_000);

  it('an attempt merged into the base by hand stays delivered; one that never left its branch does not', async () => {
    const repo = twoConflicting();
    expect((await baton(repo, ['run'])).code).toBe(0);
    expect((await baton(repo, ['integrate', 'a'])).code).toBe(0);
    repo.git('merge', '--ff-only', 'baton/integration');
    expect((await baton(repo, ['clean', 'integration'])).code).toBe(0);
    expect(discards(repo)).toHaveLength(0);

    // b onto main, which holds a's shared.txt now: a conflict, abandoned with clean --all --force.
    expect((await baton(repo, ['integrate', 'b'])).code).toBe(1);
    const abandoned = lastStart(repo);
    const cleaned = await baton(repo, ['clean', '--all', '--force', '--json']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(JSON.parse(cleaned.stdout).integration_discarded).toMatchObject({ started_at: abandoned?.ts });
    expect(discards(repo)).toEqual([expect.objectContaining({ started_at: abandoned?.ts })]);

    const report = await reportOf(repo);
    expect(report.integration).toMatchObject({ attempts: 2, discarded_attempts: 1, outcome: 'clean' });
    expect(report.conflicts.count).toBe(0);
    expect((await dashboardMetrics(repo.root)).conflicts).toBe(0);
  }, 120_000);
});

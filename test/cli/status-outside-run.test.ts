import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stampEvent } from '../../src/log/append.js';
import type { NewEvent } from '../../src/log/events.js';
import { BATON_BIN } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** The real `baton` in `cwd`, with no feature or log taken from the environment. */
function baton(cwd: string, args: string[]) {
  const env = { ...process.env, NO_COLOR: '1', BATON_FEATURE_ID: '', BATON_LOG: '' };
  return spawnSync(process.execPath, [BATON_BIN, ...args], { cwd, env, encoding: 'utf8', input: '' });
}

describe('baton status and a hook for a feature outside the run', () => {
  it('leaves it out of the table and of --json features, naming it on one line, as the report does', () => {
    const ids = ['feature-001-a', 'feature-002-b'];
    const repo = makeRepo(contractFiles(ids.map((id) => ({ id, agent: { command: 'true' } }))));
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const events: NewEvent[] = [
      {
        type: 'run.started',
        run_id: 'r1',
        feature_ids: ['feature-001-a'],
        concurrency: 1,
        base: 'main',
        base_commit: '0'.repeat(40),
        mode: 'contract-first',
        pid: 1,
      },
      { type: 'run.ended', run_id: 'r1', outcome: 'complete', duration_ms: 1000 },
    ];
    appendFileSync(
      join(repo.root, '.baton', 'log.jsonl'),
      events.map((e) => `${JSON.stringify(stampEvent(e))}\n`).join(''),
    );
    for (const id of ['not-in-run-zzz', 'feature-002-b']) {
      const hook = baton(repo.root, ['hook', 'stop', '--status', 'complete', '--feature', id]);
      expect(hook.status).toBe(0);
    }

    const table = baton(repo.root, ['status', '--no-disk']);
    expect(table.status).toBe(0);
    expect(table.stdout).not.toMatch(/not-in-run-zzz\s+complete/);
    // A planned feature the run did not start stays pending: the hook's word is not the run's.
    expect(table.stdout).toMatch(/feature-002-b\s+pending/);
    expect(table.stdout).toContain('events for features not in this run: feature-002-b, not-in-run-zzz\n');

    const json = JSON.parse(baton(repo.root, ['status', '--json', '--no-disk']).stdout);
    const rows = json.features.map((f: { feature_id: string; status: string }) => [f.feature_id, f.status]);
    expect(rows).toEqual([
      ['feature-001-a', 'pending'],
      ['feature-002-b', 'pending'],
    ]);
    expect(json.not_in_run).toEqual(['feature-002-b', 'not-in-run-zzz']);

    // The report names the same features as left out: one rule.
    const report = baton(repo.root, ['report']);
    const leftOut = report.stdout.split('\n').find((l) => l.includes('Left out: events for')) ?? '';
    expect(leftOut).toContain('`feature-002-b`');
    expect(leftOut).toContain('`not-in-run-zzz`');
  });
});

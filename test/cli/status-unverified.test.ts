// @module-tag slow
/**
 * A feature a `run --no-verify` ended `complete` has had none of its checks run: `status` (table and
 * JSON) and the dashboard (card and detail) say `unverified`, from the one rule integrate refuses it by,
 * until `baton verify` passes it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboard } from '../../src/dashboard/server.js';
import { loadProject } from '../../src/project.js';
import { bearer, send } from '../dashboard/server-rig.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, okCheckedFeature } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

interface Row {
  feature_id: string;
  status: string;
  unverified: boolean;
}

async function statusOf(root: string): Promise<{ table: string; rows: Row[] }> {
  const table = (await runBaton(['status', '--no-disk'], { cwd: root })).stdout;
  const json = await runBaton(['status', '--json', '--no-disk'], { cwd: root });
  return { table, rows: (JSON.parse(json.stdout) as { features: Row[] }).features };
}

describe('status of a feature whose checks never ran', () => {
  it('says complete (unverified) in the table, JSON and dashboard, until `baton verify` passes it', async () => {
    const repo = makeRepo(contractFiles([okCheckedFeature('u', 'OK'), okCheckedFeature('v', 'OK')]));
    repos.push(repo);
    expect((await runBaton(['run', 'u', '--no-verify'], { cwd: repo.root })).code).toBe(0);
    expect((await runBaton(['run', 'v'], { cwd: repo.root })).code).toBe(0);

    const before = await statusOf(repo.root);
    expect(before.table).toMatch(/^u +complete \(unverified\) .* 0\/2 .*its acceptance checks never ran/m);
    expect(before.table).toMatch(/^v +complete +command/m);
    expect(before.rows.map((r) => [r.feature_id, r.status, r.unverified])).toEqual([
      ['u', 'complete', true],
      ['v', 'complete', false],
    ]);
    const dash = await startDashboard({
      root: repo.root,
      logPath: join(repo.root, '.baton', 'log.jsonl'),
      port: 0,
      loadProject: async () => ({ plan: (await loadProject(repo.root)).plan, diagnostics: [] }),
    });
    try {
      const state = JSON.parse((await send(dash.port, '/api/state', { headers: bearer(dash) })).body) as {
        features: Row[];
      };
      expect(state.features.map((f) => [f.feature_id, f.unverified])).toEqual([
        ['u', true],
        ['v', false],
      ]);
      const detail = JSON.parse((await send(dash.port, '/api/features/u', { headers: bearer(dash) })).body);
      expect(detail.feature.unverified).toBe(true);
    } finally {
      await dash.close();
    }

    expect((await runBaton(['verify', 'u'], { cwd: repo.root })).code).toBe(0);
    const after = await statusOf(repo.root);
    expect(after.table).not.toContain('unverified');
    expect(after.rows.find((r) => r.feature_id === 'u')).toMatchObject({
      status: 'complete',
      unverified: false,
    });
  });

  it('a criterion added after its checks ran: complete (unverified), by the rule integrate leaves it out by, until verified', async () => {
    // Its criterion named, so the one added before it keeps its id.
    const u = {
      ...okCheckedFeature('u', 'OK'),
      criteria: [{ id: 'ok', text: 'says OK', run: 'grep -q OK src/u/x.txt' }],
    };
    const repo = makeRepo(contractFiles([u]));
    repos.push(repo);
    expect((await runBaton(['run', 'u'], { cwd: repo.root })).code).toBe(0);
    const contract = join(repo.root, 'specs', 'u', 'contract.md');
    writeFileSync(
      contract,
      readFileSync(contract, 'utf8').replace(
        'acceptance_criteria:\n',
        'acceptance_criteria:\n  - { id: newgate, text: a new gate, run: "true" }\n',
      ),
    );
    repo.git('commit', '-qam', 'a new gate');
    const why = 'criterion newgate of its contract has no result from its last checks';
    const before = await statusOf(repo.root);
    expect(before.table).toMatch(new RegExp(`^u +complete \\(unverified\\) .* 2/3 .*${why}`, 'm'));
    expect(before.rows[0]).toMatchObject({ status: 'complete', unverified: true });
    const predicted = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(predicted.stderr).toContain(why);

    expect((await runBaton(['verify', 'u'], { cwd: repo.root })).code).toBe(0);
    const after = await statusOf(repo.root);
    expect(after.table).toMatch(/^u +complete +command .* 3\/3 /m);
    expect(after.rows[0]).toMatchObject({ status: 'complete', unverified: false });
  });
});

// A feature failed one criterion; the user found the criterion wrong and removed it from the contract
// (or renamed it, or moved it to `after: integration`), committed, and ran `baton verify`: every
// remaining criterion passed and verify exited 0, yet the feature stayed `failed-checks`, blamed on
// the criterion that was gone, and integrate left it out. A verify now records the criteria it ran, so
// the fold drops the result of one the contract no longer has there; a criterion that still fails
// still keeps its feature failed-checks and out of the integration.
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const ok = (id: string) => ({ id: 'ok', text: 'the file says ok', run: `grep -q ok src/${id}/f.txt` });
const strict = (id: string) => ({
  id: 'strict',
  text: 'the file says perfect',
  run: `grep -q perfect src/${id}/f.txt`,
});

/** A feature whose agent writes "ok": its `ok` criterion passes and its `strict` one fails. */
const feature = (
  id: string,
  criteria: Array<Record<string, unknown>> = [ok(id), strict(id)],
): TestContract => ({
  id,
  agent: { command: `mkdir -p src/${id} && echo ok > src/${id}/f.txt` },
  criteria,
});

const statuses = async (root: string) => {
  const r = await runBaton(['status', '--json'], { cwd: root });
  const json = JSON.parse(r.stdout) as {
    features: Array<{ feature_id: string; status: string; reason: string | null }>;
  };
  return Object.fromEntries(json.features.map((f) => [f.feature_id, f]));
};

describe('baton verify after a criterion left the contract', () => {
  it('passes a feature whose only failure was of a criterion removed, renamed or moved to after integration', async () => {
    const ids = ['gone', 'renamed', 'moved', 'kept'];
    const repo = makeRepo({ '.gitignore': '.baton/\n', ...contractFiles(ids.map((id) => feature(id))) });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code).toBe(1);
    for (const id of ids) expect(run.stdout).toContain(`${id}: failed-checks`);

    repo.commit('the strict criterion was wrong', {
      'specs/gone/contract.md': contractText(feature('gone', [ok('gone')])),
      'specs/renamed/contract.md': contractText(
        feature('renamed', [
          ok('renamed'),
          { id: 'written', text: 'the file is not empty', run: 'test -s src/renamed/f.txt' },
        ]),
      ),
      'specs/moved/contract.md': contractText(
        feature('moved', [ok('moved'), { ...strict('moved'), after: 'integration' }]),
      ),
    });
    const verified = await runBaton(['verify'], { cwd: repo.root });
    // `kept` still fails the criterion its contract still has.
    expect(verified.code, verified.stdout + verified.stderr).toBe(1);

    const after = await statuses(repo.root);
    expect(Object.fromEntries(ids.map((id) => [id, after[id]?.status]))).toEqual({
      gone: 'complete',
      renamed: 'complete',
      moved: 'complete',
      kept: 'failed-checks',
    });
    expect(after.gone?.reason).toBeNull();
    expect(after.kept?.reason).toMatch(/^strict: exit 1/);
    // The report folds the same log the same way.
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout) as {
      features: Array<{ feature_id: string; status: string }>;
    };
    expect(Object.fromEntries(report.features.map((f) => [f.feature_id, f.status]))).toEqual(
      Object.fromEntries(ids.map((id) => [id, after[id]?.status])),
    );

    // Integrate takes the three, never the one that still fails (its `strict` fails there too, for `moved`).
    const integrated = await runBaton(['integrate'], { cwd: repo.root });
    expect(integrated.stdout + integrated.stderr).toMatch(/not merged: kept \(failed-checks: strict: exit 1/);
    const holding = (id: string) =>
      repo.git('branch', '--format=%(refname:short)', '--contains', `baton/${id}`).split('\n');
    for (const id of ['gone', 'renamed', 'moved']) expect(holding(id), id).toContain('baton/integration');
    expect(holding('kept')).not.toContain('baton/integration');
  });
});

describe('baton status after an after-integration criterion left the contract', () => {
  it('no longer blames the feature for its failure on the last integration; one still in the contract still shows', async () => {
    const e2e = (id: string) => ({ ...strict(id), id: 'e2e', after: 'integration' });
    const ids = ['dropped', 'still'];
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles(ids.map((id) => feature(id, [ok(id), e2e(id)]))),
    });
    repos.push(repo);
    expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(0);
    const integrated = await runBaton(['integrate'], { cwd: repo.root });
    expect(integrated.code, integrated.stdout + integrated.stderr).toBe(1);

    repo.commit('the e2e criterion of dropped was wrong', {
      'specs/dropped/contract.md': contractText(feature('dropped', [ok('dropped')])),
    });
    const table = (await runBaton(['status'], { cwd: repo.root })).stdout;
    expect(table).toMatch(/still .*after integration: check e2e failed: exit 1/);
    expect(table).not.toMatch(/dropped .*after integration/);

    type Counts = { feature_id: string; integration_checks: { failed: number; total: number } };
    const counts = (features: Counts[]) =>
      Object.fromEntries(features.map((f) => [f.feature_id, f.integration_checks]));
    const want = { dropped: { failed: 0, total: 0 }, still: { failed: 1, total: 1 } };
    const status = JSON.parse((await runBaton(['status', '--json'], { cwd: repo.root })).stdout) as {
      features: Counts[];
    };
    expect(counts(status.features)).toMatchObject(want);
    const report = JSON.parse((await runBaton(['report', '--json'], { cwd: repo.root })).stdout) as {
      features: Counts[];
    };
    expect(counts(report.features)).toMatchObject(want);
  });
});

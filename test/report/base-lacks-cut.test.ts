// A conflict integrate met because the base named with `--base` lacks the commit the features were cut
// from is not a conflict between parallel features: the event says so, and `baton report` counts it
// apart from the merged-work conflicts (the method's headline figure), in JSON, markdown and HTML.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MergeConflict } from '../../src/log/events.js';
import type { Report } from '../../src/metrics/types.js';
import { logEvents, makeFourFeatures, recordStatus } from '../integrate/fixture.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/**
 * Features a and b run from `main` after a commit "contracts" writing docs/plan.md; each agent writes
 * its own file and, with `shared`, also shared.txt (both own it). Then that commit is amended on main,
 * so main no longer holds the commit the branches were cut from.
 */
async function cutFromAmended(shared = false): Promise<TempRepo> {
  const agent = (id: string) =>
    `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt${shared ? ` && echo ${id} > shared.txt` : ''}`;
  const repo = makeRepo({
    '.gitignore': '.baton/\n',
    ...contractFiles(
      ['a', 'b'].map((id) => ({
        id,
        owns: [`src/${id}/**`, ...(shared ? ['shared.txt'] : [])],
        agent: { command: agent(id) },
      })),
    ),
  });
  repos.push(repo);
  repo.commit('contracts', { 'docs/plan.md': 'n\n' });
  const run = await runBaton(['run'], { cwd: repo.root });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  repo.write({ 'docs/plan.md': 'n\nx\n' });
  repo.git('commit', '-qa', '--amend', '--no-edit');
  return repo;
}

async function reportJson(repo: TempRepo): Promise<Report> {
  const json = await runBaton(['report', '--json'], { cwd: repo.root });
  expect(json.code, json.stderr).toBe(0);
  return JSON.parse(json.stdout) as Report;
}

const conflictEvents = (repo: TempRepo) =>
  logEvents(repo).filter((e): e is MergeConflict => e.type === 'merge.conflict');

describe('baton report after integrate met a conflict on a base lacking the cut commit', () => {
  it('counts it apart, not among the conflicts between features', async () => {
    const repo = await cutFromAmended();
    const cut = repo.git('rev-parse', 'baton/a~1');
    const merged = await runBaton(['integrate', '--base', 'main'], { cwd: repo.root });
    expect(merged.code, merged.stdout + merged.stderr).toBe(1);
    expect(merged.stdout).toContain('conflicts in 1 file(s) with main, which does not hold');

    const [event, ...more] = conflictEvents(repo);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ feature_id: 'a', files: ['docs/plan.md'], base_lacks_cut: cut });

    const report = await reportJson(repo);
    expect(report.conflicts.count).toBe(0);
    expect(report.conflicts.pairs).toEqual([]);
    expect(report.conflicts.files).toEqual([]);
    expect(report.conflicts.base_lacks_cut).toEqual({
      count: 1,
      conflicts: [{ feature_id: 'a', cut_commit: cut, files: ['docs/plan.md'] }],
    });
    expect(report.features.map((f) => f.conflicts)).toEqual([0, 0]);

    const words = `- Conflicts from a base lacking the commit the features were cut from: 1 (\`a\`, cut from \`${cut.slice(0, 10)}\`, on \`docs/plan.md\`)`;
    const md = await runBaton(['report'], { cwd: repo.root });
    expect(md.stdout).toContain('- Conflicts: 0\n');
    expect(md.stdout).toContain(words);
    expect(md.stdout).toContain('- No merge conflicts between features: none of the 1 potential');
    expect(md.stdout).toContain('not a conflict between features, so not counted');
    const html = await runBaton(['report', '--format', 'html'], { cwd: repo.root });
    expect(html.stdout).toContain(
      `<li>Conflicts from a base lacking the commit the features were cut from: 1 (<code>a</code>, cut from <code>${cut.slice(0, 10)}</code>, on <code>docs/plan.md</code>)</li>`,
    );
  });

  it('counts a later conflict between features as one, once the cut commit came along', async () => {
    const repo = await cutFromAmended(true);
    const stop = await runBaton(['integrate', '--base', 'main'], { cwd: repo.root });
    expect(stop.code, stop.stdout + stop.stderr).toBe(1);
    // The person resolves the rewritten commit's conflict; merging b then meets a's own work.
    const wt = join(repo.root, '..', 'repo.baton-worktrees', 'integration');
    repo.write({ [join('..', 'repo.baton-worktrees', 'integration', 'docs/plan.md')]: 'n\nx\n' });
    repo.git('-C', wt, 'add', 'docs/plan.md');
    const next = await runBaton(['integrate', '--continue'], { cwd: repo.root });
    expect(next.code, next.stdout + next.stderr).toBe(1);
    expect(next.stdout).toContain('with a, already merged');

    const events = conflictEvents(repo);
    expect(events.map((e) => [e.feature_id, e.base_lacks_cut !== undefined])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const report = await reportJson(repo);
    expect(report.conflicts.count).toBe(1);
    expect(report.conflicts.files).toEqual(['shared.txt']);
    expect(report.conflicts.base_lacks_cut.count).toBe(1);
  });

  it('still counts an ordinary conflict between features as before', async () => {
    const repo = makeFourFeatures().repo;
    repos.push(repo);
    recordStatus(repo, ['a', 'b']);
    const stop = await runBaton(['integrate', 'a', 'b'], { cwd: repo.root });
    expect(stop.code).toBe(1);
    expect(conflictEvents(repo).map((e) => e.base_lacks_cut)).toEqual([undefined]);
    const report = await reportJson(repo);
    expect(report.conflicts.count).toBe(1);
    expect(report.conflicts.files).toEqual(['src/routes.ts']);
    expect(report.conflicts.base_lacks_cut).toEqual({ count: 0, conflicts: [] });
    const md = await runBaton(['report'], { cwd: repo.root });
    expect(md.stdout).toContain('- Conflicts: 1 on `src/routes.ts`');
    expect(md.stdout).not.toContain('lacking the commit');
  });
});

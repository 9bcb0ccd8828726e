import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import type { TempRepo } from '../rig/repo.js';
import { integrationsStarted, ownFileFeatures } from './fixture.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Features a and b, each writing its own file, in a repository whose `main` has `files` committed as `message` on top. */
async function ranOn(message: string, files: Record<string, string>): Promise<TempRepo> {
  const repo = ownFileFeatures();
  repos.push(repo);
  repo.git('branch', 'dev');
  repo.commit(message, files);
  const run = await runBaton(['run'], { cwd: repo.root });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return repo;
}

describe('integrate on a base that lacks the commit the branches were cut from', () => {
  it('names the branches that hold it after a switch to another branch, and builds only on a --base named', async () => {
    const repo = await ranOn('user work', { 'app.txt': 'v2\n' });
    const cut = repo.git('rev-parse', '--short', 'main');
    repo.git('checkout', '-q', 'dev');
    repo.commit('dev work', { 'dev.txt': 'dev\n' });
    for (const args of [['integrate'], ['integrate', '--predict-only']]) {
      const r = await runBaton(args, { cwd: repo.root });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        `baton: dev does not contain the commit the run's branches were cut from (${cut} "user work": a, b); the branches that do: main [integrate/base-lacks-cut]`,
      );
      expect(r.stderr).toContain(
        'hint: Integrate onto the branch they were cut from, `baton integrate --base main`',
      );
      expect(r.stderr).toContain('`baton integrate --base dev` (the 1 commit(s) it lacks come along');
    }
    expect(integrationsStarted(repo)).toBe(0);

    // Named, dev is built on; the features are measured from where they were cut, not from dev.
    const onDev = await runBaton(['integrate', '--base', 'dev', '--predict-only'], { cwd: repo.root });
    expect(onDev.code, onDev.stdout + onDev.stderr).toBe(0);
    expect(onDev.stdout).toContain(
      '2 against dev, which does not hold the commit those branches were cut from',
    );
    expect(onDev.stdout).not.toContain('moved on');
    expect(onDev.stdout).toContain('no conflicts, no overlaps, no ownership violations');
    const onMain = await runBaton(['integrate', '--base', 'main'], { cwd: repo.root });
    expect(onMain.code, onMain.stdout + onMain.stderr).toBe(0);
    expect(repo.git('ls-tree', '-r', '--name-only', 'baton/integration')).not.toContain('dev.txt');
  });

  it('says the base was rewritten since the run, and does not blame the features for the rewrite', async () => {
    const repo = await ranOn('contracts', { 'docs/plan.md': 'n\n' });
    const cut = repo.git('rev-parse', '--short', 'main');
    repo.write({ 'docs/plan.md': 'n\nx\n' });
    repo.git('commit', '-qa', '--amend', '--no-edit');
    const rewrite = repo.git('rev-parse', '--short', 'main');
    const r = await runBaton(['integrate', '--predict-only'], { cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `baton: main does not contain the commit the run's branches were cut from (${cut} "contracts": a, b); main holds it rewritten since the run (amended or rebased): ${rewrite} "contracts" [integrate/base-lacks-cut]`,
    );
    expect(r.stderr).toContain(`git rebase --onto main ${repo.git('rev-parse', 'baton/a~1').slice(0, 10)}`);

    const named = await runBaton(['integrate', '--predict-only', '--base', 'main'], { cwd: repo.root });
    expect(named.stdout).toContain(
      '2 against main, which does not hold the commit those branches were cut from',
    );
    expect(named.stdout).not.toContain('ownership');
    expect(named.stdout).not.toContain('overlap');
    expect(named.stdout).toContain("a's own work did not change docs/plan.md: main does not hold");
    const merged = await runBaton(['integrate', '--base', 'main'], { cwd: repo.root });
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(
      /Merging baton\/a \(merge 1 of 2\) conflicts in 1 file\(s\) with main, which does not hold [0-9a-f]{10}, the commit baton\/a was cut from:/,
    );
    expect(merged.stdout).not.toContain('both changed');
  });
});

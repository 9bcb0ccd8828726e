import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBaton } from '../rig/cli.js';
import { contractFiles, okCheckedFeature } from '../rig/contracts.js';
import { gitShim } from '../rig/git-shim.js';
import { gitCommandPaths, gitProcessesDuring, gitTraceDuring } from '../rig/git-trace.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** The git calls of a `baton run` of `features` agents that each write one file (after `sleep` seconds). */
async function gitCallsFor(
  features: number,
  opts: { sleep?: number; radar?: string[]; jobs?: number } = {},
): Promise<string[]> {
  const ids = Array.from({ length: features }, (_, i) => `feature-00${i + 1}-f`);
  const wait = opts.sleep ? `sleep ${opts.sleep} && ` : '';
  const repo = makeRepo({
    'README.md': '# app\n',
    ...contractFiles(
      ids.map((id) => ({
        id,
        agent: { command: `${wait}mkdir -p src/${id} && echo ${id} > src/${id}/a.txt` },
      })),
    ),
  });
  repos.push(repo);
  let r: Awaited<ReturnType<typeof runBaton>> | undefined;
  // Every git process, the ones git starts itself included (`worktree add`'s `symbolic-ref`).
  const calls = await gitProcessesDuring(join(repo.root, '..'), async () => {
    // The collision radar is on (every 5 s unless `opts.radar` says otherwise): a feature that ends
    // before its first scan costs it no git process.
    r = await runBaton(['run', '-j', String(opts.jobs ?? 2), ...(opts.radar ?? [])], { cwd: repo.root });
  });
  expect(r?.stderr).toBe('');
  expect(r?.code, r?.stdout).toBe(0);
  for (const id of ids) expect(repo.git('show', `baton/${id}:src/${id}/a.txt`)).toBe(id);
  return calls;
}

// The budget: what the run costs today, counting every git process (git's own children too). A
// change that adds git processes per feature fails here; lower the numbers when a change removes some.
// Per feature: worktree add and the symbolic-ref it starts, read-tree, add, commit, diff (the branch
// check and HEAD come from git's files); per batch of worktrees one update-ref (the branches); fixed:
// the preflight's five and one maintenance at the end. The escape look (a status and a for-each-ref
// per wave, when no agent runs) is counted apart: how many waves three agents make depends on timing.
// Measured 6 per feature and 7 fixed (before issue #17's last changes: 8 and 7, git's own `branch`
// and a commit's `maintenance` each feature); then 8 per feature, once the checks look for index
// entries hidden from git status (`ls-files -v`) and at the worktree against the checked commit
// (`status`) before they run, so what they check is exactly what is merged. Fixed 6 since the tracked
// files are listed only for owns whose overlap they could settle (these contracts' lie apart).
const FIXED_BUDGET = 6;
const PER_FEATURE_BUDGET = 8;
const escapeLook = (c: string) => / (status --porcelain=v1 -z --untracked-files=all|for-each-ref )/.test(c);

describe('git processes per feature in baton run', () => {
  it('stays within the budget for one and for three features', async () => {
    const one = await gitCallsFor(1);
    const three = await gitCallsFor(3, { jobs: 3 });
    const counted = (calls: string[]) => calls.filter((c) => !escapeLook(c)).length;
    const perFeature = (counted(three) - counted(one)) / 2;
    const fixed = counted(one) - perFeature;
    const report = `one feature:\n${one.join('\n')}\n\nthree:\n${three.join('\n')}\n\nper feature ${perFeature}, fixed ${fixed}`;
    expect(perFeature, report).toBeLessThanOrEqual(PER_FEATURE_BUDGET);
    expect(fixed, report).toBeLessThanOrEqual(FIXED_BUDGET);
    // Under the run's git lock only the ref and admin files are made; the checkout runs outside it.
    const adds = three.filter((c) => c.includes('worktree add'));
    expect(adds.length).toBe(3);
    expect(
      adds.every((c) => c.includes('--no-checkout')),
      report,
    ).toBe(true);
    expect(three.filter((c) => c.includes('read-tree -mu HEAD')).length).toBe(3);
    // One `for-each-ref` at preflight serves every feature: no `show-ref` per feature.
    expect(
      three.filter((c) => c.includes('show-ref')),
      report,
    ).toEqual([]);
    // The escape look (a full untracked scan of the main checkout and the refs) runs at most once
    // per agent, besides the preflight's.
    const looks = (calls: string[]) => calls.filter(escapeLook).length;
    expect(looks(three) - looks(one), report).toBeLessThanOrEqual(2 * 2);
  });

  it('spends one full snapshot on a worktree at its first scan, then none while it is unchanged', async () => {
    // The agent sleeps past two radar intervals before it writes: the first scan takes the one full
    // snapshot (the watch starts then), the second sees an unchanged worktree. Only a scan after the
    // write may ask git again, and then only the cheap incremental way (the fork point's file list,
    // ignore checks of new paths): never a second full snapshot.
    const calls = await gitCallsFor(1, { sleep: 2.5, radar: ['--radar-interval', '1'] });
    const report = calls.join('\n');
    const full = calls.filter((c) =>
      / (rev-parse --git-path index|add -A --ignore-errors|diff-index --cached --name-only)/.test(c),
    );
    expect(full, report).toHaveLength(3);
    const incremental = calls.filter((c) => / (ls-tree -r -z --full-tree|check-ignore)/.test(c));
    expect(incremental.length, report).toBeLessThanOrEqual(3);
    const radarOff = await gitCallsFor(1, { radar: ['--radar-interval', '0'] });
    expect(
      calls.length - full.length - incremental.length,
      `${report}\n\nwithout the radar:\n${radarOff.join('\n')}`,
    ).toBe(radarOff.length);
  });
});

describe("git's automatic maintenance in baton run", () => {
  it('runs once, at the end of the run, not after each feature commit', async () => {
    const ids = ['feature-001-m', 'feature-002-m', 'feature-003-m'];
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles(
        ids.map((id) => ({ id, agent: { command: `mkdir -p src/${id} && echo ${id} > src/${id}/a.txt` } })),
      ),
    });
    repos.push(repo);
    // git's trace names every git process, including the ones a git command starts itself
    // (`commit/maintenance` is the maintenance a commit started).
    let r: Awaited<ReturnType<typeof runBaton>> | undefined;
    const trace = await gitTraceDuring(join(repo.root, '..'), async () => {
      r = await runBaton(['run', '-j', '3', '--no-verify'], { cwd: repo.root });
    });
    expect(r?.code, `${r?.stdout}${r?.stderr}`).toBe(0);
    const names = gitCommandPaths(trace);
    expect(names.filter((n) => n === 'commit')).toHaveLength(3);
    expect(names.filter((n) => n.endsWith('maintenance'))).toEqual(['maintenance']);
    // After the last commit.
    expect(names.lastIndexOf('commit')).toBeLessThan(names.indexOf('maintenance'));
  });
});

describe('git processes of baton integrate --predict-only', () => {
  /** The git calls of a prediction over `features` branches made by a real run. */
  async function predictCalls(features: number): Promise<string[]> {
    const ids = Array.from({ length: features }, (_, i) => `feature-00${i + 1}-p`);
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles(
        ids.map((id) => ({ id, agent: { command: `mkdir -p src/${id} && echo ${id} > src/${id}/a.txt` } })),
      ),
    });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const shim = gitShim(join(repo.root, '..'));
    const savedPath = process.env.PATH;
    process.env.PATH = shim.path;
    try {
      const r = await runBaton(['integrate', '--predict-only'], { cwd: repo.root, env: { PATH: shim.path } });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    } finally {
      process.env.PATH = savedPath;
    }
    return shim.calls();
  }

  it('asks which branches exist in one process, not one per feature', async () => {
    const two = await predictCalls(2);
    const five = await predictCalls(5);
    const report = `two branches:\n${two.join('\n')}\n\nfive branches:\n${five.join('\n')}`;
    expect(
      five.filter((c) => / show-ref |rev-parse --verify .*baton\//.test(c)),
      report,
    ).toEqual([]);
    // The prediction reads every branch's changes in a fixed number of processes too.
    expect(five.length, report).toBe(two.length);
  });
});

describe('git processes of baton integrate', () => {
  it("measures each feature's own changes once: the prediction's serve the merges", async () => {
    const ids = ['feature-001-m', 'feature-002-m'];
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles(ids.map((id) => okCheckedFeature(id, 'OK'))),
    });
    repos.push(repo);
    const run = await runBaton(['run'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    let r: Awaited<ReturnType<typeof runBaton>> | undefined;
    const calls = await gitProcessesDuring(join(repo.root, '..'), async () => {
      r = await runBaton(['integrate'], { cwd: repo.root });
    });
    expect(r?.code, r?.stdout).toBe(0);
    // One walk of the branches' commits and one diff of them (`collectBranchChanges`), for both features.
    const report = calls.join('\n');
    expect(
      calls.filter((c) => c.includes(' rev-list --parents')),
      report,
    ).toHaveLength(1);
    expect(
      calls.filter((c) => c.includes(' diff-tree --stdin')),
      report,
    ).toHaveLength(1);
  });
});

describe('git calls of a resumed feature', () => {
  it('asks nothing about stacking of one that depends on nothing: its fork point is where its work starts', async () => {
    // The agent fails until `go` exists: the resume keeps its branch and runs it again.
    const go = join(tmpdir(), `baton-resume-count-go-${process.pid}-${Date.now()}`);
    const repo = makeRepo({
      'README.md': '# app\n',
      ...contractFiles([
        { id: 'a', agent: { command: `test -f ${go} && mkdir -p src/a && echo a > src/a/x.txt` } },
      ]),
    });
    repos.push(repo);
    try {
      expect((await runBaton(['run'], { cwd: repo.root })).code).toBe(1);
      writeFileSync(go, '');
      let r: Awaited<ReturnType<typeof runBaton>> | undefined;
      const calls = await gitProcessesDuring(join(repo.root, '..'), async () => {
        r = await runBaton(['run', '--resume', 'a'], { cwd: repo.root });
      });
      expect(r?.code, r?.stdout + (r?.stderr ?? '')).toBe(0);
      // The one own-work rule's walk of the commit graph (`commitGraphSince`) is for a stacked branch.
      expect(
        calls.filter((c) => / rev-list --parents /.test(c)),
        calls.join('\n'),
      ).toEqual([]);
    } finally {
      rmSync(go, { force: true });
    }
  });
});

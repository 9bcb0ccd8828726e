// A feature whose checks failed must not reach the user's branch through another feature's branch
// that carries its commits (rebased onto it by hand, no `depends_on` to say so): the carrier is left
// out like a dependent of it, and the `--into` gate refuses a result that holds such work.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { heldWorkOf, ownCommitsOf } from '../../src/integrate/carried-work.js';
import { type IntoInput, intoRefusal } from '../../src/integrate/into.js';
import { carriedLeftOut } from '../../src/integrate/into-holds.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, contractText, okCheckedFeature } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { contract, featureBranch } from './fixture.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('a branch that carries a left-out feature’s work', () => {
  it('is left out, and the hint never offers the command that would bring the failed work to main', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 'fa',
          owns: ['a.txt'],
          agent: { command: 'echo BAD > a.txt' },
          criteria: [{ text: 'must pass', run: 'false' }],
        },
        {
          id: 'fc',
          // No owns: the owns check, which would see fa's a.txt, has nothing to say.
          owns: [],
          agent: { command: 'echo c > c.txt' },
          criteria: [{ text: 'passes', run: 'true' }],
        },
      ]),
    });
    repos.push(repo);
    await runBaton(['run'], { cwd: repo.root });
    // The user puts fc on top of fa's branch by hand, then checks fc again: it passes.
    const fcTree = join(`${repo.root}.baton-worktrees`, 'fc');
    repo.git('-C', fcTree, 'rebase', '-q', 'baton/fa');
    const verify = await runBaton(['verify', 'fc'], { cwd: repo.root });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const main = repo.git('rev-parse', 'main').trim();

    const all = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(
      /fc \(complete: its branch carries fa's work \(commit [0-9a-f]{10}\), which is not merged \(failed-checks\)/,
    );
    expect(all.stdout + all.stderr).not.toContain('baton integrate fc --fresh --into main');

    const alone = await runBaton(['integrate', 'fc', '--fresh', '--into', 'main'], { cwd: repo.root });
    expect(alone.code).toBe(1);
    expect(alone.stderr).toContain("its branch carries fa's work");
    expect(alone.stderr).toContain('which is not merged (not selected)');
    expect(repo.git('rev-parse', 'main').trim()).toBe(main);
  });

  it('reads a left-out feature’s commit from the log only when git has it: a forged one is no internal error', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        {
          id: 'fa',
          owns: ['a.txt'],
          agent: { command: 'echo a > a.txt' },
          criteria: [{ text: 'passes', run: 'true' }],
        },
        {
          id: 'fb',
          owns: ['b.txt'],
          agent: { command: 'echo b > b.txt' },
          criteria: [{ text: 'fails', run: 'false' }],
        },
      ]),
    });
    repos.push(repo);
    await runBaton(['run'], { cwd: repo.root });
    // Any process can append: a check of fb on a commit nobody has.
    const forged = {
      v: 1,
      ts: new Date().toISOString(),
      type: 'check.failed',
      feature_id: 'fb',
      criterion_id: 'c1',
      kind: 'run',
      on: 'worktree',
      text: 'fails',
      message: 'exit 1',
      commit: '1'.repeat(40),
    };
    appendFileSync(join(repo.root, '.baton', 'log.jsonl'), `${JSON.stringify(forged)}\n`);
    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.stderr).not.toContain('internal error');
    expect(r.stdout).toMatch(/fa: merged [0-9a-f]{10}/);
    expect(r.stdout).toContain('1 of 2 merged, 1 not merged (did not pass)');
  });

  it('is not blamed for its own commit that a failed feature merged in by hand (hunt34-x-1)', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([okCheckedFeature('a', 'OK'), okCheckedFeature('c', 'OK')]),
    });
    repos.push(repo);
    await runBaton(['run'], { cwd: repo.root });
    // The user pulls a's work into c by hand; c's own file is then broken, and c fails its checks.
    const cTree = join(`${repo.root}.baton-worktrees`, 'c');
    repo.git('-C', cTree, 'merge', '-q', '--no-edit', 'baton/a');
    writeFileSync(join(cTree, 'src', 'c', 'x.txt'), 'BAD\n');
    repo.git('-C', cTree, 'commit', '-qam', 'c: rework');
    const verify = await runBaton(['verify', 'c'], { cwd: repo.root });
    expect(verify.code).toBe(1);

    const r = await runBaton(['integrate', '--into', 'main'], { cwd: repo.root });
    expect(r.stdout + r.stderr).not.toContain("carries c's work");
    expect(r.stdout).toMatch(/a: merged [0-9a-f]{10}/);
    expect(r.stdout).toContain('1 of 2 merged, 1 not merged (did not pass)');
    // c is left out, and its branch (which holds a's work and its own failed one) with it.
    expect(repo.git('show', 'baton/integration:src/a/x.txt').trim()).toBe('OK');
    expect(repo.git('ls-tree', '-r', '--name-only', 'baton/integration')).not.toContain('src/c/');

    const alone = await runBaton(['integrate', 'a', '--fresh', '--into', 'main'], { cwd: repo.root });
    expect(alone.code, alone.stdout + alone.stderr).toBe(0);
    expect(repo.git('show', 'main:src/a/x.txt').trim()).toBe('OK');
  });

  it('is not blamed for a dependent’s work when that one no longer declares the failed feature it was stacked on', async () => {
    const repo = makeRepo({
      '.gitignore': '.baton/\n',
      ...contractFiles([
        okCheckedFeature('a', 'OK'),
        { ...okCheckedFeature('b', 'OK'), depends: ['a'] },
        { ...okCheckedFeature('c', 'OK'), depends: ['b'] },
      ]),
    });
    repos.push(repo);
    await runBaton(['run', '--wait-for-deps'], { cwd: repo.root });
    // b is reworked and fails; c, stacked on b (and so on a), is told it no longer depends on b.
    const bTree = join(`${repo.root}.baton-worktrees`, 'b');
    writeFileSync(join(bTree, 'src', 'b', 'x.txt'), 'BAD\n');
    repo.git('-C', bTree, 'commit', '-qam', 'b: rework');
    expect((await runBaton(['verify', 'b'], { cwd: repo.root })).code).toBe(1);
    writeFileSync(join(repo.root, 'specs', 'c', 'contract.md'), contractText(okCheckedFeature('c', 'OK')));
    repo.git('commit', '-qam', 'c no longer depends on b');

    const r = await runBaton(['integrate'], { cwd: repo.root });
    expect(r.stdout + r.stderr).not.toContain("carries c's work");
    expect(r.stdout).toMatch(/a: merged [0-9a-f]{10}/);
    expect(r.stdout).toMatch(/not merged: c \(complete: its branch carries b's work/);
  });

  it('counts as a feature’s own only the commits no other feature’s branch made and it merged in', () => {
    // a1 is a's; c merged it (m), so it is a's, not c's. f rebased onto a (f1 on a1): on both lines.
    const graph = new Map([
      ['a1', ['base']],
      ['c1', ['base']],
      ['m', ['c1', 'a1']],
      ['f1', ['a1']],
    ]);
    const c = ownCommitsOf(graph, { commits: ['m'], carriedTips: [], othersTips: ['a1', 'f1'] });
    expect([...c].sort()).toEqual(['c1', 'm']);
    // a's own commit stays a's, for the branch that merged it in as for the one rebased onto it.
    const a = ownCommitsOf(graph, { commits: ['a1'], carriedTips: [], othersTips: ['m', 'f1'] });
    expect([...a]).toEqual(['a1']);
    expect(heldWorkOf(graph, 'a1', ['c'], () => c)).toBeUndefined();
    expect(heldWorkOf(graph, 'm', ['a'], () => a)).toEqual({ feature_id: 'a', commit: 'a1' });
    expect(heldWorkOf(graph, 'f1', ['a'], () => a)).toEqual({ feature_id: 'a', commit: 'a1' });
  });

  it('is not blamed for a dependent cut from it that has no commits of its own, nor for a merged dependency', () => {
    // base ← d1 (d's work) ← c1 (x's work, cut from d); e's branch sits at d1: cut from d, nothing of its own.
    const graph = new Map([
      ['d1', ['base']],
      ['c1', ['d1']],
    ]);
    const own = new Map([
      ['e', ownCommitsOf(graph, { commits: ['d1'], carriedTips: ['d1'] })],
      ['y', ownCommitsOf(graph, { commits: ['c1'], carriedTips: ['d1'] })],
    ]);
    expect([...own.get('e')!]).toEqual([]);
    expect([...own.get('y')!]).toEqual(['c1']);
    const ownOf = (id: string) => own.get(id) ?? new Set<string>();
    expect(heldWorkOf(graph, 'd1', ['e'], ownOf)).toBeUndefined();
    expect(heldWorkOf(graph, 'c1', ['e', 'y'], ownOf)).toEqual({ feature_id: 'y', commit: 'c1' });
  });
});

describe('the --into gate', () => {
  it('finds a left-out feature’s commits in the result, and refuses to move the branch onto it', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const fa = featureBranch(repo, 'fa', { 'a.txt': 'BAD\n' });
    featureBranch(repo, 'fb', { 'b.txt': 'b\n' });
    // The result: fb merged, and fa's commit along with it.
    repo.git('checkout', '-q', '-b', 'result', 'baton/fb');
    repo.git('merge', '-q', '--no-edit', 'baton/fa');
    const q = {
      root: repo.root,
      worktree: repo.root,
      ref: 'refs/heads/main',
      contracts: [contract('fa'), contract('fb')],
      order: ['fa', 'fb'],
    };
    const held = await carriedLeftOut({ ...q, merged: ['fb'] });
    expect(held).toEqual({ feature_id: 'fa', commit: fa });
    expect(await carriedLeftOut({ ...q, merged: ['fa', 'fb'] })).toBeUndefined();

    const input: IntoInput = {
      branch: 'main',
      outcome: 'clean',
      steps: [],
      tests: [],
      checks: {},
      included: [],
      carried: held,
    };
    expect(intoRefusal(input)?.reason).toBe(
      `the result carries fa's work (commit ${fa.slice(0, 10)}), and fa was not merged`,
    );
    expect(intoRefusal({ ...input, carried: undefined })).toBeUndefined();
  });
});

/**
 * A batch of new worktrees from one shell: the branches in one transaction, the adds one after
 * another, each checkout in the background as soon as its own add ended, at most `lanes` at a time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitError } from '../../src/git/git.js';
import { addWorktrees, type NewWorktree } from '../../src/git/worktree-batch.js';
import { processesOfRun } from '../../src/guard/proc.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';
import { until } from '../rig/wait.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A repository whose checkouts take `seconds` each: a smudge filter on its one file sleeps first. */
function slowCheckoutRepo(seconds: number): TempRepo {
  const repo = makeRepo({ '.gitattributes': 'slow.txt filter=slow\n', 'slow.txt': 'slow\n' });
  repo.git('config', 'filter.slow.smudge', `sleep ${seconds}; cat`);
  repo.git('config', 'filter.slow.clean', 'cat');
  repos.push(repo);
  return repo;
}

/** Runs a batch; what each item got, in the order the items became ready, and when `added` came. */
async function batch(repo: TempRepo, ids: string[], lanes = 2) {
  const base = repo.git('rev-parse', 'HEAD');
  const items: NewWorktree[] = ids.map((id) => ({
    path: join(repo.root, '..', 'wt', id),
    // A branch name keeps only the letters of an id (a path may hold anything).
    branch: `baton/${id.replace(/[^a-z]/g, '')}`,
    base,
  }));
  const ready: Array<{ i: number; err: GitError | undefined; at: number }> = [];
  let addedAt = -1;
  const t0 = Date.now();
  await addWorktrees(
    repo.root,
    items,
    {
      added: () => {
        expect(addedAt).toBe(-1);
        addedAt = Date.now() - t0;
      },
      ready: (i, err) => ready.push({ i, err, at: Date.now() - t0 }),
    },
    { lanes },
  );
  return { items, ready, addedAt, base };
}

describe('addWorktrees', () => {
  it('makes every worktree on its own branch, checked out; one git refuses fails alone', async () => {
    const repo = makeRepo({ 'README.md': '# app\n', 'src/a.ts': 'export {};\n' });
    repos.push(repo);
    repo.git('branch', 'baton/taken');
    // A path that needs quoting, with a command substitution the shell must not run.
    const odd = `it's $(touch PWNED) "x"`;
    const { items, ready, addedAt, base } = await batch(repo, ['a', 'taken', odd, 'b']);
    expect(addedAt).toBeGreaterThanOrEqual(0);
    expect(ready.map((r) => r.i).sort()).toEqual([0, 1, 2, 3]);
    const errOf = (i: number) => ready.find((r) => r.i === i)?.err;
    expect(errOf(0)).toBeUndefined();
    expect(errOf(2)).toBeUndefined();
    expect(errOf(3)).toBeUndefined();
    // The branch already existed: the transaction made none, each add made its own, and git's own
    // words name the one taken.
    expect(String(errOf(1))).toContain("a branch named 'baton/taken' already exists");
    for (const i of [0, 2, 3]) {
      const w = items[i] as NewWorktree;
      expect(readFileSync(join(w.path, 'src', 'a.ts'), 'utf8')).toBe('export {};\n');
      expect(repo.git('-C', w.path, 'symbolic-ref', 'HEAD')).toBe(`refs/heads/${w.branch}`);
      expect(repo.git('-C', w.path, 'status', '--porcelain')).toBe('');
      expect(repo.git('rev-parse', w.branch)).toBe(base);
    }
    expect(existsSync(join(repo.root, 'PWNED'))).toBe(false);
    expect(existsSync(join(repo.root, '..', 'wt', 'PWNED'))).toBe(false);
  });

  it('makes the branches in one transaction when none is taken', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const { ready } = await batch(repo, ['a', 'b', 'c']);
    expect(ready.every((r) => r.err === undefined)).toBe(true);
    // One reflog entry per branch, written by the one update-ref, not by `worktree add -b`.
    for (const id of ['a', 'b', 'c'])
      expect(repo.git('reflog', 'show', '--format=%gs', `baton/${id}`)).toBe('branch: Created by Baton');
  });

  it('reports an add that fails (its folder is taken) and a checkout that fails, each alone', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    repos.push(repo);
    repo.write({ '../wt/full/keep.txt': 'mine\n' });
    // A smudge filter that fails: the checkout of every worktree fails, after its add succeeded.
    const failing = makeRepo({ '.gitattributes': 'a.txt filter=no\n', 'a.txt': 'a\n' });
    failing.git('config', 'filter.no.smudge', 'exit 3');
    failing.git('config', 'filter.no.required', 'true');
    repos.push(failing);
    const taken = await batch(repo, ['ok', 'full']);
    expect(taken.ready.find((r) => r.i === 0)?.err).toBeUndefined();
    const addErr = taken.ready.find((r) => r.i === 1)?.err;
    expect(addErr?.message).toContain('worktree add');
    expect(readFileSync(join(repo.root, '..', 'wt', 'full', 'keep.txt'), 'utf8')).toBe('mine\n');
    const bad = await batch(failing, ['x']);
    expect(bad.ready[0]?.err?.message).toContain('read-tree');
  });

  it('lets the adds end (and the lock go) while the checkouts still run', async () => {
    const repo = slowCheckoutRepo(1);
    const { ready, addedAt } = await batch(repo, ['a', 'b']);
    expect(ready.every((r) => r.err === undefined)).toBe(true);
    // Both adds ended long before the first checkout did.
    expect(Math.min(...ready.map((r) => r.at)) - addedAt).toBeGreaterThanOrEqual(700);
  });

  it('runs no more checkouts at a time than it has lanes', async () => {
    // Each checkout's filter notes its start and end in a file: how many ran at once is counted from
    // that order, not from the clock, so a loaded machine cannot change the answer.
    const most = async (lanes: number, seconds: number) => {
      const repo = slowCheckoutRepo(seconds);
      const trace = join(repo.root, '..', 'checkouts.txt');
      repo.git(
        'config',
        'filter.slow.smudge',
        `echo s >> '${trace}'; sleep ${seconds}; echo e >> '${trace}'; cat`,
      );
      const r = await batch(repo, ['a', 'b', 'c'], lanes);
      expect(r.ready.every((x) => x.err === undefined)).toBe(true);
      let running = 0;
      let peak = 0;
      for (const mark of readFileSync(trace, 'utf8').split('\n').filter(Boolean)) {
        running += mark === 's' ? 1 : -1;
        peak = Math.max(peak, running);
      }
      return { peak, order: r.ready.map((x) => x.i) };
    };
    const one = await most(1, 0.2);
    // One at a time; which waiting checkout takes the freed lane is up to the scheduler (two shells
    // reading one FIFO), so only that all three ended is checked, not their order.
    expect(one.peak).toBe(1);
    expect([...one.order].sort()).toEqual([0, 1, 2]);
    // With three lanes they overlap: a checkout long enough that the next adds end while it runs.
    expect((await most(3, 2)).peak).toBeGreaterThanOrEqual(2);
  });

  it('ends every waiting checkout once its orchestrator is killed: a lane taken is given back', async () => {
    const repo = slowCheckoutRepo(0.5);
    const base = repo.git('rev-parse', 'HEAD');
    const items = ['a', 'b', 'c', 'd'].map((id) => ({
      path: join(repo.root, '..', 'wt', id),
      branch: `baton/${id}`,
      base,
    }));
    const runId = `r-batch-${process.pid}-${Date.now()}`;
    // The orchestrator: a Node process making the batch (the built module), one lane for four checkouts.
    const built = pathToFileURL(resolve(import.meta.dirname, '../../dist/git/worktree-batch.js')).href;
    const script = `const { addWorktrees } = await import(${JSON.stringify(built)});
await addWorktrees(process.argv[1], JSON.parse(process.argv[2]), { added() {}, ready() {} },
  { lanes: 1, run: { runId: process.argv[3], logPath: '/nowhere/log.jsonl' } });`;
    const orchestrator = spawn(
      process.execPath,
      ['--input-type=module', '-e', script, repo.root, JSON.stringify(items), runId],
      { stdio: 'ignore' },
    );
    try {
      // The first checkout is under way (its folder made) and the others wait for the lane.
      expect(await until(() => existsSync(join(items[0]!.path, '.git')), 10_000)).toBe(true);
      orchestrator.kill('SIGKILL');
      // Every process of the batch ends: the checkout under way finishes, the waiters see the orchestrator gone.
      expect(await until(() => processesOfRun(runId).length === 0, 10_000)).toBe(true);
    } finally {
      orchestrator.kill('SIGKILL');
      for (const p of processesOfRun(runId)) process.kill(p.pid, 'SIGKILL');
    }
  });
});

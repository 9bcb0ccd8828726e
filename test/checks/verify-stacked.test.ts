// `baton run --wait-for-deps` cuts a dependent's branch on top of its dependencies' (a merge of
// `baton/a` onto the base), and measured its own work from that merge; `baton verify` measured it from
// the base, so the dependency's files counted as the dependent's, its owns check failed and integrate
// refused it. A resumed stacked branch was measured from the base by the run too. Now run, verify and
// integrate measure by one rule (`ownWorkStartOf`).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatonEvent } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** An agent that writes its one owned file, `src/<id>/x.txt`, then runs `then`. */
const writesOwnFile = (id: string, then = 'true') => ({
  command: `mkdir -p src/${id} && echo ${id} > src/${id}/x.txt && ${then}`,
});

/** a, and b depending on it, each owning `src/<id>/**` (the implicit owns check). */
function stacked(bThen?: string, more: TestContract[] = []): TempRepo {
  const contracts: TestContract[] = [
    { id: 'a', agent: writesOwnFile('a') },
    { id: 'b', depends: ['a'], agent: writesOwnFile('b', bThen) },
    ...more,
  ];
  const repo = makeRepo({ 'README.md': '# app\n', '.gitignore': '.baton/\n', ...contractFiles(contracts) });
  repos.push(repo);
  return repo;
}

function events(repo: TempRepo): BatonEvent[] {
  return readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
}

function inWorktree(repo: TempRepo, id: string, args: string[]): void {
  const r = spawnSync('git', args, {
    cwd: join(repo.root, '..', 'repo.baton-worktrees', id),
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
}

describe('a branch cut on top of its dependency (--wait-for-deps)', () => {
  it('passes verify as it passed the run, and integrate merges it', async () => {
    const repo = stacked();
    const run = await runBaton(['run', '--wait-for-deps'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const v = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(v.stdout + v.stderr).not.toContain('src/a/x.txt');
    expect(v.stdout).toContain('1 changed file, none outside owns');
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const i = await runBaton(['integrate'], { cwd: repo.root });
    expect(i.code, i.stdout + i.stderr).toBe(0);
    expect(repo.git('show', 'baton/integration:src/b/x.txt')).toBe('b');
  });

  it('is measured from its dependency when resumed, not from the base', async () => {
    // b's agent fails until `go` exists: the resume runs it again on the branch it was cut on.
    const go = join(tmpdir(), `baton-stacked-go-${process.pid}-${Date.now()}`);
    const repo = stacked(`test -f ${go}`);
    expect((await runBaton(['run', '--wait-for-deps'], { cwd: repo.root })).code).toBe(1);
    writeFileSync(go, '');
    try {
      const r = await runBaton(['run', '--resume', '--wait-for-deps', 'b'], { cwd: repo.root });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const exited = events(repo)
        .filter((e) => e.type === 'agent.exited' && e.feature_id === 'b')
        .at(-1);
      expect(exited && 'files' in exited ? exited.files : []).toEqual(['src/b/x.txt']);
    } finally {
      rmSync(go, { force: true });
    }
  });

  it('is still measured right once it merged a base that moved on without its dependency', async () => {
    const repo = stacked();
    expect((await runBaton(['run', '--wait-for-deps'], { cwd: repo.root })).code).toBe(0);
    repo.commit('main moves on', { 'README.md': '# app, moved on\n' });
    inWorktree(repo, 'b', ['merge', '-q', '--no-edit', 'main']);
    const v = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(v.stdout + v.stderr).not.toContain('outside owns:');
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const p = await runBaton(['integrate', '--predict-only', '--json'], { cwd: repo.root });
    expect(JSON.parse(p.stdout).prediction.changed).toEqual({ a: ['src/a/x.txt'], b: ['src/b/x.txt'] });
  });

  it('is still measured right once its dependency reached the base and it was rebased onto it', async () => {
    const repo = stacked();
    expect((await runBaton(['run', '--wait-for-deps'], { cwd: repo.root })).code).toBe(0);
    expect((await runBaton(['integrate', 'a', '--into', 'main'], { cwd: repo.root })).code).toBe(0);
    repo.commit('main moves on', { 'README.md': '# app, moved on\n' });
    inWorktree(repo, 'b', ['rebase', '-q', 'main']);
    const v = await runBaton(['verify', 'b'], { cwd: repo.root });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('1 changed file, none outside owns');
  });

  it('measures a branch cut on top of two dependencies from their merge', async () => {
    const repo = stacked(undefined, [{ id: 'c', depends: ['a', 'b'], agent: writesOwnFile('c') }]);
    const run = await runBaton(['run', '--wait-for-deps'], { cwd: repo.root });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    repo.commit('main moves on', { 'README.md': '# app, moved on\n' });
    inWorktree(repo, 'c', ['merge', '-q', '--no-edit', 'main']);
    const v = await runBaton(['verify', 'c'], { cwd: repo.root });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('1 changed file, none outside owns');
  });
});

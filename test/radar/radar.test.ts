import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatonEvent, CollisionDetected } from '../../src/log/events.js';
import { readLog } from '../../src/log/read.js';
import { snapshotWorktree } from '../../src/radar/snapshot.js';
import { runBaton } from '../rig/cli.js';
import { contractFiles, type TestContract } from '../rig/contracts.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

// Removed after the file, not after each test: the runs below go side by side.
const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Fifty numbered lines: room for edits near each other and far apart. */
const SHARED = `${Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n')}\n`;

function repoWith(contracts: TestContract[]): TempRepo {
  const repo = makeRepo({ 'README.md': '# app\n', 'shared.txt': SHARED, ...contractFiles(contracts) });
  repos.push(repo);
  return repo;
}

/** A shell agent: waits, rewrites one line of shared.txt, then keeps working a while. */
const editLine = (line: number, text: string, before: number, after: number) => ({
  command: `sleep ${before}; sed -i '${line}s/.*/${text}/' shared.txt; sleep ${after}`,
});

function events(repo: TempRepo): BatonEvent[] {
  return readLog(join(repo.root, '.baton', 'log.jsonl')).events as BatonEvent[];
}

const detections = (log: BatonEvent[]) =>
  log.filter((e): e is CollisionDetected => e.type === 'collision.detected');

function firstExit(log: BatonEvent[]): number {
  return Math.min(...log.filter((e) => e.type === 'agent.exited').map((e) => Date.parse(e.ts)));
}

// Each run has its own repository and mostly waits on its agents' sleeps: the four go side by side.
describe.concurrent('collision radar during baton run', () => {
  it('sees two agents change the same line differently as a conflict before either ends', async () => {
    const repo = repoWith([
      // Seconds of both edits standing before either agent ends: a loaded machine's scans lag.
      { id: 'a', agent: editLine(1, 'from a', 0.2, 6) },
      { id: 'b', agent: editLine(1, 'from b', 1.2, 5.5) },
    ]);
    const r = await runBaton(['run', '--radar-interval', '0.3', '--no-verify'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const log = events(repo);
    const found = detections(log);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      collision_id: 'a+b',
      kind: 'conflict',
      paths: ['shared.txt'],
      second: 'b',
    });
    // Seen while both agents were still working, in time for the conductor to act.
    expect(Date.parse(found[0]!.ts)).toBeLessThan(firstExit(log));
    expect(r.stdout).toContain('collision (conflict) on shared.txt; b touched it last');
    const status = await runBaton(['status', '--json'], { cwd: repo.root });
    const json = JSON.parse(status.stdout) as { features: Array<{ feature_id: string; collisions: object }> };
    expect(json.features.find((f) => f.feature_id === 'a')?.collisions).toMatchObject({
      'a+b': { with: 'b', kind: 'conflict', paths: ['shared.txt'], second: false },
    });
    const report = await runBaton(['report', '--format', 'json'], { cwd: repo.root });
    expect(JSON.parse(report.stdout).collisions).toMatchObject({ count: 1, records: [{ kind: 'conflict' }] });
  });

  it('calls edits in distant regions of one file an overlap, and closes it when one side reverts', async () => {
    const repo = repoWith([
      { id: 'a', agent: editLine(1, 'from a', 0.2, 7) },
      {
        id: 'b',
        // b's edit stands 3 s, and its revert 3 s before the agents end: a loaded machine's scans lag.
        agent: {
          command: `sleep 1; sed -i '50s/.*/from b/' shared.txt; sleep 3; git checkout -- shared.txt; echo done > src-b.txt; sleep 3`,
        },
        owns: ['src-b.txt'],
      },
    ]);
    const r = await runBaton(['run', '--radar-interval', '0.3', '--no-verify'], { cwd: repo.root });
    expect(r.code).toBe(0);
    const log = events(repo);
    expect(detections(log).map((e) => e.kind)).toEqual(['overlap']);
    const resolved = log.filter((e) => e.type === 'collision.resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ collision_id: 'a+b', features: ['a', 'b'] });
  });

  it("reports a touch of another feature's owned path", async () => {
    const repo = repoWith([
      {
        id: 'a',
        owns: ['src/a/**'],
        agent: { command: 'sleep 0.3; mkdir -p src/b && echo x > src/b/api.txt; sleep 2' },
      },
      {
        id: 'b',
        owns: ['src/b/**'],
        agent: { command: 'sleep 2.5; mkdir -p src/b && echo y > src/b/own.txt' },
      },
    ]);
    await runBaton(['run', '--radar-interval', '0.3', '--no-verify'], { cwd: repo.root });
    const found = detections(events(repo));
    expect(found[0]).toMatchObject({
      kind: 'owned',
      paths: ['src/b/api.txt'],
      second: 'a',
      features: ['a', 'b'],
    });
  });

  it("never pairs best-of-N attempts of one feature, and holds each attempt to its feature's owns", async () => {
    const repo = repoWith([
      // Both attempts rewrite the same line differently: a conflict, were they two features.
      { id: 'api', owns: ['src/api/**'], agent: editLine(1, 'from a$BATON_ATTEMPT', 0.2, 5) },
      {
        id: 'web',
        owns: ['src/web/**'],
        agent: { command: 'sleep 0.5; mkdir -p src/api && echo $BATON_ATTEMPT > src/api/y.txt; sleep 4' },
      },
    ]);
    // web's attempts fail their owns check; what matters here is what the radar saw.
    const r = await runBaton(['run', '--attempts', '2', '-j', '4', '--radar-interval', '0.3'], {
      cwd: repo.root,
    });
    const found = detections(events(repo));
    const feature = (unit: string | undefined) => unit?.replace(/\.a\d+$/, '');
    expect(found.filter((c) => feature(c.features[0]) === feature(c.features[1]))).toEqual([]);
    // web's attempts wrote into api's folder: each attempt of api owns it, as its contract says.
    expect(found.some((c) => c.kind === 'owned' && c.paths.includes('src/api/y.txt'))).toBe(true);
    expect(r.stdout).not.toMatch(/api\.a1 & api\.a2/);
  });

  it('with --on-collision stop-later stops the feature that came second and keeps its work', async () => {
    const repo = repoWith([
      { id: 'a', agent: editLine(1, 'from a', 0.2, 3) },
      { id: 'b', agent: editLine(1, 'from b', 1.2, 20) },
    ]);
    const t0 = Date.now();
    const r = await runBaton(
      ['run', '--radar-interval', '0.3', '--on-collision', 'stop-later', '--no-verify'],
      {
        cwd: repo.root,
      },
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    const ended = events(repo).filter((e) => e.type === 'feature.ended');
    expect(ended.find((e) => e.feature_id === 'a')?.status).toBe('complete');
    const b = ended.find((e) => e.feature_id === 'b');
    expect(b?.status).toBe('collision');
    expect(b?.reason).toContain('collision with a on shared.txt');
    // b's work is committed on its branch, not lost.
    expect(repo.git('show', 'baton/b:shared.txt').split('\n')[0]).toBe('from b');
  });
});

describe('snapshotWorktree', () => {
  it('sees committed, staged, unstaged and untracked changes without touching the index or files', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n', '.gitignore': 'ignored/\n' });
    repos.push(repo);
    const base = repo.git('rev-parse', 'HEAD');
    repo.commit('committed', { 'a.txt': 'A\n' });
    repo.write({ 'b.txt': 'B\n', 'new.txt': 'new\n', 'ignored/x.txt': 'x\n' });
    repo.git('add', 'b.txt');
    repo.write({ 'c.txt': 'C\n' });
    const index = join(repo.root, '.git', 'index');
    const before = {
      status: repo.git('status', '--porcelain=v2', '--untracked-files=all'),
      index: createHash('sha256').update(readFileSync(index)).digest('hex'),
    };
    const scratch = { worktree: repo.root, forkPoint: base, indexPath: index };
    const snap = await snapshotWorktree({
      ...scratch,
      scratchIndex: join(repo.root, '..', 'scratch', 'index'),
    });
    expect(snap.paths.sort()).toEqual(['a.txt', 'b.txt', 'c.txt', 'new.txt']);
    const first = await snap.commit();
    // Naming the changed paths (as the watch does) sees the same; so does a deletion of a tracked file.
    repo.write({ 'd.txt': 'd\n' });
    const named = await snapshotWorktree({
      ...scratch,
      scratchIndex: join(repo.root, '..', 'scratch', 'index2'),
      only: new Set(['b.txt', 'c.txt', 'new.txt', 'never-existed.txt', 'd.txt']),
    });
    expect(named.paths.sort()).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'new.txt']);
    rmSync(join(repo.root, 'd.txt'));
    // The same worktree gives the same snapshot commit: idle scans add no objects.
    const again = await snapshotWorktree({
      ...scratch,
      scratchIndex: join(repo.root, '..', 'scratch', 'index'),
    });
    expect(await again.commit()).toBe(first);
    expect(repo.git('status', '--porcelain=v2', '--untracked-files=all')).toBe(before.status);
    expect(createHash('sha256').update(readFileSync(index)).digest('hex')).toBe(before.index);
  });
});

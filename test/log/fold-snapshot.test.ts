/** The status fold snapshot against logs edited in place: rewritten, or restored from a backup with `cp`. */
import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/log/fold.js';
import { foldCachePath, foldLogCached } from '../../src/log/fold-cache.js';
import { FOLD_SNAPSHOT_VERSION } from '../../src/log/fold-snapshot.js';
import { readLog } from '../../src/log/read.js';
import { isFoldSnapshot } from '../../src/log/snapshot-shape.js';
import { LogTailer } from '../../src/log/tail.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** A first line longer than the 256 bytes the snapshot once compared (as a real `run.started` is). */
const LONG = `{"feature_id":"aaa","status":"complete","n":"${'p'.repeat(300)}"}\n`;
const line = (id: string, status: string) => `{"feature_id":"${id}","status":"${status}"}\n`;

function logIn(repo: TempRepo): string {
  mkdirSync(join(repo.root, '.baton'), { recursive: true });
  return join(repo.root, '.baton', 'log.jsonl');
}
const fullFold = (log: string) => foldEvents(readLog(log, undefined, { final: true }).events);

describe('the fold snapshot on a log edited in place', () => {
  it('`baton status` sees a line rewritten in place after a first line of more than 256 bytes', async () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = logIn(repo);
    writeFileSync(log, LONG + line('bbb', 'running'));
    const first = await runBaton(['status'], { cwd: repo.root });
    expect(first.stdout).toMatch(/bbb\s+running/);
    // Same inode, same size, same first 256 bytes: only the last line differs.
    writeFileSync(log, LONG + line('bbb', 'timeout'));
    const second = await runBaton(['status'], { cwd: repo.root });
    expect(second.stdout).toMatch(/bbb\s+timeout/);
  });

  it('sees a same-size rewrite even when the mtime was put back', () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = logIn(repo);
    writeFileSync(log, LONG + line('bbb', 'running'));
    foldLogCached(log, 'show');
    const { atime, mtime } = statSync(log);
    writeFileSync(log, LONG + line('bbb', 'timeout'));
    utimesSync(log, atime, mtime);
    const r = foldLogCached(log, 'show');
    expect(r.fromOffset).toBe(0);
    expect(r.state.features.bbb?.status).toBe('timeout');
  });

  it('reads a backup restored with `cp` (same inode, longer, other lines) from its start, with no torn line', () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = logIn(repo);
    const backup = `${log}.bak`;
    writeFileSync(backup, LONG + line('bbb', 'complete') + line('ccc-with-a-longer-id', 'failed'));
    writeFileSync(log, LONG + line('bbb', 'running'));
    foldLogCached(log, 'show');
    const ino = statSync(log).ino;
    copyFileSync(backup, log);
    expect(statSync(log).ino).toBe(ino);
    const r = foldLogCached(log, 'show');
    expect(r.fromOffset).toBe(0);
    expect(r.problems).toEqual([]);
    expect(r.state).toEqual(fullFold(log));
    expect(r.state.features.bbb?.status).toBe('complete');
    // The snapshot written now describes the restored log: an append after it is read from there.
    const snap = JSON.parse(readFileSync(foldCachePath(log), 'utf8'));
    expect(snap.offset).toBe(statSync(log).size);
  });
});

describe('the log tailer (`status --watch`, the dashboard) on a log edited in place', () => {
  it('reads a same-size rewrite and a `cp`-restored backup again from the start', () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = logIn(repo);
    writeFileSync(log, LONG + line('bbb', 'running'));
    const tailer = new LogTailer(log);
    expect(tailer.readChunk().events).toHaveLength(2);
    writeFileSync(log, LONG + line('bbb', 'timeout'));
    expect(tailer.hasNews()).toBe(true);
    const rewritten = tailer.readChunk();
    expect(rewritten.reset).toBe(true);
    expect(rewritten.events.map((e) => (e as { status?: string }).status)).toEqual(['complete', 'timeout']);
    writeFileSync(`${log}.bak`, LONG + line('bbb', 'complete') + line('ccc-with-a-longer-id', 'failed'));
    copyFileSync(`${log}.bak`, log);
    const restored = tailer.readChunk();
    expect(restored.reset).toBe(true);
    expect(restored.problems).toEqual([]);
    expect(restored.events).toHaveLength(3);
  });
});

describe('the shape check passes every snapshot Baton writes', () => {
  it('a log with an open queued run, phases, a collision and an integration (merges, tests)', () => {
    const repo = makeRepo();
    repos.push(repo);
    const log = logIn(repo);
    const ts = '2024-01-01T00:00:00.000Z';
    const events = [
      {
        type: 'run.started',
        run_id: 'r1',
        feature_ids: ['fa', 'fb'],
        concurrency: 2,
        base: 'main',
        base_commit: 'c0',
        mode: 'contract-first',
        pid: 1,
        queue: { url: 'redis://h', hub: '/hub' },
      },
      { type: 'phase.started', phase: 'planning' },
      { type: 'phase.ended', phase: 'planning' },
      { feature_id: 'fa', status: 'running' },
      { feature_id: 'fb', status: 'running' },
      {
        type: 'collision.detected',
        collision_id: 'fa+fb',
        features: ['fa', 'fb'],
        kind: 'overlap',
        paths: ['x.ts'],
        second: 'fb',
      },
      { type: 'integration.started', branch: 'baton/integration', worktree: '/w', order: ['fa', 'fb'] },
      { type: 'merge.clean', feature_id: 'fa', commit: 'c1', duration_ms: 1 },
      { type: 'integration.tested', after_feature: 'fa', passed: false, exit_code: null, duration_ms: 1 },
      { type: 'merge.conflict', feature_id: 'fb', files: ['x.ts'], with: ['fa'], duration_ms: 1 },
      { type: 'merge.skipped', feature_id: 'fb', reason: 'conflict' },
      { type: 'integration.tested', after_feature: 'fb', passed: true, exit_code: 0, duration_ms: 1 },
    ];
    writeFileSync(log, events.map((e) => `${JSON.stringify({ v: 1, ts, ...e })}\n`).join(''));
    const first = foldLogCached(log, 'show');
    expect(first.problems).toEqual([]);
    const { state } = first;
    expect(state.open_runs).toHaveLength(1);
    expect(state.phases).toHaveLength(1);
    expect(Object.keys(state.features.fa?.collisions ?? {})).toEqual(['fa+fb']);
    expect(state.integration.merges).toHaveLength(3);
    expect(state.integration.tests).toHaveLength(2);
    const snap: unknown = JSON.parse(readFileSync(foldCachePath(log), 'utf8'));
    expect(isFoldSnapshot(snap, FOLD_SNAPSHOT_VERSION)).toBe(true);
  });
});

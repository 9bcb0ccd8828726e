import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/log/fold.js';
import { type FoldSnapshot, foldCachePath, foldLogCached } from '../../src/log/fold-cache.js';
import { FOLD_SNAPSHOT_VERSION } from '../../src/log/fold-snapshot.js';
import { readLog } from '../../src/log/read.js';
import { runBaton } from '../rig/cli.js';
import { makeRepo, type TempRepo } from '../rig/repo.js';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const line = (id: string, status: string) => `{"feature_id":"${id}","status":"${status}"}\n`;

function setup(): { repo: TempRepo; log: string } {
  const repo = makeRepo();
  repos.push(repo);
  mkdirSync(join(repo.root, '.baton'), { recursive: true });
  const log = join(repo.root, '.baton', 'log.jsonl');
  writeFileSync(log, Array.from({ length: 200 }, (_, i) => line(`feature-${i}-a`, 'running')).join(''));
  return { repo, log };
}

const fullFold = (log: string) => foldEvents(readLog(log, undefined, { final: true }).events);
const snapshot = (log: string) => JSON.parse(readFileSync(foldCachePath(log), 'utf8')) as FoldSnapshot;

describe('the status fold snapshot', () => {
  it('reads only the appended bytes after the first read, with the same result as a full fold', () => {
    const { log } = setup();
    const first = foldLogCached(log, 'show');
    expect(first.fromOffset).toBe(0);
    const size = statSync(log).size;
    expect(snapshot(log).offset).toBe(size);
    appendFileSync(log, line('feature-3-a', 'complete') + line('feature-900-z', 'failed'));
    const second = foldLogCached(log, 'show');
    expect(second.fromOffset).toBe(size);
    expect(snapshot(log).offset).toBe(statSync(log).size);
    expect(second.state).toEqual(fullFold(log));
    expect(second.state.features['feature-3-a']?.status).toBe('complete');
  });

  it('folds an unterminated last line into the result but not into the snapshot', () => {
    const { log } = setup();
    const size = statSync(log).size;
    appendFileSync(log, '{"feature_id":"feature-1-a","status":"complete"}');
    const r = foldLogCached(log, 'show');
    expect(r.state.features['feature-1-a']?.status).toBe('complete');
    expect(snapshot(log).offset).toBe(size);
  });

  it('reads a replaced or truncated-and-rewritten log again from its start', () => {
    const { log } = setup();
    foldLogCached(log, 'show');
    // Replaced: a new file (new inode) renamed over the log, longer than the snapshot.
    const other = `${log}.new`;
    writeFileSync(other, Array.from({ length: 300 }, (_, i) => line(`feature-${i}-b`, 'complete')).join(''));
    renameSync(other, log);
    const replaced = foldLogCached(log, 'show');
    expect(replaced.fromOffset).toBe(0);
    expect(replaced.state).toEqual(fullFold(log));
    // Rewritten in place (same inode), longer than before but with other first bytes.
    writeFileSync(log, Array.from({ length: 400 }, (_, i) => line(`feature-${i}-c`, 'failed')).join(''));
    const rewritten = foldLogCached(log, 'show');
    expect(rewritten.fromOffset).toBe(0);
    expect(rewritten.state).toEqual(fullFold(log));
    expect(rewritten.state.features['feature-0-b']).toBeUndefined();
  });

  it('ignores a corrupt, foreign or stale snapshot and writes a good one in its place', () => {
    const { log } = setup();
    const cache = foldCachePath(log);
    const good = foldLogCached(log, 'show');
    const bad = [
      '{"version":1,"ino":', // cut short (a crash mid-write)
      'null',
      JSON.stringify({ ...snapshot(log), version: FOLD_SNAPSHOT_VERSION + 1 }), // another format
      JSON.stringify({ ...snapshot(log), version: FOLD_SNAPSHOT_VERSION - 1 }), // folded under older rules
      JSON.stringify({ ...snapshot(log), ino: snapshot(log).ino + 1 }), // another file's
      JSON.stringify({ ...snapshot(log), offset: statSync(log).size + 10 }), // past the end
      JSON.stringify({ ...snapshot(log), stamp: 'another log' }), // other bytes before the offset
      // Written since (another mtime) and other bytes before the offset than the snapshot's.
      JSON.stringify({ ...snapshot(log), mtimeMs: snapshot(log).mtimeMs - 1000, hash: 'other bytes' }),
    ];
    for (const text of bad) {
      writeFileSync(cache, text);
      const r = foldLogCached(log, 'show');
      expect(r.fromOffset, text.slice(0, 40)).toBe(0);
      expect(r.state).toEqual(good.state);
      expect(snapshot(log).offset).toBe(statSync(log).size);
    }
  });

  it('gives `status --json` the same answer from the snapshot as from a full read', async () => {
    const { repo, log } = setup();
    const cold = await runBaton(['status', '--json'], { cwd: repo.root });
    const warm = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(warm.stdout).toBe(cold.stdout);
    appendFileSync(log, line('feature-5-a', 'complete'));
    const after = await runBaton(['status', '--json'], { cwd: repo.root });
    expect(snapshot(log).offset).toBe(statSync(log).size);
    expect(
      JSON.parse(after.stdout).features.find((f: { feature_id: string }) => f.feature_id === 'feature-5-a')
        .status,
    ).toBe('complete');
  });
});

describe('commands that need the whole fold read only what was appended', () => {
  it('`baton phase` on a multi-MB log: a line changed in place behind the snapshot is seen, appends are read alone', async () => {
    const repo = makeRepo();
    repos.push(repo);
    mkdirSync(join(repo.root, '.baton'), { recursive: true });
    const log = join(repo.root, '.baton', 'log.jsonl');
    const noise = (i: number) =>
      `${JSON.stringify({ v: 1, ts: '2026-01-01T00:00:00Z', type: 'hook', feature_id: 'feature-001-a', event: 'PostToolUse', detail: `turn ${String(i).padStart(6, '0')} ${'x'.repeat(80)}` })}\n`;
    writeFileSync(log, Array.from({ length: 30_000 }, (_, i) => noise(i)).join(''));
    const size = statSync(log).size;
    expect(size).toBeGreaterThan(4_000_000);
    const started = await runBaton(['phase', 'start', 'specification'], { cwd: repo.root });
    expect(started.code, started.stderr).toBe(0);
    // The first read folds it all and snapshots it; the command's own event comes after.
    expect(snapshot(log).offset).toBe(size);
    // Overwrite one old line, same length, with an open phase `ghost`, then append: the snapshot's
    // stamp (first and last bytes) is unchanged, only the bytes in between tell.
    const text = readFileSync(log, 'utf8');
    const old = noise(15_000);
    const ghost = JSON.stringify({ v: 1, ts: '2026-01-01T00:00:00Z', type: 'phase.started', phase: 'ghost' });
    const padded = `${ghost.slice(0, -1)}${' '.repeat(old.length - ghost.length - 1)}}\n`;
    expect(padded.length).toBe(old.length);
    writeFileSync(log, text.replace(old, padded));
    appendFileSync(log, noise(30_000));
    expect(fullFold(log).phases.some((p) => p.name === 'ghost' && !p.ended_at)).toBe(true);
    const again = await runBaton(['phase', 'start', 'ghost'], { cwd: repo.root });
    expect(again.stderr).toMatch(/phase ghost is already open .*\[phase\/already-started\]/);
    const before = statSync(log).size;
    const ended = await runBaton(['phase', 'end', 'specification'], { cwd: repo.root });
    expect(ended.code, ended.stderr).toBe(0);
    // The snapshot moved on to where this command began reading; its own event came after.
    expect(snapshot(log).offset).toBe(before);
    expect(statSync(log).size).toBeGreaterThan(before);
  });
});

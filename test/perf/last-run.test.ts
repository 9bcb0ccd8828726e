import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/log/fold.js';
import { findLastRunChain, findLastRunStart, foldLastRun } from '../../src/log/last-run.js';
import { readLog } from '../../src/log/read.js';
import { logLine, runStartedLine } from '../rig/log-lines.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function logWith(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-last-run-'));
  dirs.push(dir);
  const path = join(dir, 'log.jsonl');
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

const start = (id: string) => runStartedLine(id, []);
const noise = (i: number) =>
  JSON.stringify({ type: 'agent.output', feature_id: `f-${i}`, text: 'x'.repeat(80) });

describe('findLastRunStart', () => {
  it('finds the last run near the end of a large log by reading only its tail', () => {
    const lines = [start('run-old')];
    for (let i = 0; i < 100_000; i++) lines.push(noise(i));
    lines.push(start('run-new'), noise(1), noise(2));
    const path = logWith(lines);
    const found = findLastRunStart(path)!;
    expect(found.run_id).toBe('run-new');
    const text = lines.map((l) => `${l}\n`).join('');
    expect(found.offset).toBe(Buffer.byteLength(text.slice(0, text.indexOf(start('run-new')))));
    // The file is ~12 MB; one 64 KiB chunk holds the answer.
    expect(found.bytesRead).toBeLessThanOrEqual(64 * 1024);
  });

  it('finds a run start at the very beginning, across chunk boundaries, and none in a log without one', () => {
    const lines = [start('only')];
    for (let i = 0; i < 3000; i++) lines.push(noise(i));
    const found = findLastRunStart(logWith(lines))!;
    expect(found).toMatchObject({ run_id: 'only', offset: 0 });
    expect(findLastRunStart(logWith([noise(1), '{"type":"run.started", torn']))).toBeUndefined();
    expect(findLastRunStart(join(tmpdir(), 'no-such-baton-log.jsonl'))).toBeUndefined();
  });

  it('reads a last line that has no newline yet', () => {
    const path = logWith([start('a'), noise(1)]);
    writeFileSync(path, `${start('a')}\n${noise(1)}\n${start('b')}`);
    expect(findLastRunStart(path)?.run_id).toBe('b');
  });
});

const ev = logLine;
const runStart = (id: string, features: string[], resume = false) => runStartedLine(id, features, { resume });
const ended = (id: string, status: string) => ev('feature.ended', { feature_id: id, status });
const hook = (id: string, i: number) =>
  ev('hook', { feature_id: id, event: 'PostToolUse', detail: `turn ${i} ${'x'.repeat(60)}` });

/** A log of many old runs (several MB), then the last run: `tail` lines. */
function bigLogThen(tail: string[]): { path: string; tailBytes: number } {
  const lines: string[] = [];
  for (let r = 0; r < 20; r++) {
    lines.push(runStart(`run-${r}`, ['feature-001-a', 'feature-002-b']));
    for (let i = 0; i < 5000; i++) lines.push(hook(i % 2 ? 'feature-001-a' : 'feature-002-b', i));
    lines.push(ended('feature-001-a', 'complete'), ended('feature-002-b', 'failed'));
  }
  const path = logWith([...lines, ...tail]);
  return { path, tailBytes: Buffer.byteLength(tail.map((l) => `${l}\n`).join('')) };
}

describe('foldLastRun', () => {
  it('folds only the last run of a multi-MB log: the bytes read are bounded by that run', () => {
    const tail = [
      runStart('run-last', ['feature-002-b']),
      hook('feature-002-b', 1),
      ended('feature-002-b', 'complete'),
    ];
    const { path, tailBytes } = bigLogThen(tail);
    const folded = foldLastRun(path);
    // The log is ~17 MB; the answer costs one backward chunk plus the run itself.
    expect(statSize(path)).toBeGreaterThan(10_000_000);
    expect(folded.bytesRead).toBeLessThanOrEqual(64 * 1024 + tailBytes);
    expect(folded.state.run_id).toBe('run-last');
    expect(folded.state.run_feature_ids).toEqual(['feature-002-b']);
    expect(folded.state.features['feature-002-b']?.status).toBe('complete');
    // Same as folding the run's own lines.
    expect(folded.state).toEqual(foldEvents(readLog(logWith(tail), undefined, { final: true }).events));
    // The full fold knows the older runs' features; the last run's fold does not need them.
    expect(folded.state.features['feature-001-a']).toBeUndefined();
  });

  it('goes back over resumed starts to the fresh start they continue', () => {
    const tail = [
      runStart('run-x', ['feature-001-a', 'feature-002-b']),
      ended('feature-001-a', 'complete'),
      runStart('run-x', ['feature-001-a', 'feature-002-b'], true),
      hook('feature-002-b', 3),
      runStart('run-x', ['feature-001-a', 'feature-002-b'], true),
    ];
    const { path, tailBytes } = bigLogThen(tail);
    const chain = findLastRunChain(path)!;
    expect(chain.resume).toBe(false);
    expect(chain.offset).toBe(statSize(path) - tailBytes);
    const folded = foldLastRun(path);
    expect(folded.offset).toBe(chain.offset);
    // The resumed run keeps what its first start finished.
    expect(folded.state.features['feature-001-a']?.status).toBe('complete');
    expect(folded.bytesRead).toBeLessThanOrEqual(3 * 64 * 1024 + tailBytes);
  });

  it('folds a log without any run whole, and a missing log as empty', () => {
    const lines = [ended('feature-001-a', 'complete')];
    expect(foldLastRun(logWith(lines)).state.features['feature-001-a']?.status).toBe('complete');
    expect(foldLastRun(join(tmpdir(), 'no-such-baton-log.jsonl')).state.events).toBe(0);
  });
});

function statSize(path: string): number {
  return readFileSync(path).length;
}

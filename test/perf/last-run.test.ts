import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findLastRunStart } from '../../src/log/last-run.js';

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

const start = (id: string) => JSON.stringify({ type: 'run.started', run_id: id, ts: '2026-01-01T00:00:00Z' });
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

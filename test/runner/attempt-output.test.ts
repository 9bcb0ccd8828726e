import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AttemptOutputLimits, readAttemptOutput } from '../../src/runner/attempt-output.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function logWith(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-attempt-output-'));
  dirs.push(dir);
  const file = join(dir, 'agent.log');
  writeFileSync(file, text);
  return file;
}

const small: AttemptOutputLimits = { scanBytes: 4096, keepBytes: 256, lineBytes: 64, chunkBytes: 16 };
const result = '{"type":"result","total_cost_usd":1.5}';

describe('readAttemptOutput', () => {
  it('reads the attempt from its offset, whole lines, the last one even without a newline', () => {
    const file = logWith('earlier attempt\n');
    appendFileSync(file, `one\n${result}`);
    expect(readAttemptOutput(file, 'earlier attempt\n'.length, small)).toBe(`one\n${result}`);
  });

  it('leaves out a line longer than the limit, so it pushes no event out', () => {
    const file = logWith(`start\n${'x'.repeat(1000)}\n${result}\n`);
    expect(readAttemptOutput(file, 0, small)).toBe(`start\n${result}\n`);
  });

  it('keeps only the last whole lines within the limit, however much was printed', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
    const file = logWith(`${lines.join('\n')}\n${result}\n`);
    const out = readAttemptOutput(file, 0, small);
    expect(out.length).toBeLessThanOrEqual(small.keepBytes);
    expect(out.endsWith(`line 1999\n${result}\n`)).toBe(true);
    // Whole lines: the first kept line is not a torn one.
    expect(out.split('\n')[0]).toMatch(/^line \d+$/);
    expect(Number(out.split('\n')[0]?.slice(5))).toBeGreaterThan(1950);
  });

  it('reads only the end of a long log, from its first whole line', () => {
    const file = logWith(`${'y'.repeat(5000)}\n${'z'.repeat(40)}\n${result}\n`);
    const wide = { ...small, scanBytes: 60, keepBytes: 4096 };
    // The read starts inside the line of z's: torn, it is left out.
    expect(readAttemptOutput(file, 0, wide)).toBe(`${result}\n`);
  });

  it('reads a regular file only', () => {
    expect(readAttemptOutput(join(tmpdir(), 'no-such-baton-log'), 0, small)).toBe('');
  });
});

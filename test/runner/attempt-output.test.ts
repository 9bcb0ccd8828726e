import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
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

  it('does work by bytes, not by lines: empty lines cost no object each', () => {
    // 2 MB of empty lines (2 M lines) and a result: the reader once made a Buffer per kept line.
    const file = logWith(`${'\n'.repeat(2 * 1024 * 1024)}${result}\n`);
    const limits = {
      scanBytes: 4 * 1024 * 1024,
      keepBytes: 1024 * 1024,
      lineBytes: 1024,
      chunkBytes: 64 * 1024,
    };
    const made = [
      vi.spyOn(Buffer, 'from'),
      vi.spyOn(Buffer, 'alloc'),
      vi.spyOn(Buffer, 'allocUnsafe'),
      vi.spyOn(Buffer, 'concat'),
    ];
    try {
      const out = readAttemptOutput(file, 0, limits);
      expect(out.endsWith(`\n${result}\n`)).toBe(true);
      expect(out.length).toBeLessThanOrEqual(limits.keepBytes);
      const buffers = made.reduce((n, spy) => n + spy.mock.calls.length, 0);
      expect(buffers).toBeLessThan(40);
    } finally {
      for (const spy of made) spy.mockRestore();
    }
  });

  it('agrees with reading the whole log and filtering its lines, for any line lengths and limits', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const lines = Array.from(
        { length: random(60) },
        (_, i) => `${i}:${'a'.repeat(random(4) === 0 ? random(120) : random(8))}`,
      );
      const text = lines.join('\n') + (random(2) ? '\n' : '');
      const limits = {
        scanBytes: 1 + random(text.length + 20),
        keepBytes: 1 + random(300),
        lineBytes: 1 + random(80),
        chunkBytes: 1 + random(40),
      };
      const offset = random(3) === 0 ? random(text.length + 1) : 0;
      expect(readAttemptOutput(logWith(text), offset, limits), JSON.stringify({ text, limits, offset })).toBe(
        expectedOutput(text, offset, limits),
      );
    }
  });
});

/** The reader's contract written the slow, obvious way, to check the fast one against. */
function expectedOutput(text: string, offset: number, limits: AttemptOutputLimits): string {
  const from = Math.max(offset, text.length - limits.scanBytes);
  const lines = text.slice(from).split(/(?<=\n)/);
  if (from > offset) lines.shift();
  const kept = lines.filter((l) => l.replace(/\n$/, '').length <= limits.lineBytes).join('');
  if (kept.length <= limits.keepBytes) return kept;
  const tail = kept.slice(kept.length - limits.keepBytes);
  return tail.slice(tail.indexOf('\n') + 1);
}

import { describe, expect, test } from 'vitest';
import { createProgressRenderer } from '../../src/cli/progress.js';
import type { LogEvent } from '../../src/log/events.js';
import { palette } from '../../src/terminal/style.js';

/** The lines the run's printer writes (no terminal: one line per event) for `events`. */
async function printed(events: LogEvent[]): Promise<string[]> {
  const written: string[] = [];
  const progress = await createProgressRenderer(
    { write: (t) => written.push(t), isTTY: false },
    palette(false),
    ['feature-001'],
  );
  for (const e of events) progress.onEvent(e);
  progress.close();
  return written;
}

describe('what a worker forwards, as the run prints it', () => {
  test('a check message of a megabyte is cut, ending with an ellipsis and its length in bytes', async () => {
    const message = 'é'.repeat(512 * 1024);
    const [failed, hook] = await printed([
      {
        v: 1,
        ts: '2026-01-01T00:00:00Z',
        type: 'check.failed',
        feature_id: 'feature-001',
        criterion_id: 'c1',
        kind: 'run',
        message,
      } as LogEvent,
      {
        v: 1,
        ts: '2026-01-01T00:00:00Z',
        feature_id: 'feature-001',
        status: 'x'.repeat(100_000),
      } as LogEvent,
    ]);
    expect(failed).toMatch(/^feature-001: check c1 failed: é{2000}… \(1048576 bytes\)\n$/);
    expect(hook).toMatch(/^feature-001: hook → x{2000}… \(100000 bytes\)\n$/);
  });
});

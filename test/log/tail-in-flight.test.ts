import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { type LogProblem, streamLog } from '../../src/log/read.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A log of one whole line and the first half of a second, still being written. */
function halfWrittenLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-inflight-'));
  dirs.push(dir);
  const log = join(dir, 'log.jsonl');
  writeFileSync(log, '{"feature_id":"a","status":"running"}\n{"feature_id":"b","sta');
  return log;
}

/** A final read of `log`; `duringRead` runs when its first event is handed over, before the read ends. */
function finalRead(log: string, duringRead: () => void) {
  const events: LogEvent[] = [];
  const problems: LogProblem[] = [];
  const end = streamLog(
    log,
    { offset: 0, line: 0 },
    { final: true },
    {
      event: (e) => {
        if (events.push(e) === 1) duringRead();
      },
      problem: (p) => problems.push(p),
    },
  );
  return { events, problems, end };
}

describe('a final read and a line still being appended', () => {
  it('leaves out, unreported, an unterminated last line whose writer (another process) appends while it is read', () => {
    const log = halfWrittenLog();
    const { events, problems, end } = finalRead(log, () => {
      // A real second writer finishes the line while the read is held in its sink.
      const w = spawnSync(process.execPath, [
        '-e',
        'require("node:fs").appendFileSync(process.argv[1], \'tus":"complete"}\\n\')',
        log,
      ]);
      expect(w.status).toBe(0);
    });
    expect(problems).toEqual([]);
    expect(events).toHaveLength(1);
    // The next read starts at that line and takes it whole.
    expect(end).toEqual({ endOffset: '{"feature_id":"a","status":"running"}\n'.length, endLine: 1 });
    const next = streamLog(
      log,
      { offset: end.endOffset, line: end.endLine },
      { final: true },
      {
        event: (e) => events.push(e),
        problem: (p) => problems.push(p),
      },
    );
    expect(problems).toEqual([]);
    expect(events.at(-1)).toMatchObject({ feature_id: 'b', status: 'complete' });
    expect(next.endLine).toBe(2);
  });

  it('still reports an unterminated last line that nobody is appending to as torn', () => {
    const { events, problems } = finalRead(halfWrittenLog(), () => {});
    expect(events).toHaveLength(1);
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringMatching(/not valid JSON/) }),
    ]);
  });
});

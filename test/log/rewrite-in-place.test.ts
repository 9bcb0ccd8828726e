import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyEvent, initialState } from '../../src/log/fold.js';
import { foldLogCached } from '../../src/log/fold-cache.js';
import { hashAhead, PrefixHash } from '../../src/log/prefix-stamp.js';
import { LogTailer } from '../../src/log/tail.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const FILLER = '{"feature_id":"filler","status":"running"}\n';

/** The reviewer's log: feat-a complete between 10 and 150 filler lines (well past the stamp's first and last bytes). */
function reviewersLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-rewrite-'));
  dirs.push(dir);
  const log = join(dir, 'log.jsonl');
  writeFileSync(
    log,
    `${FILLER.repeat(10)}{"feature_id":"feat-a","status":"complete"}\n${FILLER.repeat(150)}`,
  );
  return log;
}

/** "complete" → "failed  " inside the already-read line: the same number of bytes, the same inode. */
function editInPlace(log: string): void {
  const at = readFileSync(log).indexOf('"status":"complete"');
  const fd = openSync(log, 'r+');
  writeSync(fd, '"status":"failed"  ', at);
  closeSync(fd);
}

/** Folded once (snapshot written), edited in place, appended to: the next fold starts over and sees the edit. */
function expectEditNoticed(log: string): void {
  expect(foldLogCached(log, 'show').state.features['feat-a']?.status).toBe('complete');
  editInPlace(log);
  appendFileSync(log, FILLER);
  const again = foldLogCached(log, 'show');
  expect(again.fromOffset).toBe(0);
  expect(again.state.features['feat-a']?.status).toBe('failed');
}

describe('a log edited in place behind what was read', () => {
  it('the status snapshot notices it once something is appended after it', () => {
    expectEditNoticed(reviewersLog());
  });

  it('a large log hashed on another thread at its first read: the same hash, and the edit still noticed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-rewrite-large-'));
    dirs.push(dir);
    const log = join(dir, 'log.jsonl');
    // Past the size from which the first read hashes on another thread (8 MiB).
    writeFileSync(log, `{"feature_id":"feat-a","status":"complete"}\n${FILLER.repeat(220_000)}`);
    const size = statSync(log).size;
    expect(size).toBeGreaterThan(8 * 1024 * 1024);
    expect(hashAhead(log, size).take(size)).toBe(new PrefixHash(log).upTo(size));
    expect(hashAhead(log, size).take(size - 1)).toBeUndefined();
    expectEditNoticed(log);
  });

  it('the tailer (status --watch, the dashboard), woken at every write, reads it again after an edit in place', () => {
    const log = reviewersLog();
    const tailer = new LogTailer(log);
    let state = initialState();
    const sink = {
      reset: () => (state = initialState()),
      event: (e: never) => applyEvent(state, e),
      problem: () => {},
    };
    tailer.read(sink);
    expect(state.features['feat-a']?.status).toBe('complete');
    // The edit wakes the tailer before anything is appended: same size, new mtime.
    editInPlace(log);
    utimesSync(log, new Date(), new Date(Date.now() + 2000));
    expect(tailer.read(sink).reset).toBe(true);
    expect(state.features['feat-a']?.status).toBe('failed');
    // An append then is read alone, with no whole-log hash (the tailer's hash goes forward).
    appendFileSync(log, FILLER);
    expect(tailer.read(sink).reset).toBe(false);
    // Back to "complete", same size, nothing appended: only the mtime moved.
    const text = readFileSync(log, 'utf8').replace('"status":"failed"  ', '"status":"complete"');
    writeFileSync(log, text);
    utimesSync(log, new Date(), new Date(Date.now() + 5000));
    expect(tailer.hasNews()).toBe(true);
    expect(tailer.read(sink).reset).toBe(true);
    expect(state.features['feat-a']?.status).toBe('complete');
  });

  it('a plain append is read alone, from the snapshot and by the tailer', () => {
    const log = reviewersLog();
    const first = foldLogCached(log, 'show');
    const tailer = new LogTailer(log);
    tailer.read({ event: () => {}, problem: () => {} });
    const offset = tailer.offset;
    appendFileSync(log, '{"feature_id":"feat-b","status":"running"}\n');
    const again = foldLogCached(log, 'show');
    expect(again.fromOffset).toBe(offset);
    expect(again.state.features['feat-b']?.status).toBe('running');
    expect(first.fromOffset).toBe(0);
    const read: unknown[] = [];
    const r = tailer.read({ event: (e) => read.push(e), problem: () => {} });
    expect(r.reset).toBe(false);
    expect(read).toEqual([{ feature_id: 'feat-b', status: 'running' }]);
  });
});

/**
 * A snapshot of the log's fold with the byte offset it covers, kept in `.baton/cache/`, so a
 * `status` after the first reads only what was appended since. The snapshot names the log's inode,
 * size and first bytes: a replaced or truncated log does not match and is read again from its start.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { applyEvent, type BatonState, initialState } from './fold.js';
import { type LogProblem, streamLog } from './read.js';

/** What the cache file holds. */
export interface FoldSnapshot {
  version: 1;
  ino: number;
  /** Byte offset just after the last complete line folded. */
  offset: number;
  line: number;
  /** The log's first bytes (base64, up to 256): a log rewritten in place differs here. */
  head: string;
  state: BatonState;
  problems: LogProblem[];
}

const HEAD_BYTES = 256;

/** Path of the fold snapshot for the log at `logPath` (in `.baton/cache/`). */
export function foldCachePath(logPath: string): string {
  return join(dirname(logPath), 'cache', 'status-fold.json');
}

function headOf(logPath: string, upTo: number): string {
  const fd = openSync(logPath, 'r');
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, upTo));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('base64');
  } finally {
    closeSync(fd);
  }
}

/** The snapshot when it still describes a prefix of this log; undefined otherwise (never throws). */
export function loadFoldSnapshot(
  logPath: string,
  cachePath = foldCachePath(logPath),
): FoldSnapshot | undefined {
  try {
    const snap = JSON.parse(readFileSync(cachePath, 'utf8')) as FoldSnapshot;
    const s = statSync(logPath);
    if (snap.version !== 1 || snap.ino !== s.ino || s.size < snap.offset) return undefined;
    if (headOf(logPath, snap.offset) !== snap.head) return undefined;
    return snap;
  } catch {
    return undefined;
  }
}

/**
 * Folds the log, starting from the snapshot when it matches, and writes a new snapshot at the last
 * complete line; an unterminated last line is folded into the result but not into the snapshot
 * (its writer may still be finishing it). Problems of the whole log are returned, cached ones first.
 */
export function foldLogCached(
  logPath: string,
  cachePath = foldCachePath(logPath),
): { state: BatonState; problems: LogProblem[]; fromOffset: number } {
  let s: { ino: number };
  try {
    s = statSync(logPath);
  } catch {
    return { state: initialState(), problems: [], fromOffset: 0 };
  }
  const snap = loadFoldSnapshot(logPath, cachePath);
  const state = snap ? snap.state : initialState();
  const problems: LogProblem[] = snap ? [...snap.problems] : [];
  const from = snap ? { offset: snap.offset, line: snap.line } : { offset: 0, line: 0 };
  const sink = {
    event: (e: Parameters<typeof applyEvent>[1]) => applyEvent(state, e),
    problem: (p: LogProblem) => problems.push(p),
  };
  const end = streamLog(logPath, from, {}, sink);
  const next: FoldSnapshot = {
    version: 1,
    ino: s.ino,
    offset: end.endOffset,
    line: end.endLine,
    head: headOf(logPath, end.endOffset),
    state,
    problems,
  };
  try {
    mkdirSync(dirname(cachePath), { recursive: true });
    const tmp = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(next));
    renameSync(tmp, cachePath);
  } catch {
    // A cache that cannot be written only costs the next status a full read.
  }
  // The copy written above is the snapshot; the caller's state may take the unterminated last line too.
  const result = JSON.parse(JSON.stringify(state)) as BatonState;
  const resultProblems = [...problems];
  streamLog(
    logPath,
    { offset: end.endOffset, line: end.endLine },
    { final: true },
    { event: (e) => applyEvent(result, e), problem: (p) => resultProblems.push(p) },
  );
  return { state: result, problems: resultProblems, fromOffset: from.offset };
}

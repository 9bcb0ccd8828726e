/**
 * The status fold snapshot on disk (`.baton/cache/status-fold.json`): its shape, where it lives, and
 * whether it still describes this log. No log parsing here (no zod), so a `status` whose snapshot is
 * fresh loads nothing more; `fold-cache.ts` reads the appended bytes and writes the snapshot.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LogProblem } from './read.js';
import type { BatonState } from './state.js';

/**
 * The snapshot's format and fold rules: a snapshot written under other rules (2: a worktree check
 * after the run re-decides `complete`/`failed-checks`) is folded again from the start.
 */
export const FOLD_SNAPSHOT_VERSION = 3;

/** What the cache file holds. */
export interface FoldSnapshot {
  version: typeof FOLD_SNAPSHOT_VERSION;
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

/** The log's first bytes, up to `upTo`, in base64 (what a snapshot's `head` holds). */
export function headOf(logPath: string, upTo: number): string {
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
): (FoldSnapshot & { logSize: number }) | undefined {
  try {
    const snap = JSON.parse(readFileSync(cachePath, 'utf8')) as FoldSnapshot;
    const s = statSync(logPath);
    if (snap.version !== FOLD_SNAPSHOT_VERSION || snap.ino !== s.ino || s.size < snap.offset)
      return undefined;
    if (headOf(logPath, snap.offset) !== snap.head) return undefined;
    return { ...snap, logSize: s.size };
  } catch {
    return undefined;
  }
}

/** The snapshot when it covers the whole log (nothing appended since): no byte needs parsing. */
export function freshFoldSnapshot(logPath: string): FoldSnapshot | undefined {
  const snap = loadFoldSnapshot(logPath);
  return snap !== undefined && snap.logSize === snap.offset ? snap : undefined;
}

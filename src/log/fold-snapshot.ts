/**
 * The status fold snapshot on disk (`.baton/cache/status-fold.json`): its shape, where it lives, and
 * whether it still describes this log. No log parsing here (no zod), so a `status` whose snapshot is
 * fresh loads nothing more; `fold-cache.ts` reads the appended bytes and writes the snapshot.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { prefixStamp } from './prefix-stamp.js';
import type { LogProblem } from './read.js';
import type { BatonState } from './state.js';

/**
 * The snapshot's format and fold rules: a snapshot written under other rules (2: a worktree check
 * after the run re-decides `complete`/`failed-checks`; 3: `stamp`, `size` and `mtimeMs` in place of
 * the first bytes alone; 4: a hook's "complete" over failed checks stays `failed-checks`; 5: a
 * hook's end status waits for the runner's `feature.ended`, kept in `runner`) is folded again from
 * the start.
 */
export const FOLD_SNAPSHOT_VERSION = 5;

/** What the cache file holds. */
export interface FoldSnapshot {
  version: typeof FOLD_SNAPSHOT_VERSION;
  ino: number;
  /** Byte offset just after the last complete line folded. */
  offset: number;
  line: number;
  /** `prefixStamp` of the bytes before `offset`: a log rewritten in place or restored differs here. */
  stamp: string;
  /** The log's size and mtime when the snapshot was taken: same size with another mtime is a rewrite. */
  size: number;
  mtimeMs: number;
  state: BatonState;
  problems: LogProblem[];
}

/** Path of the fold snapshot for the log at `logPath` (in `.baton/cache/`). */
export function foldCachePath(logPath: string): string {
  return join(dirname(logPath), 'cache', 'status-fold.json');
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
    // Nothing appended since, yet written to: the log was rewritten in place.
    if (s.size === snap.size && s.mtimeMs !== snap.mtimeMs) return undefined;
    if (prefixStamp(logPath, snap.offset) !== snap.stamp) return undefined;
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

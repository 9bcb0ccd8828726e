/**
 * A snapshot of the log's fold with the byte offset it covers, kept in `.baton/cache/`, so a
 * `status` after the first reads only what was appended since. The snapshot names the log's inode
 * and a `PrefixMark` of the bytes it folded (`prefix-stamp.ts`): a replaced, truncated or rewritten
 * log, an edit in place of an already-folded line included, does not match and is read again from its start.
 */
import { statSync } from 'node:fs';
import { type CacheUse, writeFileAtomic } from '../cache-file.js';
import { applyEvent, type BatonState, initialState } from './fold.js';
import {
  FOLD_SNAPSHOT_VERSION,
  type FoldSnapshot,
  foldCachePath,
  loadFoldSnapshot,
} from './fold-snapshot.js';
import { hashAhead, markPrefix, PrefixHash } from './prefix-stamp.js';
import { emptyTally, type ProblemTally, tallyProblem } from './problem-tally.js';
import { type LogProblem, streamLog } from './read.js';

/** `hashAhead`, or nothing when no thread can be started (the mark then hashes on this one). */
function hashAheadOrNot(logPath: string, size: number): ReturnType<typeof hashAhead> | undefined {
  try {
    return hashAhead(logPath, size);
  } catch {
    return undefined;
  }
}

/** From this size a first read hashes the log on another thread (a thread costs more than hashing less). */
const HASH_AHEAD_FROM = 8 * 1024 * 1024;

export { type FoldSnapshot, foldCachePath, freshFoldSnapshot, loadFoldSnapshot } from './fold-snapshot.js';

/**
 * Who takes the fold: a command that only shows it (`status`) may start from the snapshot; one that
 * decides on it (`run`, `verify`, `integrate`, `phase`…) folds the log from its start. Any agent can
 * write the snapshot, and its mark only proves the log's bytes, not the state beside them (the rule
 * `loadProject`'s `ContractsUse` keeps for the contracts' cache).
 */
export type SnapshotUse = CacheUse;

/**
 * Folds the log, starting from the snapshot when it matches and `use` is `show`, and writes a new
 * snapshot at the last complete line; an unterminated last line is folded into the result but not into the snapshot
 * (its writer may still be finishing it). The whole log's problem lines are counted, the first
 * `PROBLEMS_KEPT` kept (the snapshot keeps no more).
 */
export function foldLogCached(
  logPath: string,
  use: SnapshotUse,
  cachePath = foldCachePath(logPath),
  /** The snapshot as the caller already loaded it (`loadFoldSnapshot`), so it is not read twice. */
  loaded?: { snap: ReturnType<typeof loadFoldSnapshot> },
): ProblemTally & { state: BatonState; fromOffset: number } {
  let s: { ino: number; size: number; mtimeMs: number };
  try {
    s = statSync(logPath);
  } catch {
    return { state: initialState(), ...emptyTally(), fromOffset: 0 };
  }
  const held = loaded ? loaded.snap : loadFoldSnapshot(logPath, cachePath);
  // A deciding fold takes only the snapshot's mark, checked against the log's bytes, for the next one.
  const snap = use === 'show' ? held : undefined;
  const state = snap ? snap.state : initialState();
  const tally = snap ? copyTally(snap) : emptyTally();
  const from = snap ? { offset: snap.offset, line: snap.line } : { offset: 0, line: 0 };
  const sink = {
    event: (e: Parameters<typeof applyEvent>[1]) => applyEvent(state, e),
    problem: (p: LogProblem) => tallyProblem(tally, p),
  };
  // A first read of a large log hashes it (for the next read's check) on another thread meanwhile.
  const ahead = !held && s.size >= HASH_AHEAD_FROM ? hashAheadOrNot(logPath, s.size) : undefined;
  const end = streamLog(logPath, from, {}, sink);
  const known = ahead?.take(end.endOffset);
  const next: FoldSnapshot = {
    version: FOLD_SNAPSHOT_VERSION,
    ino: s.ino,
    ...markPrefix(logPath, end.endOffset, s, held?.prefix ?? new PrefixHash(logPath), held, known),
    line: end.endLine,
    state,
    ...tally,
  };
  try {
    writeFileAtomic(cachePath, JSON.stringify(next));
  } catch {
    // A cache that cannot be written only costs the next status a full read.
  }
  // The copy written above is the snapshot; the caller's state may take the unterminated last line too.
  const result = JSON.parse(JSON.stringify(state)) as BatonState;
  const resultTally = copyTally(tally);
  streamLog(
    logPath,
    { offset: end.endOffset, line: end.endLine },
    { final: true },
    { event: (e) => applyEvent(result, e), problem: (p) => tallyProblem(resultTally, p) },
  );
  return { state: result, ...resultTally, fromOffset: from.offset };
}

function copyTally(t: ProblemTally): ProblemTally {
  return { problems: [...t.problems], problem_count: t.problem_count };
}

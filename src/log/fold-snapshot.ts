/**
 * The status fold snapshot on disk (`.baton/cache/status-fold.json`): its shape, where it lives, and
 * whether it still describes this log. No log parsing here (no zod), so a `status` whose snapshot is
 * fresh loads nothing more; `fold-cache.ts` reads the appended bytes and writes the snapshot.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readRegular } from '../open-regular.js';
import { PrefixHash, type PrefixMark, prefixHolds } from './prefix-stamp.js';
import type { ProblemTally } from './problem-tally.js';
import { isFoldSnapshot } from './snapshot-shape.js';
import type { BatonState } from './state.js';

/**
 * The snapshot's format and fold rules: a snapshot written under other rules (2: a worktree check
 * after the run re-decides `complete`/`failed-checks`; 3: `stamp`, `size` and `mtimeMs` in place of
 * the first bytes alone; 4: a hook's "complete" over failed checks stays `failed-checks`; 5: a
 * hook's end status waits for the runner's `feature.ended`, kept in `runner`; 6: `hash` of the whole
 * prefix, checked whenever the log was written since; 7: an open run keeps the queue it was started
 * on; 8: a finished agent is only re-checked; 9: a plain line's status not taken shows as ignored; 10: a
 * plain rerun of a best-of-N feature clears its winner, `attempts_superseded`; 11: a line nested deeper
 * than `MAX_NESTING` is a problem line, and usage, queue and measurements keep their declared fields
 * only; 12: the first `PROBLEMS_KEPT` problem lines with `problem_count`, not every one; 13: a run's first `run.ended` stands; 14: a hook's dropped payload is its last event's detail; 15: a conflict's
 * merge keeps `base_lacks_cut`; 16: a check a worker reported keeps `by`, and a queued feature the
 * worker's id; 17: the integration keeps its `test`, `asked_into` and whether it is `open`; 18: a merge keeps who
 * `resolved` its conflict; 19: an attempt keeps what its own checks said of its commit, `checked`; 20: a
 * best-of-N feature keeps its run's `planned_select`; 21: a request for input written before
 * `feature.started` stands, a retry or another queue attempt ends it; 22: a fresh run starts its
 * features' best-of-N attempt units over too; 23: an integration's test keeps what it `left`; 24: a
 * best-of-N attempt keeps its `run_id`; 25: an end inferred at read time is marked, so the run's own
 * replaces it; 26: a request for input stays the last event through its window's re-adoption; 27: a run's start
 * clears an end inferred for the run before; 28: a fresh run clears its features' commit, files, agent
 * log, worktree and usage, and an `attempt.ended` marked `inferred` sets status and reason only; 29:
 * the integration keeps its `test_timeout_s`; 30: and its `on_conflict`, `include`, `named` and
 * `base_ref`; 31: a best-of-N feature's agent time is its winner's, none before one is chosen; 32: a
 * line with a negative cost, a count past 2^53 − 1 or a concurrency that is no whole number ≥ 1 is a
 * problem line; 33: but a concurrency of 0 is read, as none known; 34: a worktree check result keeps its `commit`
 * and `digest`, one on another commit is dropped, a real `feature.ended` sets the reason, and agent time
 * and usage add up over a run's launches; 35: an attempt number or count that is no whole number from 1
 * to `MAX_ATTEMPTS` is a problem line; 36: an earlier run's `run.ended` landing after the next run
 * started closes that run only; 37: a run's concurrency is marked when it was chosen, not its unit count;
 * 38: an earlier run's line about a feature a later run started over is not the feature's, by
 * `run_starts` and `started_over_at`) is folded again from the start.
 */
export const FOLD_SNAPSHOT_VERSION = 38;

/**
 * What the cache file holds: the fold of the log's first `offset` bytes, with the `PrefixMark` that
 * tells whether those bytes are still the log's (`prefix-stamp.ts`, the rule the tailer uses too).
 */
export interface FoldSnapshot extends PrefixMark, ProblemTally {
  version: typeof FOLD_SNAPSHOT_VERSION;
  ino: number;
  line: number;
  state: BatonState;
}

/** Path of the fold snapshot for the log at `logPath` (in `.baton/cache/`). */
export function foldCachePath(logPath: string): string {
  return join(dirname(logPath), 'cache', 'status-fold.json');
}

/**
 * The snapshot when it still describes a prefix of this log; undefined otherwise (never throws). Agents
 * can write the file: it is read as a regular file only (no FIFO waited on, no symlink followed) and
 * used only when it has a snapshot's shape, its ids of the log's id rule (`isFoldSnapshot`); any other
 * is ignored and the log folded again. With
 * it, the log's size and the `PrefixHash` it was checked with, which the next snapshot's mark extends.
 */
export function loadFoldSnapshot(
  logPath: string,
  cachePath = foldCachePath(logPath),
): (FoldSnapshot & { logSize: number; prefix: PrefixHash }) | undefined {
  try {
    const bytes = readRegular(cachePath);
    if (bytes === undefined) return undefined;
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (!isFoldSnapshot(parsed, FOLD_SNAPSHOT_VERSION)) return undefined;
    const snap = parsed as FoldSnapshot;
    const s = statSync(logPath);
    if (snap.ino !== s.ino || !s.isFile()) return undefined;
    const prefix = new PrefixHash(logPath);
    if (!prefixHolds(logPath, snap, s, prefix)) return undefined;
    return { ...snap, logSize: s.size, prefix };
  } catch {
    return undefined;
  }
}

/** The snapshot when it covers the whole log (nothing appended since): no byte needs parsing. */
export function freshFoldSnapshot(logPath: string): FoldSnapshot | undefined {
  const snap = loadFoldSnapshot(logPath);
  return snap !== undefined && snap.logSize === snap.offset ? snap : undefined;
}

/**
 * The state of chosen features folded from the log's end: the log is read backwards to where each
 * of them last started over (`featuresStartedOver`) and to the last `run.started`, then folded
 * forward from the earliest of those. Its cost is those features' latest runs, not the history:
 * `integrate` takes each feature's status this way, never from the status snapshot (which any agent
 * can write: `SnapshotUse` in fold-cache.ts).
 */
import { statSync } from 'node:fs';
import { eventOfLine, linesBackward } from './backward.js';
import { applyEvent, type BatonState, initialState } from './fold.js';
import { featuresStartedOver } from './fold-run-start.js';
import { streamLog } from './read.js';

/** A fold of the log's tail that is exact for the features it was asked for. */
export interface TailFold {
  /**
   * The fold from `offset` on: `run_id` is the last run's, and each asked feature's status, checks,
   * reason and exit code are what the whole fold gives. Other features and totals are partial.
   */
  state: BatonState;
  /** Where the folded bytes begin. */
  offset: number;
  /** Bytes read in all: the backward search and the forward fold. */
  bytesRead: number;
}

/**
 * Where the fold for `ids` must begin: the earliest of each feature's last start-over and the last
 * `run.started`, found by reading backwards; 0 when one of them is not in the log (its state may
 * come from any line), undefined when the search would read more than `maxBytes`.
 */
function tailStart(
  logPath: string,
  ids: readonly string[],
  maxBytes: number,
  read: { bytes: number },
): number | undefined {
  const waiting = new Set(ids);
  let runSeen = false;
  let earliest = Number.POSITIVE_INFINITY;
  for (const { line, offset } of linesBackward(logPath, read)) {
    if (read.bytes > maxBytes) return undefined;
    // Only `run.started` starts features over; no other line is parsed.
    const ev = eventOfLine(line, 'run.started');
    if (ev === undefined) continue;
    const over = featuresStartedOver(ev).filter((id) => waiting.delete(id));
    if (ev.type === 'run.started' && !runSeen) runSeen = true;
    else if (over.length === 0) continue;
    earliest = offset;
    if (runSeen && waiting.size === 0) return earliest;
  }
  return 0;
}

/**
 * Folds the log's tail so that `ids` get the state the whole fold gives them (see `TailFold`), or
 * undefined when finding the tail would read more than `maxBytes` (the caller folds another way).
 */
export function foldFeaturesFromEnd(
  logPath: string,
  ids: readonly string[],
  maxBytes = Number.POSITIVE_INFINITY,
): TailFold | undefined {
  const read = { bytes: 0 };
  const offset = tailStart(logPath, ids, maxBytes, read);
  if (offset === undefined) return undefined;
  const state = initialState();
  const end = streamLog(
    logPath,
    { offset, line: 0 },
    { final: true },
    { event: (e) => applyEvent(state, e), problem: () => {} },
  );
  let size = end.endOffset;
  try {
    size = statSync(logPath).size;
  } catch {
    // a missing log reads as empty
  }
  return { state, offset, bytesRead: read.bytes + Math.max(0, size - offset) };
}

/**
 * The state `ids` have in the whole fold, read from the log's end (exact for `ids` and the last
 * run's id only, see `TailFold`). For the commands that decide on it: the status snapshot is not
 * read, as an agent could have rewritten its state under a mark that still holds.
 */
export function foldForFeatures(logPath: string, ids: readonly string[]): BatonState {
  // No byte budget: the search gives up only at the log's start, so there is always a fold.
  return (foldFeaturesFromEnd(logPath, ids) as TailFold).state;
}

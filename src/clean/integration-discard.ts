/**
 * What `baton clean` records when it removes `baton/integration`: the attempt on it, which no branch
 * took, is discarded as `baton integrate --fresh` discards one (`integration.discarded`, the one
 * builder `discardedEvent`), so the report and the dashboard no longer count its merges, conflicts,
 * tests and time as delivered work.
 */
import { discardedEvent } from '../integrate/discarded.js';
import type { LogEvent, NewEvent } from '../log/events.js';
import { applyEvent, type BatonState, initialState } from '../log/fold.js';
import { logPathFor } from '../log/paths.js';
import { streamLog } from '../log/read.js';
import type { CleanResult } from './clean.js';

/** The log's last integration attempt, as far as clean needs it. */
export interface LastAttempt {
  /** `ts` of its `integration.started`. */
  startedAt: string;
  /** The commit it began merging onto (`base_commit`; a log of an older Baton may lack it). */
  baseCommit?: string;
  /** It moved a branch (an `integration.ended` with `into`): delivered work. */
  moved: boolean;
  /** An `integration.discarded` already names it. */
  discarded: boolean;
}

/** The last attempt once `e` is seen (pure but for updating `last` in place). */
function followAttempt(last: LastAttempt | undefined, e: LogEvent): LastAttempt | undefined {
  if (e.type === 'integration.started') {
    const base = e.base_commit === undefined ? {} : { baseCommit: e.base_commit };
    return { startedAt: e.ts, ...base, moved: false, discarded: false };
  }
  if (last === undefined) return undefined;
  if (e.type === 'integration.ended' && e.into !== undefined) last.moved = true;
  // The report's rule (`discardedMarks`): the attempt it names, else the last begun.
  if (e.type === 'integration.discarded' && (e.started_at ?? last.startedAt) === last.startedAt) {
    last.discarded = true;
  }
  return last;
}

/** The state folded from the whole log (problem lines skipped), and its last integration attempt. */
export function foldCleanLog(root: string): { state: BatonState; last: LastAttempt | undefined } {
  const state = initialState();
  let last: LastAttempt | undefined;
  streamLog(
    logPathFor(root),
    { offset: 0, line: 0 },
    { final: true },
    {
      event: (e) => {
        applyEvent(state, e);
        last = followAttempt(last, e);
      },
      problem: () => {},
    },
  );
  return { state, last };
}

/**
 * The `integration.discarded` clean records (pure), or undefined: only when it deleted the integration
 * branch (not refused, not failed, not `--dry-run`: no results) while the log's last attempt was on
 * it, not discarded already, and delivered nowhere. Delivered is an attempt that moved its `--into`
 * branch, or whose result a base holds though it differs from the commit it began on (merged by hand).
 */
export function cleanDiscard(
  results: readonly CleanResult[] | undefined,
  last: LastAttempt | undefined,
): Extract<NewEvent, { type: 'integration.discarded' }> | undefined {
  const removed = results?.find((r) => r.target.kind === 'integration' && r.deletedBranch);
  const tip = removed?.target.tip;
  if (removed === undefined || tip === undefined || last === undefined) return undefined;
  if (last.moved || last.discarded) return undefined;
  if (removed.target.unmerged === 0 && tip !== last.baseCommit) return undefined;
  return discardedEvent({
    branch: removed.target.branch,
    startedAt: last.startedAt,
    commit: tip,
    ...(removed.keptAs ? { backup: removed.keptAs } : {}),
  });
}

/** Words for the attempt clean discarded, for its output. */
export function describeCleanDiscard(e: { started_at?: string | undefined }): string {
  return `The integration attempt begun ${e.started_at ?? 'last'} is recorded as discarded: \`baton report\` and the dashboard no longer count its merges, conflicts, tests or time.\n`;
}

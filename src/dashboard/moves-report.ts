/** Which log lines move the dashboard's headline numbers: the report is computed again only for those. */
import type { BatonEventType, LogEvent } from '../log/events.js';
import type { LogDelta } from './live-log.js';

/**
 * Whether a line of each type carries something the report reads from the line itself (times, merges,
 * check results, a discarded integration). A line of any type whose fold changed a feature's status
 * moves the report as well (`deltaMovesReport`), so a new rule of the fold cannot leave the headline behind.
 */
const MOVES_REPORT = {
  'run.started': true,
  'run.ended': true,
  'phase.started': true,
  'phase.ended': true,
  'worktree.created': false,
  'setup.started': false,
  'setup.ended': false,
  'feature.started': true,
  'agent.exited': true,
  'agent.retrying': false,
  // Only a hook line carrying a status moves the numbers (see movesReport).
  hook: false,
  'feature.ended': true,
  'feature.escaped': false,
  'user.intervention': false,
  // A `baton verify` after the run passes or fails a feature again, and after-integration results
  // count in the integration's verdict.
  'check.passed': true,
  'check.failed': true,
  'check.unverifiable': true,
  'integration.started': true,
  'merge.clean': true,
  'merge.conflict': true,
  'merge.skipped': true,
  'integration.tested': true,
  'integration.ended': true,
  // `baton clean --force integration`: the report no longer counts that attempt's merges, tests or time.
  'integration.discarded': true,
  'collision.detected': false,
  'collision.resolved': false,
  'queue.job': false,
  // The report's attempts table and the winners' figures move with these.
  'attempt.started': true,
  'attempt.ended': true,
  'attempt.selected': true,
  'attempt.picked': true,
} as const satisfies Record<BatonEventType, boolean>;

/** Whether a log line can move the report's headline numbers by what it carries (`MOVES_REPORT`). */
export function movesReport(e: LogEvent): boolean {
  // A plain hook line (no type) reports a feature's status, which the report counts.
  if (e.type === undefined) return true;
  if (e.type === 'hook') return e.status !== undefined;
  return MOVES_REPORT[e.type];
}

/**
 * Whether what one read of the log folded in can move the report's headline numbers, so the dashboard
 * computes the report again: a log folded again, a feature's status changed (the fold decides which lines
 * do that), or a line the report reads itself.
 */
export function deltaMovesReport(delta: Pick<LogDelta, 'reset' | 'statusChanged' | 'events'>): boolean {
  return delta.reset || delta.statusChanged || delta.events.some((e) => movesReport(e.event));
}

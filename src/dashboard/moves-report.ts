/** Which log lines move the dashboard's headline numbers: the report is computed again only for those. */
import type { BatonEventType, LogEvent } from '../log/events.js';

/** Whether each event type can move the report's headline numbers (speedup, conflicts, integration ratio). */
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
  'check.passed': false,
  'check.failed': false,
  'check.unverifiable': false,
  'integration.started': true,
  'merge.clean': true,
  'merge.conflict': true,
  'merge.skipped': true,
  'integration.tested': true,
  'integration.ended': true,
  'integration.discarded': false,
  'collision.detected': false,
  'collision.resolved': false,
  'queue.job': false,
  // The report's attempts table and the winners' figures move with these.
  'attempt.started': true,
  'attempt.ended': true,
  'attempt.selected': true,
  'attempt.picked': true,
} as const satisfies Record<BatonEventType, boolean>;

/** Whether a log line can move the report's headline numbers, so the dashboard computes the report again. */
export function movesReport(e: LogEvent): boolean {
  // A plain hook line (no type) reports a feature's status, which the report counts.
  if (e.type === undefined) return true;
  if (e.type === 'hook') return e.status !== undefined;
  return MOVES_REPORT[e.type];
}

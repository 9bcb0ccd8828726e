/**
 * The words of the events the terminal and the dashboard both show, in one place: `baton run`'s progress
 * and `baton integrate` print them (after the feature's id, in colour), and the dashboard server sends
 * them with each such event of its feed (the page loads no server module), so the two never drift.
 */
import type { BatonEvent, BatonEventType, LogEvent } from '../log/events.js';
import { formatDuration, type Palette } from './style.js';

/** Whether each event type is worded here (typed: a new type must be placed). */
const WORDED = {
  'run.started': false,
  'run.ended': false,
  'phase.started': false,
  'phase.ended': false,
  'worktree.created': false,
  'setup.started': true,
  'setup.ended': true,
  'feature.started': false,
  'agent.exited': false,
  'agent.retrying': false,
  hook: false,
  'feature.ended': false,
  'feature.escaped': false,
  'user.intervention': true,
  'check.passed': false,
  'check.failed': false,
  'check.unverifiable': false,
  'integration.started': false,
  'merge.clean': false,
  'merge.conflict': false,
  'merge.skipped': false,
  'integration.tested': false,
  'integration.ended': false,
  'integration.discarded': true,
  'collision.detected': true,
  'collision.resolved': true,
  'queue.job': true,
  'attempt.started': false,
  'attempt.ended': false,
  'attempt.selected': false,
  'attempt.picked': false,
} as const satisfies Record<BatonEventType, boolean>;

/** The event types worded here. */
export type WordedEventType = {
  [K in BatonEventType]: (typeof WORDED)[K] extends true ? K : never;
}[BatonEventType];

/** An event worded here. */
export type WordedEvent = Extract<BatonEvent, { type: WordedEventType }>;

/** Whether an event is one worded here. */
export function isWordedEvent(e: LogEvent): e is WordedEvent {
  return e.type !== undefined && WORDED[e.type];
}

/**
 * What the event says, without whom it is about (the feature's id, or a collision's pair, which each
 * output puts first its own way): `setup running: npm ci (limit 5m 00s)`, `you sent "yes"`,
 * `collision (overlap) on src/db.ts; b touched it last`. Strings go in as the event holds them: the
 * terminal escapes the event's fields first, the page escapes what it shows.
 */
export function describeWordedEvent(e: WordedEvent, p: Palette): string {
  switch (e.type) {
    case 'setup.started':
      return `setup running: ${e.command}${e.timeout_ms !== undefined ? ` (limit ${formatDuration(e.timeout_ms)})` : ''}`;
    case 'setup.ended':
      return `setup ${e.reason ? `ended after ${formatDuration(e.duration_ms)}: ${e.reason}` : `exited ${e.exit_code} after ${formatDuration(e.duration_ms)}`}${e.files.length ? `; ${e.files.length} file(s) it changed that git does not ignore, committed with the agent's work: ${e.files.join(', ')}` : ''}`;
    case 'user.intervention':
      return `you ${e.action === 'send' ? `sent "${e.text ?? ''}"` : e.action === 'stop' ? 'stopped the agent (baton stop)' : 'attached'}`;
    case 'integration.discarded':
      return `Discarded the previous integration attempt${e.started_at ? ` (started ${e.started_at})` : ''}${e.backup ? `; its result is kept as ${e.backup}` : ''}: its merges and time no longer count`;
    case 'collision.detected':
      return `${p.yellow(`collision (${e.kind})`)} on ${e.paths.join(', ')}; ${e.second} touched it last`;
    case 'collision.resolved':
      return 'collision resolved';
    case 'queue.job':
      return `queue job ${e.job_id} ${e.state}${e.host ? ` on ${e.host}` : ''}${e.attempt !== undefined ? ` (attempt ${e.attempt})` : ''}${e.lost ? ': no longer on the queue (Redis lost it)' : ''}${e.reason ? `: ${e.reason}` : ''}`;
  }
}

/** Whom a worded event is about, as the terminal puts it first: `feature-001-a` or `a & b`. */
export function wordedSubject(e: WordedEvent): string | undefined {
  if (e.type === 'collision.detected' || e.type === 'collision.resolved') return e.features.join(' & ');
  return 'feature_id' in e ? e.feature_id : undefined;
}

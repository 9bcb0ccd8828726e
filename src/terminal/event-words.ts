/**
 * The words of the events the terminal and the dashboard both show, in one place: `baton run`'s progress
 * and `baton integrate` print them (after the feature's id, in colour), and the dashboard server sends
 * them with each such event of its feed (the page loads no server module), so the two never drift.
 */
import type { BatonEvent } from '../log/events.js';
import { formatDuration, type Palette } from './style.js';

/** The event types worded here. */
export type WordedEventType =
  | 'setup.started'
  | 'setup.ended'
  | 'user.intervention'
  | 'integration.discarded'
  | 'collision.detected'
  | 'collision.resolved'
  | 'queue.job';

/** An event worded here. */
export type WordedEvent = Extract<BatonEvent, { type: WordedEventType }>;

const WORDED: ReadonlySet<string> = new Set<WordedEventType>([
  'setup.started',
  'setup.ended',
  'user.intervention',
  'integration.discarded',
  'collision.detected',
  'collision.resolved',
  'queue.job',
]);

/** Whether an event is one worded here. */
export function isWordedEvent(e: { type?: string | undefined }): e is WordedEvent {
  return e.type !== undefined && WORDED.has(e.type);
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

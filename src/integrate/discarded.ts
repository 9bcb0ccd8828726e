/**
 * The one `integration.discarded` event: what `baton integrate --fresh` writes before it starts over,
 * and `baton clean` when it removes `baton/integration` with an attempt no branch took. The report and
 * the dashboard (`splitIntegrationAttempts`) then count that attempt's merges, conflicts, tests and
 * time for nothing.
 */
import type { NewEvent } from '../log/events.js';

/** The attempt thrown away, and what keeps its result. */
export interface DiscardedAttempt {
  /** The integration branch it was on. */
  branch: string;
  /** `ts` of its `integration.started`. */
  startedAt?: string;
  /** The discarded result's tip. */
  commit?: string;
  /** The ref that keeps that tip. */
  backup?: string;
}

/** The `integration.discarded` event for an attempt thrown away (pure). */
export function discardedEvent(d: DiscardedAttempt): Extract<NewEvent, { type: 'integration.discarded' }> {
  return {
    type: 'integration.discarded',
    branch: d.branch,
    ...(d.startedAt ? { started_at: d.startedAt } : {}),
    ...(d.commit ? { commit: d.commit } : {}),
    ...(d.backup ? { backup: d.backup } : {}),
  };
}

/**
 * When an interactive session is finished (pure): the agent's own Stop / turn-complete hook fired,
 * nothing asked for input or was typed since, no client is attached to its window (someone may be
 * typing there), and `auto_finish_s` of quiet have passed since the last attach or detach. Then Baton
 * ends the session itself (Claude Code stays open at its prompt after a turn).
 */
import type { LogEvent } from '../log/events.js';

/** Hook names that mean "the agent finished its turn". */
export const STOP_HOOKS: ReadonlySet<string> = new Set(['stop', 'agent-turn-complete', 'after-agent']);

/** What the watcher knows about one feature's session. */
export interface FinishWatch {
  /** When the last stop hook was seen (ms), or a client attached after it; cleared by any later activity. */
  stoppedAt?: number;
  /** The agent asked for input and nobody has answered yet. */
  waiting: boolean;
}

/** Whether a log event is one the interactive watcher follows for `featureId`: hooks and interventions. */
export function isSessionEvent(e: LogEvent, featureId: string): boolean {
  return (e.type === 'hook' || e.type === 'user.intervention') && e.feature_id === featureId;
}

/** Folds one of the feature's hook or intervention events into the watch (pure). */
export function observeSessionEvent(w: FinishWatch, e: LogEvent, now: number): FinishWatch {
  if (e.type === 'hook') {
    if (e.status === 'needs-input') return { waiting: true };
    if (STOP_HOOKS.has(e.event)) return { stoppedAt: now, waiting: false };
    return { waiting: false };
  }
  // Attaching to look types nothing: the quiet period starts over from it, and the session still ends.
  if (e.type === 'user.intervention' && e.action === 'attach')
    return observeAttached({ ...w, waiting: false }, now);
  if (e.type === 'user.intervention') return { waiting: false };
  return w;
}

/**
 * Folds a client seen attached to the session's window at `now` into the watch (pure): the quiet
 * period starts over, so it runs out only `auto_finish_s` after the last client detached.
 */
export function observeAttached(w: FinishWatch, now: number): FinishWatch {
  return w.stoppedAt === undefined ? w : { ...w, stoppedAt: now };
}

/** Whether the watcher waits for the quiet period to run out: the session stopped and asks for nothing (pure). */
export function isQuieting(w: FinishWatch): boolean {
  return w.stoppedAt !== undefined && !w.waiting;
}

/** Whether it is time to end the session (pure). */
export function shouldFinish(w: FinishWatch, now: number, autoFinishMs: number): boolean {
  return w.stoppedAt !== undefined && !w.waiting && now - w.stoppedAt >= autoFinishMs;
}

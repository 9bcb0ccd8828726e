/**
 * Feature statuses as plain constants, apart from the event schemas (`events.ts`, which loads zod),
 * so the fold and a warm `baton status` can use them without loading a schema library.
 */

/** Every status a feature can be in; derived by folding events. */
export const FEATURE_STATUSES = [
  'pending',
  'running',
  'needs-input',
  'verifying',
  'complete',
  'empty',
  'failed',
  'failed-checks',
  'timeout',
  'interrupted',
  'collision',
] as const;
/** A feature's status. */
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

/** The statuses a feature can end a run with. */
export const END_STATUSES = [
  'complete',
  'empty',
  'failed',
  'failed-checks',
  'timeout',
  'interrupted',
  'collision',
] as const;

/** Statuses after which nothing more happens to a feature in this run. */
export const TERMINAL_STATUSES: ReadonlySet<FeatureStatus> = new Set(END_STATUSES);

/**
 * The end statuses a later check (`baton verify`) decides again: those of a feature whose agent
 * finished. The others (failed, empty, timeout, interrupted, collision) are not about checks.
 */
export const DECIDED_BY_CHECKS: ReadonlySet<FeatureStatus> = new Set(['complete', 'failed-checks']);

/** Words a hand-made hook may write for a status. */
const STATUS_ALIASES: Record<string, FeatureStatus> = {
  completed: 'complete',
  done: 'complete',
  success: 'complete',
  succeeded: 'complete',
  ok: 'complete',
  error: 'failed',
  failure: 'failed',
  started: 'running',
  in_progress: 'running',
  'in-progress': 'running',
  waiting: 'needs-input',
  blocked: 'needs-input',
};

/** Maps a status written by hand (e.g. `done`) onto a known status, or undefined. */
export function normaliseStatus(raw: string): FeatureStatus | undefined {
  const s = raw.trim().toLowerCase();
  if ((FEATURE_STATUSES as readonly string[]).includes(s)) return s as FeatureStatus;
  return Object.hasOwn(STATUS_ALIASES, s) ? STATUS_ALIASES[s] : undefined;
}

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

/**
 * The schemas of `setup.started` and `setup.ended`, as the functions that build them (`events.ts`
 * spreads them into the one event table, after `worktree.created`).
 */
import { z } from '../zod.js';
import { base, id, strings } from './event-fields.js';

export const SETUP_EVENT_MAKERS = {
  /** The config's `setup` command started in a feature's worktree, before its agent. */
  'setup.started': () =>
    z.object({
      ...base,
      type: z.literal('setup.started'),
      feature_id: id,
      command: z.string(),
      /** The time limit setup runs under (the feature's `timeout_minutes`), when one is set. */
      timeout_ms: z.optional(z.number()),
    }),
  /** The `setup` command ended; the files it changed are left in the worktree, the feature's work with the agent's. */
  'setup.ended': () =>
    z.object({
      ...base,
      type: z.literal('setup.ended'),
      feature_id: id,
      exit_code: z.nullable(z.number()),
      duration_ms: z.number(),
      /** Files setup changed that git does not ignore (committed with the agent's work, judged by `owns`). */
      files: strings,
      timed_out: z.optional(z.boolean()),
      /** Why setup failed, in words. */
      reason: z.optional(z.string()),
    }),
};

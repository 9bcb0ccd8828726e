/**
 * The schema of `agent.retrying`, as the function that builds it (`events.ts` spreads it into the one
 * event table, after `agent.exited`); the retry in words is in retry-words.ts.
 */
import { z } from '../zod.js';
import { base, id } from './event-fields.js';

export const RETRY_EVENT_MAKERS = {
  /** A failed agent is started again: after a wait when its model API refused it, or as the contract's `retries` allow. */
  'agent.retrying': () =>
    z.object({
      ...base,
      type: z.literal('agent.retrying'),
      feature_id: id,
      /** `rate-limited`: the agent said its model API refused for load or quota; `failed`: any other failure. */
      reason: z.enum(['rate-limited', 'failed']),
      exit_code: z.nullable(z.number()),
      /** Which retry for this reason this is, and how many the config (`retry.attempts`) or the contract allows. */
      retry: z.number(),
      of: z.number(),
      /** How long Baton waits before it starts the agent again. */
      delay_ms: z.number(),
    }),
};

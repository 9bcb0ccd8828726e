/**
 * The schema of `agent.retrying`, as the function that builds it (`events.ts` spreads it into the one
 * event table, after `agent.exited`), and the retry in words that the run's output and `baton status` show.
 */
import { z } from '../zod.js';
import { base, id } from './event-fields.js';
import type { AgentRetrying } from './events.js';

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

/**
 * A retry in words, for the run's output and `baton status`: `rate-limited (exit 1); retry 1 of 3 in
 * 5 s (config retry)` or `failed (exit 2); retry 1 of 1 (contract retries)`. Pure.
 */
export function describeRetry(
  e: Pick<AgentRetrying, 'reason' | 'exit_code' | 'retry' | 'of' | 'delay_ms'>,
): string {
  const exit = e.exit_code === null ? 'killed by a signal' : `exit ${e.exit_code}`;
  const when =
    e.reason === 'rate-limited' ? ` in ${secondsText(e.delay_ms)} (config retry)` : ' (contract retries)';
  return `${e.reason} (${exit}); retry ${e.retry} of ${e.of}${when}`;
}

/** Milliseconds as seconds, to a tenth where it matters: `5 s`, `2.5 s`. */
function secondsText(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * An `agent.retrying` event in words (pure), apart from its schema in retry-events.ts: the fold and a warm
 * `baton status` use it, and must not load zod to do so.
 */
import type { AgentRetrying } from './events.js';

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

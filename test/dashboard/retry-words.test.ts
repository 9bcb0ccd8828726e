import { describe, expect, it } from 'vitest';
import type { AgentRetrying } from '../../src/log/events.js';
import { describeRetry } from '../../src/log/retry-words.js';

type Retry = Pick<AgentRetrying, 'reason' | 'exit_code' | 'retry' | 'of' | 'delay_ms'>;

/** The page's own formatter (plain JavaScript, untyped). */
async function pageFormat(): Promise<{
  describeRetry(e: Retry): string;
  describeEvent(e: Retry & { type: string; feature_id: string }): string;
}> {
  return import(new URL('../../assets/dashboard/format.js', import.meta.url).href);
}

const retries: Retry[] = [
  { reason: 'rate-limited', exit_code: 1, retry: 1, of: 3, delay_ms: 5000 },
  { reason: 'rate-limited', exit_code: null, retry: 2, of: 3, delay_ms: 2549 },
  { reason: 'rate-limited', exit_code: 75, retry: 3, of: 3, delay_ms: 0 },
  { reason: 'failed', exit_code: 2, retry: 1, of: 1, delay_ms: 0 },
  { reason: 'failed', exit_code: null, retry: 2, of: 4, delay_ms: 1500 },
];

describe('agent.retrying on the page, in the words of the terminal and baton status', () => {
  it.each(retries)('%o', async (retry) => {
    const page = await pageFormat();
    expect(page.describeRetry(retry)).toBe(describeRetry(retry));
    // The feed and the detail panel: "agent rate-limited (exit 1); retry 1 of 3 in 5 s (config retry)".
    expect(page.describeEvent({ type: 'agent.retrying', feature_id: 'f', ...retry })).toBe(
      `agent ${describeRetry(retry)}`,
    );
  });
});

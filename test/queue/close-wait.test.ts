import { describe, expect, test } from 'vitest';
import { drainMsOf, QUEUE_CLOSE_MS, queueCloseMsOf } from '../../src/queue/connection.js';

describe('the waits on Redis a command can be given (tests make them short)', () => {
  test.each([
    [{}, QUEUE_CLOSE_MS],
    [{ BATON_QUEUE_CLOSE_MS: '500' }, 500],
    [{ BATON_QUEUE_CLOSE_MS: '0' }, 0],
    [{ BATON_QUEUE_CLOSE_MS: '-1' }, QUEUE_CLOSE_MS],
    [{ BATON_QUEUE_CLOSE_MS: 'soon' }, QUEUE_CLOSE_MS],
  ])('the close wait of %j is %d ms', (env, ms) => {
    expect(queueCloseMsOf(env)).toBe(ms);
  });

  test("by default the close wait is 2 s (ioredis's own socket-end wait) and an idle wait for a job 5 s (BullMQ's)", () => {
    expect(queueCloseMsOf({})).toBe(2000);
    expect(drainMsOf({})).toBe(5000);
  });

  test.each([
    [{ BATON_QUEUE_DRAIN_MS: '500' }, 500],
    [{ BATON_QUEUE_DRAIN_MS: '0' }, 5000],
    [{ BATON_QUEUE_DRAIN_MS: 'x' }, 5000],
  ])('the wait for a job of %j is %d ms', (env, ms) => {
    expect(drainMsOf(env)).toBe(ms);
  });
});

// Attempt numbers come from the log, which any process can append to. One `attempt.started` naming
// attempt 1e300 (or -1, 0, 1.5) used to add a row `fa.a1e+300` to status, the report and the
// dashboard, and made `run --resume` of an interrupted best-of-2 run start MAX_ATTEMPTS agents (the
// highest number any line named). Such a line is now a problem line, and a resume goes on with the
// run's own count.
import { describe, expect, it } from 'vitest';
import { undecidedAttemptCounts } from '../../src/attempts/plan.js';
import { MAX_ATTEMPTS } from '../../src/contracts/schema.js';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { checkLogValue } from '../../src/log/parse-event.js';

const stamp = { v: 1, ts: '2026-12-07T00:00:00.000Z', run_id: 'r1' };
const started = (attempt: unknown) => ({
  ...stamp,
  type: 'attempt.started',
  feature_id: 'fa',
  attempt,
  agent: 'demo',
  branch: 'baton/fa.a1',
  worktree: '/tmp/wt',
  port: 41000,
});
const runStarted = {
  ...stamp,
  type: 'run.started',
  feature_ids: ['fa'],
  concurrency: 2,
  base: 'main',
  base_commit: '0'.repeat(40),
  mode: 'contract-first',
  pid: 1,
  attempts: { fa: 2 },
};

describe('attempt numbers read from the log', () => {
  it('refuses an attempt number that is no whole number from 1 to MAX_ATTEMPTS, naming the field', () => {
    for (const bad of [1e300, -1, 0, 1.5, MAX_ATTEMPTS + 1]) {
      expect(checkLogValue(started(bad)), String(bad)).toHaveProperty('problem');
    }
    expect(checkLogValue(started(1e300))).toEqual({
      problem: `attempt.started: "attempt" must be a number at most ${MAX_ATTEMPTS}, got 1e+300`,
    });
    expect(checkLogValue(started(MAX_ATTEMPTS))).toHaveProperty('event');
    const selected = {
      ...stamp,
      type: 'attempt.selected',
      feature_id: 'fa',
      winner: 1e300,
      select: 'best',
      reasons: [],
      ranking: [1e300],
      branch: 'baton/fa',
    };
    expect(checkLogValue(selected)).toHaveProperty('problem');
    expect(checkLogValue({ ...runStarted, attempts: { fa: 1e300 } })).toHaveProperty('problem');
  });

  it('a resume goes on with the run’s own count of attempts, not the highest number a line names', () => {
    const events = [runStarted, started(1), started(2), started(7)].map((e) => {
      const r = checkLogValue(e) as { event: LogEvent };
      return r.event;
    });
    const state = foldEvents(events);
    expect(undecidedAttemptCounts(state, ['fa'])).toEqual(new Map([['fa', 2]]));
  });
});

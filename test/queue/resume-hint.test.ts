import { describe, expect, test } from 'vitest';
import { checkLastRun } from '../../src/doctor/repository.js';
import { interruptionEvents, queuedRunToResume, resumeCommand } from '../../src/guard/liveness.js';
import type { BatonEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';

const QUEUE = { url: 'redis://:***@10.0.0.5:6379/2', hub: 'ssh://git@hub/p.git' };

/** A run of one feature that started (queued or not) and, when `ended` says so, ended. */
function runLog(opts: { queued: boolean; ended?: 'complete' | 'failed' | 'interrupted' }): BatonEvent[] {
  const base = { v: 1 as const, run_id: 'r1' };
  const events: BatonEvent[] = [
    {
      ...base,
      ts: '2026-01-01T00:00:00.000Z',
      type: 'run.started',
      feature_ids: ['feature-001'],
      concurrency: 1,
      base: 'HEAD',
      base_commit: 'abc',
      mode: 'contract-first',
      pid: 999_999_999,
      ...(opts.queued ? { queue: QUEUE } : {}),
    },
  ];
  if (opts.ended) {
    events.push({
      ...base,
      ts: '2026-01-01T00:01:00.000Z',
      type: 'run.ended',
      outcome: opts.ended,
      duration_ms: 60_000,
    });
  }
  return events;
}

describe('resuming a queued run names the queued command', () => {
  test("a dead queued run's features say to re-attach with --queue; a local run's say plain --resume", () => {
    const dead = () => false;
    const queued = interruptionEvents(foldEvents(runLog({ queued: true })), dead);
    expect(queued.find((e) => e.type === 'feature.ended')).toMatchObject({
      reason: expect.stringContaining(
        "resume with `baton run --queue 'redis://:***@10.0.0.5:6379/2' --hub ssh://git@hub/p.git --resume` (with the password in place of ***)",
      ),
    });
    const local = interruptionEvents(foldEvents(runLog({ queued: false })), dead);
    expect(local.find((e) => e.type === 'feature.ended')).toMatchObject({
      reason: expect.stringContaining('resume with `baton run --resume`'),
    });
  });

  test('a queued run that did not finish (dead, or detached with Ctrl-C) is one to re-attach to; a finished one is not', () => {
    expect(queuedRunToResume(foldEvents(runLog({ queued: true })))?.queue).toEqual(QUEUE);
    expect(queuedRunToResume(foldEvents(runLog({ queued: true, ended: 'interrupted' })))?.queue).toEqual(
      QUEUE,
    );
    expect(queuedRunToResume(foldEvents(runLog({ queued: true, ended: 'failed' })))).toBeUndefined();
    expect(queuedRunToResume(foldEvents(runLog({ queued: false })))).toBeUndefined();
    expect(resumeCommand(undefined)).toBe('`baton run --resume`');
    // Pasted as it is: a hub path with a space stays one argument, and one with a control character
    // is written so the shell reads back the same bytes (and the terminal sees no raw escape).
    expect(resumeCommand({ url: 'redis://127.0.0.1:6379', hub: '/srv/my hub.git' })).toBe(
      "`baton run --queue redis://127.0.0.1:6379 --hub '/srv/my hub.git' --resume`",
    );
    expect(resumeCommand({ url: 'redis://127.0.0.1:6379', hub: '/srv/x\u001b[31m.git' })).toBe(
      "`baton run --queue redis://127.0.0.1:6379 --hub $'/srv/x\\x1b[31m.git' --resume`",
    );
  });

  test('doctor warns about a queued run detached with Ctrl-C, naming the re-attach; a finished one is fine', () => {
    const detached = checkLastRun(foldEvents(runLog({ queued: true, ended: 'interrupted' })), () => false);
    expect(detached).toMatchObject({ status: 'warn' });
    expect(detached.hint).toContain('`baton run --queue');
    const finished = checkLastRun(foldEvents(runLog({ queued: true, ended: 'complete' })), () => false);
    expect(finished).toMatchObject({ status: 'ok' });
  });
});

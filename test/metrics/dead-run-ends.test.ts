/**
 * A run whose orchestrator was killed outright: the ends `baton report` infers for its unfinished
 * features (`interruptionEvents`) give their status, never an end time, so the report and its Gantt
 * say no end was recorded instead of drawing a feature that "ran" from its start to its last stamp.
 */
import { describe, expect, it } from 'vitest';
import { interruptionEvents } from '../../src/guard/liveness.js';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { computeReport } from '../../src/metrics/report.js';
import { renderHtml } from '../../src/report/html.js';
import { ev, featureEvents, runStarted } from './log-builder.js';

/** The log as `baton report` reads it: the dead run's unwritten ends inferred, as its reader adds them. */
function withInferredEnds(events: LogEvent[]): LogEvent[] {
  const dead = () => false;
  return [...events, ...interruptionEvents(foldEvents(events), dead)];
}

const started = (min: number, id: string, runId: string) =>
  ev(min, {
    type: 'feature.started',
    run_id: runId,
    feature_id: id,
    status: 'running',
    agent: 'command',
    branch: `baton/${id}`,
    worktree: `/tmp/wt/${id}`,
    log_file: `/tmp/logs/${id}.log`,
    port: 41001,
  });

describe('computeReport: a feature still running when its run was killed', () => {
  const events = withInferredEnds([
    runStarted(0, 'r1', ['a', 'b']),
    ...featureEvents({ id: 'a', runId: 'r1', start: 0, exit: 1 }),
    started(0.5, 'b', 'r1'),
  ]);

  it('reads interrupted with no end, not an end at its start', () => {
    const b = computeReport({ events }).features.find((f) => f.feature_id === 'b');
    expect(b?.status).toBe('interrupted');
    expect(b?.start_min).toBe(0.5);
    expect(b?.end_min).toBeNull();
  });

  it('is drawn as an open bar that says no end was recorded', () => {
    const html = renderHtml(computeReport({ events }));
    const bar = html.match(/<rect class="([^"]*)" data-feature="b"[^>]*><title>([^<]*)/);
    expect(bar?.[1]).toBe('bar open');
    expect(bar?.[2]).toBe('b: interrupted, no end recorded');
  });
});

describe('computeReport: a feature resumed after an earlier end, then killed', () => {
  it('has no end, not the end its earlier run recorded', () => {
    const events = withInferredEnds([
      runStarted(0, 'r1', ['b']),
      started(0, 'b', 'r1'),
      ev(2, {
        type: 'feature.ended',
        run_id: 'r1',
        feature_id: 'b',
        status: 'interrupted',
        reason: 'Ctrl-C',
      }),
      ev(2, { type: 'run.ended', run_id: 'r1', outcome: 'interrupted', duration_ms: 2 * 60_000 }),
      { ...runStarted(10, 'r2', ['b']), resume: true } as LogEvent,
      started(10, 'b', 'r2'),
    ]);
    const b = computeReport({ events }).features.find((f) => f.feature_id === 'b');
    expect(b?.status).toBe('interrupted');
    expect(b?.end_min).toBeNull();
  });
});

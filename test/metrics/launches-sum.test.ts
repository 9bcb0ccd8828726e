import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { agentTimeMs, scanFeatures, usageOf } from '../../src/metrics/features.js';
import { agentTimeFields } from '../../src/metrics/intervals.js';

const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;

/** One launch of feature a's agent in run `runId` (r1 unless named). */
function launch(s: number, exitAt: number, exitCode: number, ms: number, runId = 'r1'): LogEvent[] {
  return [
    {
      v: 1,
      ts: at(s),
      run_id: runId,
      type: 'feature.started',
      feature_id: 'a',
      agent: 'claude',
      branch: 'baton/a',
      worktree: '/w',
    } as LogEvent,
    {
      v: 1,
      ts: at(exitAt),
      run_id: runId,
      type: 'agent.exited',
      feature_id: 'a',
      exit_code: exitCode,
      signal: null,
      duration_ms: ms,
      files: ['src/a/x.txt'],
      commit: 'c1',
      usage: { cost_usd: 0.42, input_tokens: 200, output_tokens: 40 },
    } as LogEvent,
    {
      v: 1,
      ts: at(exitAt + 1),
      run_id: runId,
      type: 'feature.ended',
      feature_id: 'a',
      status: exitCode === 0 ? 'complete' : 'failed',
      ...(exitCode === 0 ? {} : { reason: 'the agent exited 1' }),
    } as LogEvent,
  ];
}

describe("a feature's agent time and cost over the launches of one run", () => {
  it('status and the dashboard give the sums the report gives, for a failed launch and its resume', () => {
    const events: LogEvent[] = [
      { v: 1, ts: at(0), run_id: 'r1', type: 'run.started', feature_ids: ['a'], pid: 1 } as LogEvent,
      ...launch(1, 3, 1, 1000),
      {
        v: 1,
        ts: at(10),
        run_id: 'r1',
        type: 'run.started',
        feature_ids: ['a'],
        pid: 2,
        resume: true,
      } as LogEvent,
      ...launch(11, 13, 0, 1100),
    ];
    const state = foldEvents(events);
    const f = state.features.a!;
    const scan = scanFeatures(events).get('a');
    const report = agentTimeMs('a', scan, f, { origin: Date.parse(at(0)), backwards: [], implausible: [] });
    expect(report).toBe(2100);
    expect(agentTimeFields(f, state.run_started_at)).toEqual({ duration_ms: 2100 });
    const cost = usageOf(scan?.exits ?? []);
    expect(f.usage).toEqual({
      cost_usd: cost.cost_usd,
      input_tokens: cost.input_tokens,
      output_tokens: cost.output_tokens,
    });
    expect(f.usage?.cost_usd).toBeCloseTo(0.84);
  });
  it('a fresh run starts them over', () => {
    const events: LogEvent[] = [
      { v: 1, ts: at(0), run_id: 'r1', type: 'run.started', feature_ids: ['a'], pid: 1 } as LogEvent,
      ...launch(1, 3, 1, 1000),
      { v: 1, ts: at(10), run_id: 'r2', type: 'run.started', feature_ids: ['a'], pid: 2 } as LogEvent,
      // The fresh run's launch, stamped with its id (a line of r1's landing here would be r1's).
      ...launch(11, 13, 0, 1100, 'r2'),
    ];
    const f = foldEvents(events).features.a!;
    expect(f.duration_ms).toBe(1100);
    expect(f.usage?.cost_usd).toBe(0.42);
  });
});

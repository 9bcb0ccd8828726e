// Logs made of the events that decide where runs begin and end: starts (fresh and resumed, reusing ids
// and features), phases (preparatory, integration, others), integration attempts, and activity, some of
// it stamped with a run's id (interleaved runs).
import fc from 'fast-check';
import type { LogEvent } from '../../src/log/events.js';

const FEATURES = ['a', 'b', 'c'];

const start = fc
  .record({
    run_id: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
    resume: fc.boolean(),
    feature_ids: fc.subarray(FEATURES),
  })
  .map(
    ({ run_id, resume, feature_ids }): LogEvent => ({
      v: 1,
      ts: '2026-03-02T09:00:00.000Z',
      type: 'run.started',
      run_id,
      feature_ids,
      concurrency: 2,
      base: 'main',
      base_commit: 'x',
      mode: 'contract-first',
      pid: 1,
      ...(resume ? { resume: true } : {}),
    }),
  );

const phase = fc
  .record({
    type: fc.constantFrom('phase.started' as const, 'phase.ended' as const),
    phase: fc.constantFrom('specification', 'planning', 'integration', 'integration', 'review'),
    // A run stamps its own phases; a phase stamped goes by its place all the same.
    run_id: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }),
  })
  .map(
    ({ run_id, ...p }): LogEvent => ({
      v: 1 as const,
      ts: '2026-03-02T09:00:00.000Z',
      ...p,
      ...(run_id ? { run_id } : {}),
    }),
  );

const activity = fc.oneof(
  fc.constantFrom(...FEATURES).map((id): LogEvent => ({ feature_id: id, status: 'running' })),
  fc.constant<LogEvent>({
    v: 1,
    ts: '2026-03-02T09:00:00.000Z',
    type: 'integration.started',
    branch: 'baton/integration',
    worktree: '/i',
    order: FEATURES,
  }),
  fc.constantFrom(...FEATURES).map(
    (id): LogEvent => ({
      v: 1,
      ts: '2026-03-02T09:00:00.000Z',
      type: 'merge.clean',
      feature_id: id,
      commit: 'c',
      duration_ms: 1,
    }),
  ),
  // A line a run's agent wrote, stamped with its run's id (which may be no longer the latest start's).
  fc.record({ id: fc.constantFrom(...FEATURES), run: fc.constantFrom('r1', 'r2', 'r3', 'r4') }).map(
    ({ id, run }): LogEvent => ({
      v: 1,
      ts: '2026-03-02T09:00:00.000Z',
      type: 'hook',
      event: 'stop',
      feature_id: id,
      run_id: run,
    }),
  ),
  fc.constantFrom('r1', 'r2').map(
    (id): LogEvent => ({
      v: 1,
      ts: '2026-03-02T09:00:00.000Z',
      type: 'run.ended',
      run_id: id,
      outcome: 'complete',
      duration_ms: 1,
    }),
  ),
);

/** One event of such a log. */
export const segmentEvent: fc.Arbitrary<LogEvent> = fc.oneof(
  { arbitrary: start, weight: 2 },
  { arbitrary: phase, weight: 3 },
  { arbitrary: activity, weight: 3 },
);

/** A log of them, each a distinct object (the cut is compared by identity too). */
export const segmentLog: fc.Arbitrary<LogEvent[]> = fc
  .array(segmentEvent, { maxLength: 40 })
  .map((events) => events.map((e) => ({ ...e })));

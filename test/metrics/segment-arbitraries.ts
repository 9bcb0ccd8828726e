// Logs made of the events that decide where runs begin and end: starts (fresh and resumed, reusing ids
// and features), phases (preparatory, integration, others), integration attempts, and activity.
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
  })
  .map((p): LogEvent => ({ v: 1 as const, ts: '2026-03-02T09:00:00.000Z', ...p }));

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

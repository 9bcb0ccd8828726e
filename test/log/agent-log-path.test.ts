// Which agent log `status`, the dashboard and the report name for a feature: Baton's own path, from
// the feature's ids; a best-of-N winner kept from an earlier run (a resume ran only the other
// attempts) logged under that earlier run's folder.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { featureAgentLog } from '../../src/log/paths.js';

const R1 = '20261206T200000Z-aaaaaa';
const R2 = '20261206T201000Z-bbbbbb';

const started = (runId: string, attempt: number): LogEvent =>
  ({
    v: 1,
    ts: '2026-12-06T20:00:00.000Z',
    type: 'attempt.started',
    run_id: runId,
    feature_id: 'f1',
    attempt,
    agent: 'command',
    branch: `baton/f1.a${attempt}`,
    worktree: `/tmp/wt/f1.a${attempt}`,
    port: 41000,
  }) as LogEvent;

describe('featureAgentLog', () => {
  it("names a winner's log under the run that started it, not the feature's last run", () => {
    const state = foldEvents([started(R1, 1), started(R1, 2), started(R2, 2)]);
    const f = state.features.f1;
    expect(f?.attempts?.['1']?.run_id).toBe(R1);
    expect(f?.attempts?.['2']?.run_id).toBe(R2);
    const path = featureAgentLog('/repo', {
      feature_id: 'f1',
      run_id: R2,
      log_file: 'anything',
      winner: { attempt: 1 },
      attempts: f?.attempts,
    });
    expect(path).toBe(join('/repo', '.baton', 'runs', R1, 'f1.a1', 'agent.log'));
    // Without a winner: the feature's own run.
    expect(featureAgentLog('/repo', { feature_id: 'f1', run_id: R2, log_file: 'x' })).toBe(
      join('/repo', '.baton', 'runs', R2, 'f1', 'agent.log'),
    );
  });
});

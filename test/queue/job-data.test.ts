import { describe, expect, test } from 'vitest';
import { MAX_FEATURE_ID_LENGTH } from '../../src/contracts/feature-id.js';
import { JobDataSchema } from '../../src/queue/job.js';

/** A job as the orchestrator enqueues it, with `feature_id` as given. */
const job = (featureId: string) => ({
  v: 1,
  run_id: '20261201T080000Z-abc123',
  enqueue: '0a1b2c3d',
  feature_id: featureId,
  agent: 'command',
  agent_name: 'command',
  base_commit: 'a'.repeat(40),
  hub: '/srv/hub.git',
  base_ref: 'refs/baton/runs/20261201T080000Z-abc123/base',
  contract: { file: 'specs/x/contract.md', text: '' },
  known_ids: [],
  config: {},
  port: 41000,
  port_base: 41000,
  verify: true,
});

describe("a job's data, as a worker reads it from Redis", () => {
  test("names a feature id of the contracts' own shape, at most as long as a contract may give it", () => {
    const longest = `f${'x'.repeat(MAX_FEATURE_ID_LENGTH - 1)}`;
    expect(JobDataSchema.safeParse(job(longest)).success).toBe(true);
    expect(JobDataSchema.safeParse(job(`${longest}x`)).success).toBe(false);
    expect(JobDataSchema.safeParse(job('Feature-1')).success).toBe(false);
    expect(JobDataSchema.safeParse(job('-a')).success).toBe(false);
  });
});

import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { attemptRef } from '../../src/git/refs.js';
import {
  eventIdOf,
  isJobIdOf,
  jobIdOf,
  jobInstanceOf,
  parseEventId,
  queueName,
  redactUrl,
} from '../../src/queue/names.js';
import { runBaton } from '../rig/cli.js';

describe('queue names', () => {
  test('a job id is stable per run and feature, and round-trips through event ids', () => {
    const job = jobIdOf('20261201T080000Z-abc123', 'feature-002-catalog');
    const instance = jobInstanceOf(job, '0a1b2c3d');
    expect(job).toBe('20261201T080000Z-abc123.feature-002-catalog');
    expect(job).not.toContain(':');
    expect(parseEventId(eventIdOf(instance, 3, 17))).toEqual({
      jobId: job,
      enqueue: '0a1b2c3d',
      attempt: 3,
      seq: 17,
    });
    expect(parseEventId(`${job}:3:17`)).toBeUndefined();
    expect(parseEventId('not-an-id')).toBeUndefined();
    expect(attemptRef('feature-002-catalog', instance, 3)).toBe(
      'refs/baton/attempts/feature-002-catalog/20261201T080000Z-abc123.feature-002-catalog.0a1b2c3d.3',
    );
  });

  test.each([
    ['20261201T080000Z-abc123.feature-002', '20261201T080000Z-abc123', 'feature-002', true],
    ['r1.feature-001', 'r1', 'feature-001', true],
    ['r1.feature-002', 'r1', 'feature-001', false],
    ['../../victim', '..', '/victim', false],
    ['x/../r1.feature-001', 'x/../r1', 'feature-001', false],
    ['\u001b]0;t\u0007r1.feature-001', '\u001b]0;t\u0007r1', 'feature-001', false],
    ['.feature-001', '', 'feature-001', false],
  ])('%j is the job id of run %j and feature %j: %s', (jobId, runId, featureId, ok) => {
    expect(isJobIdOf(jobId, runId, featureId)).toBe(ok);
  });

  test.each([
    ['redis://:s3cret@host:6379/2', 'redis://:***@host:6379/2'],
    ['rediss://user:pw@host:6380', 'rediss://user:***@host:6380'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('redacts %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  test('baton worker --help names the attempt ref as the worker pushes it', async () => {
    const r = await runBaton(['worker', '--help'], { cwd: tmpdir() });
    const ref = attemptRef('<feature>', jobInstanceOf('<job>', '<tag>'), 0).replace(/0$/, '<attempt>');
    expect(ref).toBe('refs/baton/attempts/<feature>/<job>.<tag>.<attempt>');
    expect(r.stdout).toContain(`pushed to ${ref} in the hub`);
  });

  test('one queue per agent and hub, with no colon', () => {
    expect(queueName('claude', '/srv/a.git')).toMatch(/^agent-claude-[0-9a-f]{12}$/);
    expect(queueName('claude', '/srv/a.git')).toBe(queueName('claude', '/srv/a.git'));
    expect(queueName('claude', '/srv/b.git')).not.toBe(queueName('claude', '/srv/a.git'));
  });
});

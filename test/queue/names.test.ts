import { describe, expect, test } from 'vitest';
import { attemptRef } from '../../src/git/refs.js';
import { eventIdOf, jobIdOf, parseEventId, queueName, redactUrl } from '../../src/queue/names.js';

describe('queue names', () => {
  test('a job id is stable per run and feature, and round-trips through event ids', () => {
    const job = jobIdOf('20261201T080000Z-abc123', 'feature-002-catalog');
    expect(job).toBe('20261201T080000Z-abc123.feature-002-catalog');
    expect(job).not.toContain(':');
    expect(parseEventId(eventIdOf(job, 3, 17))).toEqual({ jobId: job, attempt: 3, seq: 17 });
    expect(parseEventId('not-an-id')).toBeUndefined();
    expect(attemptRef('feature-002-catalog', job, 3)).toBe(
      'refs/baton/attempts/feature-002-catalog/20261201T080000Z-abc123.feature-002-catalog.3',
    );
  });

  test.each([
    ['redis://:s3cret@host:6379/2', 'redis://:***@host:6379/2'],
    ['rediss://user:pw@host:6380', 'rediss://user:***@host:6380'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('redacts %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  test('one queue per agent, with no colon', () => {
    expect(queueName('claude')).toBe('agent-claude');
  });
});

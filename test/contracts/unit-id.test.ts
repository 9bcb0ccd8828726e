import { describe, expect, it } from 'vitest';
import { isUnitId, parseAttemptUnitId } from '../../src/contracts/feature-id.js';
import { checkLogValue } from '../../src/log/parse-event.js';

describe('a best-of-N attempt unit id (<feature_id>.a<n>)', () => {
  it.each([
    ['attempt 1', 'feature-001-a.a1', { featureId: 'feature-001-a', attempt: 1 }],
    ['six digits', 'feature-001-a.a999999', { featureId: 'feature-001-a', attempt: 999_999 }],
    ['seven digits', 'feature-001-a.a1000000', undefined],
    ['400 digits', `feature-001-a.a${'9'.repeat(400)}`, undefined],
    ['attempt 0', 'feature-001-a.a0', undefined],
  ])('%s', (_what, id, expected) => {
    expect(parseAttemptUnitId(id)).toEqual(expected);
  });

  it('a log line whose attempt number runs to hundreds of digits is a problem line, not a unit', () => {
    const id = `feature-001-a.a${'9'.repeat(400)}`;
    expect(isUnitId(id)).toBe(false);
    expect(checkLogValue({ feature_id: id, status: 'running' })).toHaveProperty('problem');
  });
});

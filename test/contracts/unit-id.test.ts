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

describe('isUnitId answers the same when asked again (it remembers the valid ids a log repeats)', () => {
  it('a valid id stays valid and an invalid one stays invalid, asked many times', () => {
    for (let i = 0; i < 3; i++) {
      expect(isUnitId('feature-001-a')).toBe(true);
      expect(isUnitId('feature-001-a.a2')).toBe(true);
      expect(isUnitId('__proto__')).toBe(false);
      expect(isUnitId('Feature-001')).toBe(false);
      expect(isUnitId('feature-001-a.a0')).toBe(false);
    }
  });

  it('past the bound of remembered ids, every answer is still right', () => {
    for (let i = 0; i < 10_050; i++) expect(isUnitId(`f-${i}`)).toBe(true);
    expect(isUnitId('f-0')).toBe(true);
    expect(isUnitId('f-10049')).toBe(true);
    expect(isUnitId(`${'a'.repeat(101)}`)).toBe(false);
  });
});

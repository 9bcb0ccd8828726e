import { describe, expect, it } from 'vitest';
import { uncheckedWarning } from '../../src/attempts/pick.js';

const checks = (passed: number, failed: number, total: number) => ({
  passed,
  failed,
  unverifiable: 0,
  total,
});

describe('the warning of a pick that did not pass its checks', () => {
  it.each([
    { status: 'complete', c: checks(2, 0, 2), says: undefined },
    {
      status: 'failed-checks',
      c: checks(1, 1, 2),
      says: /^attempt 3 failed 1 of its 2 checks: baton\/api now holds/,
    },
    { status: 'failed', c: checks(0, 0, 2), says: /^attempt 3 was never checked \(it ended failed\)/ },
    { status: 'timeout', c: undefined, says: /^attempt 3 was never checked \(it ended timeout\)/ },
    {
      status: 'stopped',
      c: checks(1, 0, 2),
      says: /^attempt 3 did not pass every check \(it ended stopped, 1\/2 passed\)/,
    },
  ] as const)('$status', ({ status, c, says }) => {
    const w = uncheckedWarning('api', { attempt: 3, status, checks: c });
    if (says === undefined) expect(w).toBeUndefined();
    else expect(w).toMatch(says);
  });
});

import { describe, expect, it } from 'vitest';
import { criteriaFor, plannedCriteria } from '../../src/checks/criteria.js';
import { checkEventOf } from '../../src/checks/judge.js';
import { parseContract } from '../../src/contracts/parse.js';
import type { Contract } from '../../src/contracts/schema.js';
import { resultOf, unverifiedReason } from '../../src/log/check-reason.js';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';

function contract(criterion: string, owns = '[src/api/**]'): Contract {
  const text = `---\nfeature_id: api\nowns: ${owns}\nacceptance_criteria:\n${criterion}\n---\n`;
  const parsed = parseContract(text, 'specs/api/contract.md');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

const RUN = '  - id: tests\n    text: the tests pass\n    run: "test -f src/api/x.txt"';
const trust = { trustWorkers: false };

/** The feature `api` after a run whose checks of `ran` all passed on commit c1. */
function passedUnder(ran: Contract) {
  const checks = criteriaFor(ran, 'worktree').map(
    (c, i) =>
      ({
        v: 1,
        ts: `2026-01-01T00:00:0${i + 2}.000Z`,
        ...checkEventOf(ran, c, { outcome: 'passed', message: 'ok' }, 'worktree'),
        commit: 'c1',
      }) as LogEvent,
  );
  const state = foldEvents([
    {
      v: 1,
      ts: '2026-01-01T00:00:01.000Z',
      type: 'feature.started',
      feature_id: 'api',
      agent: 'x',
      branch: 'baton/api',
      worktree: '/w',
    } as LogEvent,
    ...checks,
    {
      v: 1,
      ts: '2026-01-01T00:00:09.000Z',
      type: 'feature.ended',
      feature_id: 'api',
      status: 'complete',
    } as LogEvent,
  ]);
  return state.features.api!;
}

describe("a check's result and its criterion's definition", () => {
  it('holds while the contract is unchanged, and with its keys written in another order', () => {
    const f = passedUnder(contract(RUN));
    expect(unverifiedReason(f, plannedCriteria(contract(RUN)), trust)).toBeUndefined();
    const reordered = '  - run: "test -f src/api/x.txt"\n    id: tests\n    text: the tests pass';
    expect(unverifiedReason(f, plannedCriteria(contract(reordered)), trust)).toBeUndefined();
  });
  it.each([
    ['its command', RUN.replace('test -f src/api/x.txt', 'grep -q never-there src/api/x.txt'), 'tests'],
    ['its timeout', `${RUN}\n    timeout_s: 5`, 'tests'],
  ])('is no result once %s changed', (_what, changed, id) => {
    const f = passedUnder(contract(RUN));
    expect(unverifiedReason(f, plannedCriteria(contract(changed)), trust)).toMatch(
      new RegExp(`criterion ${id} of its contract has no result`),
    );
  });
  it('is no result of the owns criterion once owns is narrowed, though its text is the same', () => {
    const f = passedUnder(contract(RUN));
    const narrowed = plannedCriteria(contract(RUN, '[src/api/only.txt]'));
    expect(narrowed.find((c) => c.id === 'owns')?.text).toBe(f.checks.owns?.text);
    expect(resultOf(narrowed.find((c) => c.id === 'owns')!, f.checks)).toBeUndefined();
    expect(resultOf(narrowed.find((c) => c.id === 'tests')!, f.checks)).toBeDefined();
  });
  it('matches a result of a log older than the digest by id, kind and text', () => {
    const f = passedUnder(contract(RUN));
    for (const r of Object.values(f.checks)) r.digest = undefined;
    const changed = RUN.replace('test -f', 'test -s');
    expect(unverifiedReason(f, plannedCriteria(contract(changed)), trust)).toBeUndefined();
  });
});

/** What proves an attempt's `attempt.ended` (pure): its own checks on its recorded commit, as the fold keeps them. */
import { describe, expect, it } from 'vitest';
import { unprovenClaim } from '../../src/attempts/proof.js';
import type { NewEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';

const counts = (passed: number, failed: number, total = passed + failed) => ({
  passed,
  failed,
  unverifiable: 0,
  total,
});

describe('unprovenClaim', () => {
  it.each([
    {
      name: 'complete, its checks passed there',
      status: 'complete',
      c: counts(2, 0),
      k: counts(2, 0),
      ok: true,
    },
    {
      name: 'failed-checks as its checks said',
      status: 'failed-checks',
      c: counts(1, 1),
      k: counts(1, 1),
      ok: true,
    },
    { name: 'failed, claiming nothing passed', status: 'failed', c: counts(0, 0, 2), k: undefined, ok: true },
    {
      name: 'complete with no check on its commit',
      status: 'complete',
      c: counts(2, 0),
      k: undefined,
      says: "attempt 2's record says every check passed (2/2) on 1a2b3c4d, but no check of attempt 2 ran on that commit in the log",
    },
    {
      name: 'complete where one of its checks failed',
      status: 'complete',
      c: counts(2, 0),
      k: counts(1, 1),
      says: "attempt 2's record says every check passed (2/2) on 1a2b3c4d, but its own checks on that commit passed 1/2 in the log",
    },
    {
      name: 'more passes than its checks gave',
      status: 'failed-checks',
      c: counts(2, 1),
      k: counts(0, 3),
      says: "attempt 2's record says 2 of its 3 checks passed on 1a2b3c4d, but its own checks on that commit passed 0/3 in the log",
    },
    {
      name: 'complete with nothing checked, criteria unknown',
      status: 'complete',
      c: counts(0, 0),
      k: undefined,
      says: 'no check of attempt 2 ran',
    },
    {
      name: 'complete, a contract with no criteria',
      status: 'complete',
      c: counts(0, 0),
      k: undefined,
      criteria: 0,
      ok: true,
    },
  ] as const)('$name', (t) => {
    const why = unprovenClaim(
      { attempt: 2, status: t.status, commit: `1a2b3c4d${'0'.repeat(32)}`, checks: t.c, checked: t.k },
      'criteria' in t ? t.criteria : undefined,
    );
    if ('ok' in t) expect(why).toBeUndefined();
    else expect(why).toContain(t.says);
  });
});

describe("the fold keeps what an attempt's own checks said of its recorded commit", () => {
  let s = 0;
  const at = (e: NewEvent) => ({
    v: 1 as const,
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, ++s)).toISOString(),
    ...e,
  });
  const check = (type: 'check.passed' | 'check.failed', criterion: string, commit: string) =>
    at({
      type,
      feature_id: 'f.a1',
      criterion_id: criterion,
      text: 't',
      kind: 'run',
      on: 'worktree',
      message: 'm',
      commit,
    });
  const ended = (commit: string) =>
    at({
      type: 'attempt.ended',
      feature_id: 'f',
      attempt: 1,
      status: 'complete',
      commit,
      files: [],
      checks: counts(2, 0),
      measured: {},
      lines_changed: 1,
      outside_owns: 0,
      duration_ms: 1,
    });
  const started = at({
    type: 'feature.started',
    feature_id: 'f.a1',
    status: 'running',
    agent: 'command',
    branch: 'baton/f.a1',
    worktree: '/w/f.a1',
    log_file: '/l',
    port: 41000,
  });

  it('counts its unit results on that commit, and nothing for a commit they did not run on', () => {
    const checks = [check('check.passed', 'owns', 'c1'), check('check.failed', 'ok', 'c1')];
    const on = foldEvents([started, ...checks, ended('c1')]).features.f?.attempts?.['1'];
    expect(on?.checked).toEqual(counts(1, 1));
    const other = foldEvents([started, ...checks, ended('c2')]).features.f?.attempts?.['1'];
    expect(other?.checked).toBeUndefined();
    expect(foldEvents([started, ended('c1')]).features.f?.attempts?.['1']?.checked).toBeUndefined();
  });
});

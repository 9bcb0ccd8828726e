import { describe, expect, it } from 'vitest';
import { resumeStateFrom } from '../../src/integrate/resume-state.js';
import type { LogEvent, NewEvent } from '../../src/log/events.js';

/** Stamps events one second apart, as the log would. */
function log(...events: NewEvent[]): LogEvent[] {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  return events.map((e, i) => ({ v: 1, ts: new Date(t0 + (i + 1) * 1000).toISOString(), ...e }) as LogEvent);
}

const started = (extra: Record<string, unknown> = {}): NewEvent => ({
  type: 'integration.started',
  branch: 'baton/integration',
  worktree: '/wt/integration',
  order: ['a', 'b', 'c'],
  base_commit: 'b4se',
  on_conflict: 'stop',
  ...extra,
});
const clean = (id: string): NewEvent => ({
  type: 'merge.clean',
  feature_id: id,
  commit: `c-${id}`,
  duration_ms: 5,
});
const conflict = (id: string): NewEvent => ({
  type: 'merge.conflict',
  feature_id: id,
  files: ['src/x.ts'],
  with: ['a'],
  duration_ms: 3,
});
const tested = (id: string, passed = true): NewEvent => ({
  type: 'integration.tested',
  after_feature: id,
  passed,
  exit_code: passed ? 0 : 1,
  duration_ms: 1,
});
const ended = (outcome: 'clean' | 'conflict' | 'partial' | 'interrupted'): NewEvent => ({
  type: 'integration.ended',
  outcome,
  duration_ms: 10,
});
const skipped = (id: string, reason: string, extra: Record<string, unknown> = {}): NewEvent =>
  ({ type: 'merge.skipped', feature_id: id, reason, ...extra }) as NewEvent;

describe('resumeStateFrom', () => {
  const refusals: Array<[string, LogEvent[], string]> = [
    ['an empty log', [], 'no integration to continue: the log records none'],
    [
      'a run without integration',
      log({ type: 'phase.started', phase: 'implementation' }),
      'no integration to continue: the log records none',
    ],
    [
      'an integration that ended clean',
      log(started(), clean('a'), tested('a'), ended('clean')),
      'the last integration is not stopped at a conflict (it ended: clean)',
    ],
    [
      'an integration whose conflict was skipped and that ended partial',
      log(started(), conflict('b'), skipped('b', 'conflicts with a', { kind: 'conflict' }), ended('partial')),
      'the last integration is not stopped at a conflict (it ended: partial)',
    ],
  ];
  it('keeps the latest --test-timeout of the integration: a --continue that gave another stands', () => {
    const first = resumeStateFrom(log(started({ test_timeout_s: 1200 }), conflict('b')));
    expect(first.ok && first.state.testTimeoutS).toBe(1200);
    const later = resumeStateFrom(
      log(started({ test_timeout_s: 1200 }), conflict('b'), {
        ...ended('conflict'),
        test_timeout_s: 3600,
      } as NewEvent),
    );
    expect(later.ok && later.state.testTimeoutS).toBe(3600);
  });

  it.each(refusals)('refuses %s', (_name, events, message) => {
    const v = resumeStateFrom(events);
    expect(v).toMatchObject({ ok: false, refusal: { code: 'integrate/nothing-to-continue', message } });
  });

  const states: Array<[string, LogEvent[], Record<string, unknown>]> = [
    [
      'a conflict left for a person',
      log(started(), clean('a'), tested('a'), conflict('b'), ended('conflict')),
      { merged: ['a'], pending: { feature_id: 'b', files: ['src/x.ts'] }, untested: undefined },
    ],
    [
      'a kill after a merge whose tests never reported',
      log(started(), clean('a'), tested('a'), clean('b')),
      { merged: ['a', 'b'], pending: undefined, untested: 'b' },
    ],
    [
      'a Ctrl-C during the tests after a merge (they never reported)',
      log(started(), clean('a'), tested('a'), clean('b'), ended('interrupted')),
      { merged: ['a', 'b'], pending: undefined, untested: 'b' },
    ],
    [
      'a Ctrl-C while an agent resolved a conflict',
      log(started(), clean('a'), tested('a'), conflict('b'), ended('interrupted')),
      { merged: ['a'], pending: { feature_id: 'b', files: ['src/x.ts'] }, untested: undefined },
    ],
    [
      'a kill after a tested merge',
      log(started(), clean('a'), tested('a')),
      { merged: ['a'], pending: undefined, untested: undefined },
    ],
    [
      'a kill before any merge',
      log(started()),
      { merged: [], steps: [], pending: undefined, untested: undefined },
    ],
    [
      'a conflict resolved by hand, then a kill',
      log(started(), clean('a'), tested('a'), conflict('b'), ended('conflict'), clean('b'), tested('b')),
      { merged: ['a', 'b'], pending: undefined, untested: undefined },
    ],
    [
      'only the last integration, after an earlier one',
      log(started({ order: ['x'] }), clean('x'), ended('clean'), started(), clean('a')),
      { order: ['a', 'b', 'c'], merged: ['a'], untested: 'a' },
    ],
  ];
  it.each(states)('goes on from %s', (_name, events, expected) => {
    const v = resumeStateFrom(events);
    if (!v.ok) throw new Error(v.refusal.message);
    expect(v.state).toMatchObject(
      Object.fromEntries(Object.entries(expected).filter(([, x]) => x !== undefined)),
    );
    for (const [key, value] of Object.entries(expected)) {
      if (value === undefined) expect(v.state).not.toHaveProperty(key);
    }
  });

  it('knows the branch the last --into named (a --continue --into that stopped at the next conflict wins over the first), and moves only the one named now', () => {
    const stoppedAt = (id: string, asked: string): NewEvent[] => [
      conflict(id),
      { ...ended('conflict'), into_refused: 'the integration ended conflict', into_asked: asked } as NewEvent,
    ];
    const first = log(started({ into: 'main' }), clean('a'), ...stoppedAt('b', 'main'));
    const firstState = resumeStateFrom(first);
    expect(firstState.ok && firstState.state.askedInto).toBe('main');
    const later = log(
      started({ into: 'main' }),
      clean('a'),
      ...stoppedAt('b', 'main'),
      clean('b'),
      ...stoppedAt('c', 'release'),
    );
    const v = resumeStateFrom(later);
    expect(v.ok && v.state.askedInto).toBe('release');
    expect(v.ok && v.state.into).toBe(undefined);
    const named = resumeStateFrom(later, { into: 'other' });
    expect(named.ok && named.state.into).toBe('other');
  });

  it('rebuilds every kind of step, including logs written before skips had a kind', () => {
    const v = resumeStateFrom(
      log(
        started({ order: ['a', 'c'] }),
        skipped('n', 'not run: no branch baton/n'),
        skipped('m', 'not run: no branch baton/m', { kind: 'not-run' }),
        skipped('f', 'the agent exited 3', { kind: 'excluded', status: 'failed' }),
        clean('a'),
        tested('a'),
        skipped('e', 'nothing to merge: baton/e adds no commit beyond the integration', {
          kind: 'nothing-to-merge',
        }),
        conflict('c'),
        skipped('c', 'conflicts with a in src/x.ts', { kind: 'conflict' }),
        skipped('d', 'depends on skipped c', { kind: 'dependency' }),
      ),
    );
    if (!v.ok) throw new Error(v.refusal.message);
    expect(v.state.steps).toEqual([
      { feature_id: 'n', status: 'not-run', reason: 'not run: no branch baton/n' },
      { feature_id: 'm', status: 'not-run', reason: 'not run: no branch baton/m' },
      { feature_id: 'f', status: 'not-merged', feature_status: 'failed', reason: 'the agent exited 3' },
      { feature_id: 'a', status: 'merged', commit: 'c-a', duration_ms: 5 },
      {
        feature_id: 'e',
        status: 'nothing-to-merge',
        reason: 'nothing to merge: baton/e adds no commit beyond the integration',
      },
      { feature_id: 'c', status: 'skipped', reason: 'conflicts with a in src/x.ts' },
      { feature_id: 'd', status: 'skipped', reason: 'depends on skipped c' },
    ]);
    expect(v.state.merged).toEqual(['a']);
  });

  it('offers no test command, conflict policy or branch to move from the log: only the command line names them', () => {
    const v = resumeStateFrom(
      log(started({ on_conflict: 'agent', test: 'npm test', into: 'main' }), clean('a')),
    );
    if (!v.ok) throw new Error(v.refusal.message);
    expect(v.state).not.toHaveProperty('policy');
    expect(v.state).not.toHaveProperty('test');
    expect(v.state).not.toHaveProperty('into');
    expect(v.state.askedInto).toBe('main');
  });

  const settings: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      'what --include let in',
      { include: ['failed'], included: [{ feature_id: 'b', status: 'failed' }] },
      { include: ['failed'], included: [{ feature_id: 'b', status: 'failed' }] },
    ],
    ['no --include', {}, { include: [], included: [] }],
    [
      'the worktree, base and start time',
      {},
      { worktree: '/wt/integration', base: 'b4se', startedAt: Date.parse('2026-01-01T00:00:01Z') },
    ],
  ];
  it.each(settings)('keeps %s', (_name, extra, expected) => {
    const v = resumeStateFrom(log(started(extra), clean('a')));
    if (!v.ok) throw new Error(v.refusal.message);
    expect(v.state).toMatchObject(expected);
  });
});

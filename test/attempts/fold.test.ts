import { describe, expect, it } from 'vitest';
import { undecidedReason } from '../../src/attempts/pick.js';
import { undecidedSelects } from '../../src/attempts/plan.js';
import { EVENT_SCHEMAS, type NewEvent } from '../../src/log/events.js';
import { compileFastTest } from '../../src/log/fast-check.js';
import { foldEvents } from '../../src/log/fold.js';
import { parseLogEvent } from '../../src/log/parse-event.js';
import { featureAgentLog } from '../../src/log/paths.js';

let clock = 0;
function stamp(e: NewEvent) {
  clock += 1000;
  return { v: 1 as const, ts: new Date(Date.UTC(2026, 0, 1, 0, 0, clock / 1000)).toISOString(), ...e };
}

const ended = (attempt: number, status: 'complete' | 'failed-checks', p95: number) =>
  stamp({
    type: 'attempt.ended',
    feature_id: 'search',
    attempt,
    status,
    commit: `c${attempt}`,
    files: [`src/a${attempt}.js`],
    checks: {
      passed: status === 'complete' ? 2 : 1,
      failed: status === 'complete' ? 0 : 1,
      unverifiable: 0,
      total: 2,
    },
    measured: { latency: { p95_ms: p95 } },
    lines_changed: 10 * attempt,
    outside_owns: 0,
    cost_usd: 0.5,
    duration_ms: 900,
  });

function bestOfTwo() {
  clock = 0;
  return [
    stamp({
      type: 'run.started',
      run_id: 'r1',
      feature_ids: ['search'],
      concurrency: 2,
      base: 'HEAD',
      base_commit: 'b',
      mode: 'contract-first',
      pid: 1,
    }),
    ...[1, 2].map((n) =>
      stamp({
        type: 'attempt.started',
        run_id: 'r1',
        feature_id: 'search',
        attempt: n,
        agent: 'command',
        branch: `baton/search.a${n}`,
        worktree: `/w/search.a${n}`,
        port: 41000 + 10 * n,
      }),
    ),
    stamp({
      type: 'feature.started',
      feature_id: 'search.a2',
      status: 'running',
      agent: 'command',
      branch: 'baton/search.a2',
      worktree: '/w/search.a2',
      log_file: '/l/a2.log',
      port: 41020,
    }),
    stamp({
      type: 'check.passed',
      feature_id: 'search.a2',
      criterion_id: 'latency',
      text: 'fast',
      kind: 'http',
      on: 'worktree',
      message: 'p95 20 ms',
      measured: { p95_ms: 20 },
    }),
    ended(1, 'failed-checks', 150),
    ended(2, 'complete', 20),
    stamp({
      type: 'attempt.selected',
      feature_id: 'search',
      winner: 2,
      select: 'best',
      reasons: ['attempt 2 passes every criterion; attempt 1 fails 1'],
      ranking: [2, 1],
      branch: 'baton/search',
      commit: 'c2',
    }),
    stamp({ type: 'feature.ended', feature_id: 'search', status: 'complete' }),
  ];
}

/** A `run.started` of feature `search`, with `extra` fields (its attempts, its rule, `resume`). */
const runStarted = (run_id: string, extra: object = {}) =>
  stamp({
    type: 'run.started',
    run_id,
    feature_ids: ['search'],
    concurrency: 2,
    base: 'HEAD',
    base_commit: 'b',
    mode: 'contract-first',
    pid: 2,
    ...extra,
  });

describe('folding best-of-N', () => {
  it('every attempt event passes the log reader and has a compiled fast test', () => {
    for (const type of ['attempt.started', 'attempt.ended', 'attempt.selected', 'attempt.picked'] as const)
      expect(compileFastTest(EVENT_SCHEMAS[type]), type).toBeDefined();
    for (const e of bestOfTwo()) expect(parseLogEvent(e), e.type).toBeDefined();
    expect(
      parseLogEvent({ ...ended(1, 'complete', 1), measured: { latency: { p95_ms: 'slow' } } }),
    ).toBeUndefined();
  });

  it('keeps attempts under their feature, their own events apart, and the winner on the feature', () => {
    const state = foldEvents(bestOfTwo());
    expect(Object.keys(state.features)).toEqual(['search']);
    expect(Object.keys(state.attempt_units ?? {})).toEqual(['search.a2']);
    const f = state.features.search!;
    expect(f.status).toBe('complete');
    expect(f.attempts?.['1']).toMatchObject({
      status: 'failed-checks',
      lines_changed: 10,
      measured: { latency: { p95_ms: 150 } },
    });
    expect(f.attempts?.['2']).toMatchObject({
      status: 'complete',
      branch: 'baton/search.a2',
      worktree: '/w/search.a2',
    });
    expect(f.winner).toMatchObject({ attempt: 2, ranking: [2, 1] });
    expect(f.commit).toBe('c2');
    expect(f.files).toEqual(['src/a2.js']);
    expect(f.checks.latency?.measured?.p95_ms).toBe(20);
    expect(f.branch).toBe('baton/search');
  });

  it('a pick moves the winner and takes the picked attempt status', () => {
    const state = foldEvents([
      ...bestOfTwo(),
      stamp({ type: 'attempt.picked', feature_id: 'search', attempt: 1, previous: 2, commit: 'c1' }),
    ]);
    const f = state.features.search!;
    expect(f.winner).toMatchObject({ attempt: 1, picked: true });
    expect(f.winner?.reasons[0]).toMatch(/picked by hand over attempt 2/);
    expect(f.status).toBe('failed-checks');
    expect(f.commit).toBe('c1');
  });

  it('a plain rerun of the feature (its own feature.started) clears the winner and keeps the attempts, decided; a pick brings one back', () => {
    const rerun = stamp({
      type: 'feature.started',
      feature_id: 'search',
      status: 'running',
      agent: 'command',
      branch: 'baton/search',
      worktree: '/w/search',
      log_file: '/l/search.log',
      port: 41000,
    });
    const f = foldEvents([...bestOfTwo(), rerun]).features.search!;
    expect(f.winner).toBeUndefined();
    expect(f.attempts_superseded).toBe(true);
    expect(Object.keys(f.attempts ?? {})).toEqual(['1', '2']);
    expect(undecidedReason(f)).toBeUndefined();
    const picked = foldEvents([
      ...bestOfTwo(),
      rerun,
      stamp({ type: 'attempt.picked', feature_id: 'search', attempt: 2, commit: 'c2' }),
    ]).features.search!;
    expect(picked.winner).toMatchObject({ attempt: 2, picked: true });
    expect(picked.attempts_superseded).toBeUndefined();
  });

  it('a fresh run forgets the attempts; a resumed run keeps them', () => {
    const fresh = runStarted('r2');
    expect(foldEvents([...bestOfTwo(), fresh]).features.search?.attempts).toBeUndefined();
    const resumed = { ...fresh, resume: true };
    expect(Object.keys(foldEvents([...bestOfTwo(), resumed]).features.search?.attempts ?? {})).toEqual([
      '1',
      '2',
    ]);
  });

  it("a fresh run forgets the earlier winner's work: commit, files, agent log, worktree, usage (no agent log named)", () => {
    const before = foldEvents(bestOfTwo()).features.search!;
    expect(before).toMatchObject({ commit: 'c2', files: ['src/a2.js'], log_file: '/l/a2.log' });
    const next = stamp({
      type: 'attempt.started',
      run_id: 'r2',
      feature_id: 'search',
      attempt: 1,
      agent: 'command',
      branch: 'baton/search.a1',
      worktree: '/w/search.a1',
      port: 41010,
    });
    const f = foldEvents([...bestOfTwo(), runStarted('r2', { attempts: { search: 2 } }), next]).features
      .search!;
    expect(f.status).toBe('running');
    expect(f).toMatchObject({ commit: undefined, files: [], log_file: undefined, worktree: undefined });
    expect(f.usage).toBeUndefined();
    expect(featureAgentLog('/repo', f)).toBeUndefined();
    // A resume keeps them (the winner may be kept from the earlier run).
    const resumed = foldEvents([...bestOfTwo(), runStarted('r2', { resume: true })]).features.search!;
    expect(resumed).toMatchObject({ commit: 'c2', files: ['src/a2.js'], log_file: '/l/a2.log' });
  });

  it("keeps each best-of-N feature's rule from run.started for a resume, while undecided; a fresh run without one forgets it", () => {
    const first = runStarted('r0', { attempts: { search: 2 }, select: { search: 'first-passing' } });
    expect(compileFastTest(EVENT_SCHEMAS['run.started'])).toBeDefined();
    expect(parseLogEvent(first)).toBeDefined();
    expect(parseLogEvent({ ...first, select: { search: 'fastest' } })).toBeUndefined();
    const [, ...rest] = bestOfTwo();
    const undecided = foldEvents([
      first,
      ...rest.filter((e) => e.type !== 'attempt.selected' && e.type !== 'feature.ended'),
    ]);
    expect(undecided.features.search?.planned_select).toBe('first-passing');
    expect(undecidedSelects(undecided, ['search'])).toEqual(new Map([['search', 'first-passing']]));
    // Decided: nothing left for a resume to select.
    expect(undecidedSelects(foldEvents([first, ...rest]), ['search'])).toEqual(new Map());
    // A log written before the rule was recorded has none.
    expect(undecidedSelects(foldEvents(bestOfTwo()), ['search'])).toEqual(new Map());
    const fresh = foldEvents([first, runStarted('r1')]);
    expect(fresh.features.search?.planned_select).toBeUndefined();
  });
});

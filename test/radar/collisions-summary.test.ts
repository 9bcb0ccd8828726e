import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { foldEvents } from '../../src/log/fold.js';
import { summariseCollisions } from '../../src/metrics/collisions.js';
import { splitIntegrationAttempts } from '../../src/metrics/integration.js';

/** The collisions judged as the report judges them: the delivered attempts, the fold's winners. */
function summarise(events: readonly LogEvent[]) {
  return summariseCollisions(events, splitIntegrationAttempts(events).delivered, foldEvents(events));
}

const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 10, min)).toISOString();
const detected = (
  id: string,
  min: number,
  kind: 'overlap' | 'conflict' | 'owned',
  paths: string[],
): LogEvent => ({
  v: 1,
  ts: at(min),
  type: 'collision.detected',
  collision_id: id,
  features: id.split('+'),
  kind,
  paths,
  second: id.split('+')[1]!,
});

/** Attempt 2 of best-of-N feature `a` chosen, at minute `min`. */
const selectedSecond = (min: number): LogEvent => ({
  v: 1,
  ts: at(min),
  type: 'attempt.selected',
  feature_id: 'a',
  winner: 2,
  select: 'best',
  reasons: [],
  ranking: [2, 1],
  branch: 'baton/a',
});

describe('summariseCollisions', () => {
  it('measures how early each collision was seen and whether integration proved it right', () => {
    const events: LogEvent[] = [
      detected('a+b', 2, 'overlap', ['src/db.ts']),
      // The same pair seen again later as a conflict: one collision, first seen at minute 2, its last kind.
      detected('a+b', 4, 'conflict', ['src/db.ts']),
      detected('c+d', 6, 'owned', ['src/d/api.ts']),
      detected('e+f', 7, 'overlap', ['README.md']),
      { v: 1, ts: at(8), type: 'collision.resolved', collision_id: 'e+f', features: ['e', 'f'] },
      {
        v: 1,
        ts: at(12),
        type: 'integration.started',
        branch: 'baton/integration',
        worktree: '/w',
        order: ['a', 'b', 'c', 'd'],
      },
      {
        v: 1,
        ts: at(13),
        type: 'merge.conflict',
        feature_id: 'b',
        files: ['src/db.ts'],
        with: ['a'],
        duration_ms: 100,
      },
    ];
    const s = summarise(events);
    expect(s.count).toBe(3);
    expect(s.confirmed).toBe(1);
    expect(
      s.records.map((r) => [
        r.features.join('+'),
        r.kind,
        r.lead_min,
        r.integration_conflicted,
        r.integration,
        r.not_merged,
      ]),
    ).toEqual([
      ['a+b', 'conflict', 10, true, 'conflicted', undefined],
      // Integration stopped at b before c and d: never "merged cleanly".
      ['c+d', 'owned', 6, false, 'not-merged', ['c', 'd']],
      ['e+f', 'overlap', 5, false, 'not-merged', ['e', 'f']],
    ]);
    expect(s.records[2]?.resolved_at).toBe(at(8));
    // Median of 10, 6 and 5 minutes of warning.
    expect(s.median_lead_min).toBe(6);
  });

  it('leaves lead time and the verdict unknown before integration', () => {
    const s = summarise([detected('a+b', 1, 'conflict', ['x.ts'])]);
    expect(s.records[0]).toMatchObject({ lead_min: null, integration_conflicted: null });
    expect(s.median_lead_min).toBeNull();
  });

  const started = (min: number, order: string[]): LogEvent => ({
    v: 1,
    ts: at(min),
    type: 'integration.started',
    branch: 'baton/integration',
    worktree: '/w',
    order,
  });
  const clean = (min: number, feature: string): LogEvent => ({
    v: 1,
    ts: at(min),
    type: 'merge.clean',
    feature_id: feature,
    commit: 'c0ffee',
    duration_ms: 1,
  });

  it("judges only a best-of-N feature's chosen attempt against the integration", () => {
    const events: LogEvent[] = [
      detected('a.a1+b', 1, 'conflict', ['src/shared.txt']),
      detected('a.a2+b', 2, 'conflict', ['src/shared.txt']),
      selectedSecond(3),
      started(4, ['a', 'b']),
      clean(5, 'a'),
      {
        v: 1,
        ts: at(6),
        type: 'merge.conflict',
        feature_id: 'b',
        files: ['src/shared.txt'],
        with: ['a'],
        duration_ms: 1,
      },
    ];
    const s = summarise(events);
    expect(s.confirmed).toBe(1);
    expect(s.records.map((r) => [r.features.join('+'), r.integration, r.not_merged])).toEqual([
      ['a.a1+b', 'not-merged', ['a.a1']],
      ['a.a2+b', 'conflicted', undefined],
    ]);
    // `baton pick` moves the branch to attempt 1: its collision is the one integration judges.
    const picked = summarise([
      ...events.slice(0, 3),
      { v: 1, ts: at(3), type: 'attempt.picked', feature_id: 'a', attempt: 1, previous: 2, commit: 'c' },
      ...events.slice(3),
    ]);
    expect(picked.records.map((r) => r.integration)).toEqual(['conflicted', 'not-merged']);
  });

  it('never calls a pair "merged" when integration left one side out', () => {
    const s = summarise([
      detected('a+b', 1, 'conflict', ['src/shared.txt']),
      started(2, ['a']),
      clean(3, 'a'),
      {
        v: 1,
        ts: at(3),
        type: 'merge.skipped',
        feature_id: 'b',
        reason: 'empty',
        kind: 'excluded',
        status: 'empty',
      },
      detected('a+c', 1, 'overlap', ['README.md']),
      clean(4, 'c'),
    ]);
    expect(s.records.map((r) => [r.features.join('+'), r.integration, r.not_merged])).toEqual([
      ['a+b', 'not-merged', ['b']],
      ['a+c', 'merged', undefined],
    ]);
    expect(s.confirmed).toBe(0);
  });

  const conflict = (min: number, feature: string, other: string): LogEvent => ({
    v: 1,
    ts: at(min),
    type: 'merge.conflict',
    feature_id: feature,
    files: ['src/shared.txt'],
    with: [other],
    duration_ms: 1,
  });

  it('judges a collision by the delivered integration, never by an attempt discarded since', () => {
    const first = started(4, ['a', 'b']);
    const s = summarise([
      detected('a+b', 1, 'conflict', ['src/shared.txt']),
      first,
      clean(5, 'a'),
      conflict(6, 'b', 'a'),
      // `baton clean --force integration` threw that attempt away; the next one merged both.
      { v: 1, ts: at(7), type: 'integration.discarded', branch: 'baton/integration', started_at: first.ts },
      started(9, ['a', 'b']),
      clean(10, 'a'),
      clean(11, 'b'),
    ]);
    expect(s.confirmed).toBe(0);
    // The warning's lead runs to the delivered attempt's start.
    expect(s.records).toEqual([
      expect.objectContaining({ integration: 'merged', integration_conflicted: false, lead_min: 8 }),
    ]);
  });

  it("judges no attempt's collision once a plain rerun took over from the attempts (the fold's winner)", () => {
    const s = summarise([
      {
        v: 1,
        ts: at(0),
        type: 'attempt.started',
        feature_id: 'a',
        attempt: 2,
        agent: 'command',
        branch: 'baton/a/a2',
        worktree: '/w/a.a2',
        port: 4000,
      },
      detected('a.a2+b', 1, 'conflict', ['src/shared.txt']),
      selectedSecond(2),
      // `run --resume` reran a as one agent on baton/a: no attempt is its work any more.
      {
        v: 1,
        ts: at(3),
        type: 'feature.started',
        feature_id: 'a',
        status: 'running',
        agent: 'command',
        branch: 'baton/a',
        worktree: '/w/a',
        log_file: '/w/a.log',
        port: 4000,
      },
      started(4, ['a', 'b']),
      clean(5, 'a'),
      conflict(6, 'b', 'a'),
    ]);
    expect(s.confirmed).toBe(0);
    expect(s.records.map((r) => [r.integration, r.not_merged])).toEqual([['not-merged', ['a.a2']]]);
  });
});

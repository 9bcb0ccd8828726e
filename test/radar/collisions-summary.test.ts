import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { summariseCollisions } from '../../src/metrics/collisions.js';

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
    const s = summariseCollisions(events);
    expect(s.count).toBe(3);
    expect(s.confirmed).toBe(1);
    expect(
      s.records.map((r) => [r.features.join('+'), r.kind, r.lead_min, r.integration_conflicted]),
    ).toEqual([
      ['a+b', 'conflict', 10, true],
      ['c+d', 'owned', 6, false],
      ['e+f', 'overlap', 5, false],
    ]);
    expect(s.records[2]?.resolved_at).toBe(at(8));
    // Median of 10, 6 and 5 minutes of warning.
    expect(s.median_lead_min).toBe(6);
  });

  it('leaves lead time and the verdict unknown before integration', () => {
    const s = summariseCollisions([detected('a+b', 1, 'conflict', ['x.ts'])]);
    expect(s.records[0]).toMatchObject({ lead_min: null, integration_conflicted: null });
    expect(s.median_lead_min).toBeNull();
  });
});

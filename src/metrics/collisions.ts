import { featureOfUnit, parseAttemptUnitId } from '../contracts/feature-id.js';
import type { LogEvent } from '../log/events.js';

/**
 * What integration did with a collision's pair: `conflicted` on its paths, `merged` (both sides merged
 * without a conflict there), or `not-merged` (a side never reached it: a best-of-N attempt that did not
 * win, a feature integration left out or has not merged yet); null before integration.
 */
export type CollisionIntegration = 'conflicted' | 'merged' | 'not-merged' | null;

/** One collision the radar reported during a run, judged against what integration then did. */
export interface CollisionRecord {
  features: string[];
  kind: 'overlap' | 'conflict' | 'owned';
  paths: string[];
  detected_at: string;
  resolved_at: string | null;
  /** Minutes between the first detection and the start of integration; null when integration did not start. */
  lead_min: number | null;
  /** Whether integration then conflicted on one of these paths between these features; null before integration. */
  integration_conflicted: boolean | null;
  /** What integration did with the pair (`integration_conflicted` is true only for `conflicted`). */
  integration: CollisionIntegration;
  /** With `not-merged`: the sides (unit ids) integration did not merge: the losing attempts, else the features left out. */
  not_merged?: string[];
}

/** The radar's early-warning value, measured: what it saw, how early, and whether it was right. */
export interface CollisionSummary {
  count: number;
  /** Collisions whose paths later conflicted at integration (the warnings that came true). */
  confirmed: number;
  /** Median minutes of warning before integration began, over collisions seen before it. */
  median_lead_min: number | null;
  records: CollisionRecord[];
}

/**
 * Summarises the radar's collisions of one run (pure): each collision id counts once, with its
 * first detection, its last kind and paths, and whether a later `merge.conflict` between the same
 * features touched the same paths. The radar names units (`a.a2` for a best-of-N attempt): only a
 * feature's chosen attempt reaches the integration, so a losing attempt's collisions are `not-merged`.
 */
export function summariseCollisions(events: readonly LogEvent[]): CollisionSummary {
  const byId = new Map<string, CollisionRecord>();
  let integrationAt: string | null = null;
  const conflicts: Array<{ pair: string[]; files: string[] }> = [];
  /** Each best-of-N feature's attempt on its branch: the last one selected or picked. */
  const chosen = new Map<string, number>();
  const merged = new Set<string>();
  for (const e of events) {
    if (e.type === 'collision.detected') {
      const before = byId.get(e.collision_id);
      byId.set(e.collision_id, {
        features: [...e.features].sort(),
        kind: e.kind,
        paths: [...e.paths],
        detected_at: before?.detected_at ?? e.ts,
        resolved_at: null,
        lead_min: null,
        integration_conflicted: null,
        integration: null,
      });
    } else if (e.type === 'collision.resolved') {
      const r = byId.get(e.collision_id);
      if (r) r.resolved_at = e.ts;
    } else if (e.type === 'integration.started') {
      integrationAt ??= e.ts;
    } else if (e.type === 'merge.conflict') {
      conflicts.push({ pair: [e.feature_id, ...e.with], files: e.files });
    } else if (e.type === 'merge.clean') {
      merged.add(e.feature_id);
    } else if (e.type === 'attempt.selected') {
      chosen.set(e.feature_id, e.winner);
    } else if (e.type === 'attempt.picked') {
      chosen.set(e.feature_id, e.attempt);
    }
  }
  /** Whether a unit's work is what integration merges for its feature (a plain feature, or its chosen attempt). */
  const reachesIntegration = (unit: string): boolean => {
    const attempt = parseAttemptUnitId(unit);
    return attempt === undefined || chosen.get(attempt.featureId) === attempt.attempt;
  };
  const records = [...byId.values()].map((r) => {
    if (integrationAt === null) return r;
    const lead = (Date.parse(integrationAt) - Date.parse(r.detected_at)) / 60_000;
    const features = r.features.map(featureOfUnit);
    const conflicted =
      r.features.every(reachesIntegration) &&
      conflicts.some(
        (c) => features.every((f) => c.pair.includes(f)) && c.files.some((f) => r.paths.includes(f)),
      );
    // A losing attempt is the reason its pair was not integrated; otherwise, the side integration left out.
    const losers = r.features.filter((u) => !reachesIntegration(u));
    const notMerged = losers.length > 0 ? losers : r.features.filter((u) => !merged.has(featureOfUnit(u)));
    const integration: CollisionIntegration = conflicted
      ? 'conflicted'
      : notMerged.length === 0
        ? 'merged'
        : 'not-merged';
    return {
      ...r,
      lead_min: lead >= 0 ? lead : null,
      integration_conflicted: conflicted,
      integration,
      ...(integration === 'not-merged' ? { not_merged: notMerged } : {}),
    };
  });
  const leads = records
    .map((r) => r.lead_min)
    .filter((m): m is number => m !== null)
    .sort((a, b) => a - b);
  const mid = leads.length >> 1;
  const median =
    leads.length === 0 ? null : leads.length % 2 ? leads[mid]! : (leads[mid - 1]! + leads[mid]!) / 2;
  return {
    count: records.length,
    confirmed: records.filter((r) => r.integration_conflicted === true).length,
    median_lead_min: median,
    records,
  };
}

import { featureOfUnit, parseAttemptUnitId } from '../contracts/feature-id.js';
import type { LogEvent } from '../log/events.js';
import type { BatonState } from '../log/state.js';

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
  /**
   * Minutes between the first detection and the start of the first delivered integration attempt; null
   * when none started (an attempt discarded since does not count), or when it started before the detection.
   */
  lead_min: number | null;
  /**
   * Whether the delivered integration conflicted on one of these paths between these features; null
   * before integration. Derived from `integration` (true only for `conflicted`), kept for readers of the JSON.
   */
  integration_conflicted: boolean | null;
  /** What the delivered integration did with the pair. */
  integration: CollisionIntegration;
  /** With `not-merged`: the sides (unit ids) integration did not merge: the losing attempts, else the features left out. */
  not_merged?: string[];
}

/** The radar's early-warning value, measured: what it saw, how early, and whether it was right. */
export interface CollisionSummary {
  count: number;
  /** Collisions whose paths later conflicted at the delivered integration (the warnings that came true). */
  confirmed: number;
  /** Median minutes of warning before integration began, over collisions seen before it. */
  median_lead_min: number | null;
  records: CollisionRecord[];
}

/**
 * Summarises the radar's collisions of one run (pure): each collision id counts once, with its
 * first detection, its last kind and paths, and what the delivered integration (`delivered`: the
 * events of `splitIntegrationAttempts(...).delivered`) did with its pair: a later `merge.conflict` between the same features on the same paths, both merged,
 * or a side left out. An attempt discarded (`--fresh`, `baton clean`) counts for nothing here, as
 * everywhere in the report. The radar names units (`a.a2` for a best-of-N attempt): only a feature's
 * winner (the fold's `winner`, in `state`) reaches the integration, so a losing attempt's collisions are `not-merged`.
 */
export function summariseCollisions(
  events: readonly LogEvent[],
  delivered: readonly LogEvent[],
  state: Pick<BatonState, 'features'>,
): CollisionSummary {
  const byId = new Map<string, CollisionRecord>();
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
        ...judged(null),
      });
    } else if (e.type === 'collision.resolved') {
      const r = byId.get(e.collision_id);
      if (r) r.resolved_at = e.ts;
    }
  }
  let integrationAt: string | null = null;
  const conflicts: Array<{ pair: string[]; files: string[] }> = [];
  const merged = new Set<string>();
  for (const e of delivered) {
    if (e.type === 'integration.started') integrationAt ??= e.ts;
    else if (e.type === 'merge.conflict') conflicts.push({ pair: [e.feature_id, ...e.with], files: e.files });
    else if (e.type === 'merge.clean') merged.add(e.feature_id);
  }
  /** Whether a unit's work is what integration merges for its feature (a plain feature, or its winner). */
  const reachesIntegration = (unit: string): boolean => {
    const attempt = parseAttemptUnitId(unit);
    return attempt === undefined || state.features[attempt.featureId]?.winner?.attempt === attempt.attempt;
  };
  const records = [...byId.values()].map((r): CollisionRecord => {
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
    const verdict: CollisionIntegration = conflicted
      ? 'conflicted'
      : notMerged.length === 0
        ? 'merged'
        : 'not-merged';
    return {
      ...r,
      lead_min: lead >= 0 ? lead : null,
      ...judged(verdict),
      ...(verdict === 'not-merged' ? { not_merged: notMerged } : {}),
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
    confirmed: records.filter((r) => r.integration === 'conflicted').length,
    median_lead_min: median,
    records,
  };
}

/** A record's verdict and `integration_conflicted`, derived from it: one source for both. */
function judged(
  integration: CollisionIntegration,
): Pick<CollisionRecord, 'integration' | 'integration_conflicted'> {
  return {
    integration,
    integration_conflicted: integration === null ? null : integration === 'conflicted',
  };
}

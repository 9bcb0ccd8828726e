import type { LogEvent } from '../log/events.js';

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
 * features touched the same paths.
 */
export function summariseCollisions(events: readonly LogEvent[]): CollisionSummary {
  const byId = new Map<string, CollisionRecord>();
  let integrationAt: string | null = null;
  const conflicts: Array<{ pair: string[]; files: string[] }> = [];
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
      });
    } else if (e.type === 'collision.resolved') {
      const r = byId.get(e.collision_id);
      if (r) r.resolved_at = e.ts;
    } else if (e.type === 'integration.started') {
      integrationAt ??= e.ts;
    } else if (e.type === 'merge.conflict') {
      conflicts.push({ pair: [e.feature_id, ...e.with], files: e.files });
    }
  }
  const records = [...byId.values()].map((r) => {
    if (integrationAt === null) return r;
    const lead = (Date.parse(integrationAt) - Date.parse(r.detected_at)) / 60_000;
    const conflicted = conflicts.some(
      (c) => r.features.every((f) => c.pair.includes(f)) && c.files.some((f) => r.paths.includes(f)),
    );
    return { ...r, lead_min: lead >= 0 ? lead : null, integration_conflicted: conflicted };
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

import type { Plan } from '../graph/types.js';
import { coveredMs } from './intervals.js';
import type { CriticalPath, FeatureReport, GraphReport } from './types.js';

/**
 * The contracts' critical path when the run covers it (pure). Absent, with the reason, when no
 * contract of the path has an estimate: a chain of unknown length is not a path of 0 minutes.
 */
export function plannedCriticalPath(
  plan: Plan | undefined,
  featureIds: readonly string[],
): { path: CriticalPath | null; unknown: string | null } {
  if (!plan || plan.critical_path.feature_ids.length === 0) return { path: null, unknown: null };
  const inRun = new Set(featureIds);
  if (!plan.critical_path.feature_ids.every((id) => inRun.has(id))) return { path: null, unknown: null };
  const estimated = plan.features.some((c) => c.estimate_minutes !== undefined);
  if (!estimated) {
    return {
      path: null,
      unknown:
        'Critical path (estimates): unknown — no contract has `estimate_minutes`, as `baton plan` says.',
    };
  }
  return {
    path: { feature_ids: [...plan.critical_path.feature_ids], minutes: plan.critical_path.minutes },
    unknown: null,
  };
}

/** Wall-clock minutes the features' bars cover together, overlaps once; null if one is open (pure). */
export function chainWallMin(features: readonly FeatureReport[], ids: readonly string[]): number | null {
  const byId = new Map(features.map((f) => [f.feature_id, f]));
  const spans = ids.map((id) => ({
    start: byId.get(id)?.start_min ?? null,
    end: byId.get(id)?.end_min ?? null,
  }));
  return coveredMs(spans);
}

/** The longest chain of dependent features by measured agent time (without a plan, the longest feature). */
export function measuredCriticalPath(
  features: readonly FeatureReport[],
  plan: Plan | undefined,
): CriticalPath | null {
  const ran = features.filter((f) => f.launched);
  if (ran.length === 0 || ran.some((f) => f.duration_min === null)) return null;
  const weight = new Map(ran.map((f) => [f.feature_id, f.duration_min ?? 0]));
  const order = plan ? plan.order.filter((id) => weight.has(id)) : [];
  for (const f of ran) if (!order.includes(f.feature_id)) order.push(f.feature_id);
  const deps = new Map<string, string[]>();
  for (const e of plan?.edges ?? []) {
    if (weight.has(e.from) && weight.has(e.to)) deps.set(e.to, [...(deps.get(e.to) ?? []), e.from]);
  }
  const best = new Map<string, { minutes: number; path: string[] }>();
  for (const id of order) {
    let prev: { minutes: number; path: string[] } = { minutes: 0, path: [] };
    for (const d of deps.get(id) ?? []) {
      const b = best.get(d);
      if (b && b.minutes > prev.minutes) prev = b;
    }
    best.set(id, { minutes: prev.minutes + (weight.get(id) ?? 0), path: [...prev.path, id] });
  }
  let top: { minutes: number; path: string[] } | undefined;
  for (const v of best.values()) if (!top || v.minutes > top.minutes) top = v;
  return top
    ? { feature_ids: top.path, minutes: top.minutes, wall_min: chainWallMin(features, top.path) }
    : null;
}

/** The run's dependency graph in waves, when contracts were available (pure). */
export function buildGraph(plan: Plan | undefined, featureIds: readonly string[]): GraphReport | null {
  if (!plan) return null;
  const inRun = new Set(featureIds.length > 0 ? featureIds : plan.order);
  return {
    waves: plan.waves.map((w) => w.filter((id) => inRun.has(id))).filter((w) => w.length > 0),
    edges: plan.edges
      .filter((e) => inRun.has(e.from) && inRun.has(e.to))
      .map((e) => ({ from: e.from, to: e.to })),
    critical: plan.critical_path.feature_ids.filter((id) => inRun.has(id)),
  };
}

import type { Plan } from '../graph/types.js';
import { coveredMs, type Interval } from './intervals.js';

const MINUTE = 60_000;

import type { CriticalPath, FeatureReport, GraphReport } from './types.js';

/**
 * The contracts' critical path when the run covers it (pure). Absent, with the reason, when a
 * contract has no estimate (`plan.unestimated`): a chain of unknown length is not a path of 0 minutes.
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
  if (plan.unestimated.length > 0) {
    return {
      path: null,
      unknown: `Critical path (estimates): unknown — no \`estimate_minutes\` in the contracts of ${plan.unestimated.join(', ')}, as \`baton plan\` says.`,
    };
  }
  return {
    path: { feature_ids: [...plan.critical_path.feature_ids], minutes: plan.critical_path.minutes },
    unknown: null,
  };
}

/**
 * Wall-clock minutes the chain's agents covered together, overlaps once (pure): the union of each
 * feature's `agentSpans`, so neither its checks nor the pause between a run and its `run --resume`
 * count. Null when a feature's spans are unknown.
 */
export function chainWallMin(
  spans: ReadonlyMap<string, readonly Interval[] | null>,
  ids: readonly string[],
): number | null {
  const all: Interval[] = [];
  for (const id of ids) {
    const own = spans.get(id);
    if (!own) return null;
    all.push(...own);
  }
  const ms = coveredMs(all);
  return ms === null ? null : ms / MINUTE;
}

/** Overlap shorter than this is the log's timestamps, not agents working side by side. */
const OVERLAP_NOISE_MIN = 1 / 60;

/**
 * Whether a measured chain's features overlapped in time (pure), the one rule for "in a row": its
 * agents covered less wall-clock (`wall_min`) than their time adds up to, so some ran side by side
 * (contract-first). A chain that ran one after another covers all of it; one whose wall-clock is
 * unknown is not said to overlap.
 */
export function chainOverlapped(chain: CriticalPath | null): boolean {
  const wall = chain?.wall_min ?? null;
  return (
    chain !== null &&
    chain.feature_ids.length > 1 &&
    wall !== null &&
    wall < chain.minutes - OVERLAP_NOISE_MIN
  );
}

/**
 * The longest chain of dependent features by measured agent time (without a plan, the longest
 * feature), with the wall-clock its agents covered (`chainWallMin` over `spans`, each feature's
 * `agentSpans`).
 */
export function measuredCriticalPath(
  features: readonly FeatureReport[],
  plan: Plan | undefined,
  spans: ReadonlyMap<string, readonly Interval[] | null>,
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
    ? { feature_ids: top.path, minutes: top.minutes, wall_min: chainWallMin(spans, top.path) }
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

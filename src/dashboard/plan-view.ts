/** The plan as the page gets it (pure): its contracts, waves, edges, overlaps and bounds. */
import { criteriaFor } from '../checks/criteria.js';
import type { Edge, OwnershipOverlap, Plan } from '../graph/types.js';

/** What the page needs of one contract. */
export interface ProjectFeatureView {
  id: string;
  title: string;
  depends_on: string[];
  estimate_minutes?: number;
  /** Criteria checked in the feature's worktree, the implicit `owns` one included. */
  criteria: number;
  /** Criteria checked after integration. */
  integration_criteria: number;
  file: string;
}

/** What the page needs of the plan: the features, the waves and edges of the graph, the bounds. */
export interface ProjectView {
  features: ProjectFeatureView[];
  waves: string[][];
  edges: Edge[];
  /** Independent pairs whose `owns` overlap (the plan's owns overlaps), drawn as dashed links. */
  overlaps: OwnershipOverlap[];
  critical_path: string[];
  sequential_minutes: number;
  parallel_minutes: number;
  max_speedup?: number;
}

/** Describes a plan for the page (pure). */
export function describePlan(plan: Plan): ProjectView {
  return {
    features: plan.features.map((c) => ({
      id: c.feature_id,
      title: c.title,
      depends_on: [...c.depends_on.features],
      ...(c.estimate_minutes === undefined ? {} : { estimate_minutes: c.estimate_minutes }),
      criteria: criteriaFor(c, 'worktree').length,
      integration_criteria: c.acceptance_criteria.filter((a) => a.after === 'integration').length,
      file: c.file,
    })),
    waves: plan.waves.map((w) => [...w]),
    edges: plan.edges.map((e) => ({ from: e.from, to: e.to })),
    overlaps: plan.integration_points.overlaps.map((o) => ({ a: o.a, b: o.b, pattern: o.pattern })),
    critical_path: [...plan.critical_path.feature_ids],
    sequential_minutes: plan.amdahl.sequential_minutes,
    parallel_minutes: plan.amdahl.parallel_minutes,
    ...(plan.amdahl.max_speedup === undefined ? {} : { max_speedup: plan.amdahl.max_speedup }),
  };
}

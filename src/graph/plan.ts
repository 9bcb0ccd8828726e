import { unknownDependencyHint } from '../contracts/dependency-hint.js';
import { diagnosticAt } from '../contracts/diagnostic-at.js';
import { type Contract, MAX_ESTIMATE_MINUTES } from '../contracts/schema.js';
import type { Diagnostic, Result } from '../errors.js';
import { dependencyRelation } from './ancestors.js';
import { judgeOverlaps } from './overlap.js';
import { byString, sequenceGraph } from './sequence.js';
import type { Edge, Plan } from './types.js';

/** Inputs to planning beyond the contracts. */
export interface BuildPlanOptions {
  /** Tracked repository files (relative paths), so ownership overlaps are also judged on real files. */
  files?: readonly string[];
}

/** Validates the feature graph and computes waves, critical path, integration points and Amdahl's bound (pure). */
export function buildPlan(contracts: readonly Contract[], options: BuildPlanOptions = {}): Result<Plan> {
  const { byId, errors } = indexContracts(contracts);
  // Every problem of the graph in one pass: ids declared twice, unknown dependencies, and the cycles
  // among the features that are known (the first of a repeated id stands for it).
  const graph = new Map<string, readonly string[]>();
  for (const [id, c] of byId)
    graph.set(
      id,
      c.depends_on.features.filter((dep) => byId.has(dep)),
    );
  const sequence = sequenceGraph(graph, byString);
  const overflow = estimatesOverflow([...byId.values()]);
  if (overflow) errors.push(overflow);
  if (!sequence.safe) errors.push(...sequence.cycles.map((cycle) => cycleError(cycle, byId)));
  if (errors.length > 0 || !sequence.safe) return { ok: false, errors };

  const waves = sequence.chunks;
  const order = waves.flat();
  const position = new Map(order.map((id, i) => [id, i]));
  const edges: Edge[] = [];
  for (const id of order) {
    const deps = [...new Set(byId.get(id)?.depends_on.features ?? [])];
    deps.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    for (const from of deps) edges.push({ from, to: id });
  }
  const critical = criticalPath(order, byId, position);

  const { related } = dependencyRelation(order, (id) => byId.get(id)?.depends_on.features ?? []);
  const features = order.map((id) => byId.get(id) as Contract);
  const { overlaps, open: unsettled } = judgeOverlaps(features, related, options.files);

  const n = features.length;
  const sequential = features.reduce((sum, c) => sum + (c.estimate_minutes ?? 0), 0);
  // A missing estimate is unknown, not 0: with one, neither the critical path nor the bound is known.
  const unestimated = order.filter((id) => byId.get(id)?.estimate_minutes === undefined);
  const plan: Plan = {
    features,
    byId,
    order,
    waves,
    edges,
    critical_path: critical,
    unestimated,
    integration_points: { potential: (n * (n - 1)) / 2, declared: edges.length, overlaps, unsettled },
    amdahl: {
      sequential_minutes: sequential,
      parallel_minutes: critical.minutes,
      max_speedup:
        critical.minutes > 0 && unestimated.length === 0 ? sequential / critical.minutes : undefined,
    },
  };
  return { ok: true, value: plan, warnings: [] };
}

/** The contracts by id (the first of a repeated id), with the ids declared twice and the dependencies on unknown features. */
function indexContracts(contracts: readonly Contract[]): {
  byId: Map<string, Contract>;
  errors: Diagnostic[];
} {
  const errors: Diagnostic[] = [];
  const byId = new Map<string, Contract>();
  for (const c of contracts) {
    const first = byId.get(c.feature_id);
    if (first) {
      errors.push(
        at(c, 'feature_id', {
          code: 'plan/duplicate-id',
          message: `feature_id "${c.feature_id}" is declared twice: in ${first.file} and in ${c.file}`,
          hint: 'Every feature needs its own id; rename one of them (and its folder).',
        }),
      );
      continue;
    }
    byId.set(c.feature_id, c);
  }

  const known = [...byId.keys()].sort(byString);
  for (const c of contracts) {
    c.depends_on.features.forEach((dep, i) => {
      if (byId.has(dep)) return;
      errors.push(
        at(c, `depends_on.features.${i}`, {
          code: 'plan/unknown-dependency',
          message: `${c.feature_id} depends on "${dep}", which is not a known feature; known ids: ${listIds(known)}`,
          hint: unknownDependencyHint(c.feature_id, dep, known),
        }),
      );
    });
  }
  return { byId, errors };
}

/**
 * The error for estimates that add up to no number (Infinity or NaN), at the largest, or undefined: the
 * schema bounds each one, so only contracts built in code get here, and no sum of them is ever printed.
 */
function estimatesOverflow(contracts: readonly Contract[]): Diagnostic | undefined {
  const sum = contracts.reduce((total, c) => total + (c.estimate_minutes ?? 0), 0);
  if (Number.isFinite(sum)) return undefined;
  const largest = contracts.reduce((a, b) =>
    Number.isNaN(b.estimate_minutes) || (b.estimate_minutes ?? 0) > (a.estimate_minutes ?? 0) ? b : a,
  );
  return at(largest, 'estimate_minutes', {
    code: 'plan/estimate-too-large',
    message: `the estimates add up to no number of minutes (${largest.feature_id} gives ${largest.estimate_minutes}): the critical path and the Amdahl bound are unknown`,
    hint: `Give each feature an estimate_minutes above 0 and at most ${MAX_ESTIMATE_MINUTES.toLocaleString('en-US')}.`,
  });
}

/** The error for one dependency cycle, at the dependency that closes it in its first feature. */
function cycleError(cycle: readonly string[], byId: ReadonlyMap<string, Contract>): Diagnostic {
  const head = cycle[0] as string;
  const next = cycle[1] ?? head;
  const c = byId.get(head) as Contract;
  const index = c.depends_on.features.indexOf(next);
  return at(c, `depends_on.features.${index}`, {
    code: 'plan/cycle',
    message: `dependency cycle: ${[...cycle, head].join(' → ')} (each depends on the next)`,
    hint: 'Features in a cycle can never start; remove one dependency, or merge the features into one.',
  });
}

/** The longest chain by minutes; among equal minutes the one with more features, then the earlier in order. */
function criticalPath(
  order: readonly string[],
  byId: ReadonlyMap<string, Contract>,
  position: ReadonlyMap<string, number>,
): { feature_ids: string[]; minutes: number } {
  const best = new Map<string, { minutes: number; length: number; prev: string | undefined }>();
  for (const id of order) {
    const own = byId.get(id)?.estimate_minutes ?? 0;
    let chosen: { minutes: number; length: number; prev: string | undefined } = {
      minutes: own,
      length: 1,
      prev: undefined,
    };
    for (const dep of byId.get(id)?.depends_on.features ?? []) {
      const b = best.get(dep);
      if (!b) continue;
      const candidate = { minutes: b.minutes + own, length: b.length + 1, prev: dep };
      if (better(candidate, chosen, position)) chosen = candidate;
    }
    best.set(id, chosen);
  }
  let end: string | undefined;
  for (const id of order) {
    const b = best.get(id);
    const e = end === undefined ? undefined : best.get(end);
    if (b && (!e || b.minutes > e.minutes || (b.minutes === e.minutes && b.length > e.length))) end = id;
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = best.get(id)?.prev) path.push(id);
  path.reverse();
  return { feature_ids: path, minutes: end === undefined ? 0 : (best.get(end)?.minutes ?? 0) };
}

function better(
  a: { minutes: number; length: number; prev: string | undefined },
  b: { minutes: number; length: number; prev: string | undefined },
  position: ReadonlyMap<string, number>,
): boolean {
  if (a.minutes !== b.minutes) return a.minutes > b.minutes;
  if (a.length !== b.length) return a.length > b.length;
  if (b.prev === undefined) return true;
  return (position.get(a.prev ?? '') ?? 0) < (position.get(b.prev) ?? 0);
}

/** A diagnostic located at a recorded position of the contract, or at its file. */
function at(c: Contract, key: string, d: { code: string; message: string; hint: string }): Diagnostic {
  return diagnosticAt(c, key, 'error', d, 'feature_id');
}

function listIds(ids: readonly string[]): string {
  if (ids.length === 0) return '(none)';
  const shown = ids.slice(0, 30).join(', ');
  return ids.length > 30 ? `${shown} … and ${ids.length - 30} more` : shown;
}

import { compileOwns, filesOutsideOwns } from '../contracts/owns.js';
import type { Contract } from '../contracts/schema.js';
import type { Plan } from '../graph/types.js';
import type { LogEvent, MergeConflict } from '../log/events.js';
import type { ConflictPair, ConflictReport } from './types.js';

/** Changed files that the contract's `owns` does not cover, by THE owns rule; null without `owns`. */
export function outsideOwns(contract: Contract, files: readonly string[]): string[] | null {
  if (contract.owns.length === 0) return null;
  return filesOutsideOwns(files, contract.owns);
}

/** The features whose `owns` covers a file, by THE owns rule. */
export function ownersOf(plan: Plan, file: string): string[] {
  return plan.features.filter((c) => compileOwns(c.owns)(file)).map((c) => c.feature_id);
}

/**
 * Merge conflicts, each counted once even if integrate met it again (pure). The report counts those
 * of the delivered integration attempts (`splitIntegrationAttempts`): a discarded attempt counts for
 * nothing. A conflict is one per pair of features: one met again — by a `--continue`, or by a later
 * delivered attempt merging the feature once more — is dropped when every pair it names was counted
 * already; one that names no other feature is told apart by its feature and files.
 */
export function distinctConflicts(events: readonly LogEvent[]): MergeConflict[] {
  const seen = new Set<string>();
  const pairs = new Set<string>();
  const out: MergeConflict[] = [];
  for (const e of events) {
    if (e.type !== 'merge.conflict') continue;
    const key = JSON.stringify([e.feature_id, [...e.with].sort(), [...e.files].sort()]);
    const own = e.with.map((w) => [e.feature_id, w].sort().join('\u0000'));
    if (seen.has(key) || (own.length > 0 && own.every((p) => pairs.has(p)))) continue;
    seen.add(key);
    for (const p of own) pairs.add(p);
    out.push(e);
  }
  return out;
}

/**
 * Whether a conflict came with commits no feature made (pure): the integration it was met on lacked
 * the commit its feature was cut from (`base_lacks_cut`, a `--base` without it). Such a conflict says
 * nothing of the boundaries between features; one logged without the field counts as one between them.
 */
export function fromBaseLackingCut<T extends { base_lacks_cut?: string | undefined }>(
  c: T,
): c is T & { base_lacks_cut: string } {
  return c.base_lacks_cut !== undefined;
}

/** Distinct merge conflicts, told apart by `fromBaseLackingCut`. */
export interface CountedConflicts {
  /** Conflicts between features (or with the base's own changes): the method's figure. */
  conflicts: MergeConflict[];
  /** Conflicts met on an integration that lacked the commit their feature was cut from. */
  baseLacksCut: Array<MergeConflict & { base_lacks_cut: string }>;
}

/** The distinct conflicts of `events` (`distinctConflicts`), told apart by `fromBaseLackingCut` (pure). */
export function countConflicts(events: readonly LogEvent[]): CountedConflicts {
  const all = distinctConflicts(events);
  return {
    conflicts: all.filter((c) => !fromBaseLackingCut(c)),
    baseLacksCut: all.filter(fromBaseLackingCut),
  };
}

/**
 * Conflicts weighed against the N·(N−1)/2 potential integration points and the contracts (pure).
 * N counts the run's features and the ones integration merged them with that conflicted (a feature
 * of an earlier run, merged in the same integration): a pair that conflicted is always one of the points.
 * Those from a base lacking the cut commit are counted apart, never among these.
 */
export function buildConflicts(
  counted: CountedConflicts,
  featureIds: readonly string[],
  plan: Plan | undefined,
): ConflictReport {
  const { conflicts, baseLacksCut } = counted;
  const inRun = new Set([...featureIds, ...conflicts.flatMap((c) => [c.feature_id, ...c.with])]);
  const n = inRun.size;
  const edges = plan ? plan.edges.filter((e) => inRun.has(e.from) && inRun.has(e.to)) : null;
  const linked = (a: string, b: string) =>
    edges ? edges.some((e) => (e.from === a && e.to === b) || (e.from === b && e.to === a)) : null;
  const pairs: ConflictPair[] = [];
  for (const c of conflicts) {
    const files = c.files.map((file) => ({ file, owners: plan ? ownersOf(plan, file) : null }));
    const partners = c.with.length > 0 ? c.with : [null];
    for (const w of partners) {
      pairs.push({
        feature_id: c.feature_id,
        with: w,
        files,
        dependent: w === null ? null : linked(c.feature_id, w),
      });
    }
  }
  const distinctPairs = new Set(
    pairs.filter((p) => p.with !== null).map((p) => [p.feature_id, p.with].sort().join('\u0000')),
  );
  return {
    count: conflicts.length,
    n,
    pairs,
    files: [...new Set(conflicts.flatMap((c) => c.files))].sort(),
    potential_points: (n * (n - 1)) / 2,
    conflicting_pairs: distinctPairs.size,
    declared_points: edges ? edges.length : null,
    predicted_overlaps: plan
      ? plan.integration_points.overlaps
          .filter((o) => inRun.has(o.a) && inRun.has(o.b))
          .map((o) => ({ a: o.a, b: o.b, pattern: o.pattern }))
      : null,
    base_lacks_cut: {
      count: baseLacksCut.length,
      conflicts: baseLacksCut.map((c) => ({
        feature_id: c.feature_id,
        cut_commit: c.base_lacks_cut,
        files: [...c.files],
      })),
    },
  };
}

import { compileOwns, type OwnsMatcher } from '../contracts/owns.js';

/**
 * The radar's pure core: which pairs of features are colliding right now, and how that differs from
 * what was already reported. No git, no clock: snapshots and first-seen times are passed in.
 */

/** `overlap`: both touched a path, their versions merge; `conflict`: they do not; `owned`: one touched the other's owned path. */
export type CollisionKind = 'overlap' | 'conflict' | 'owned';

/** One unit (a feature, or a best-of-N attempt of one) as the radar last saw it. */
export interface RadarFeature {
  /** The unit's id: a feature id, or an attempt's `<feature_id>.a<n>`. */
  feature_id: string;
  /** The feature the unit works for: an attempt's feature, else `feature_id` itself. */
  feature: string;
  /** Paths changed since the fork point. */
  paths: readonly string[];
  /** When (ms) each path was first seen touched, to tell who came second. */
  firstSeen: ReadonlyMap<string, number>;
  owns: readonly string[];
}

/** Two features colliding, before the merge check classifies shared paths. */
export interface CollisionCandidate {
  /** Stable id of the pair: `a+b`, the ids sorted. */
  key: string;
  features: [string, string];
  /** Paths both features touched. */
  shared: string[];
  /** Paths one feature touched that only the other owns. */
  owned: Array<{ path: string; by: string; owner: string }>;
}

/** A collision as reported. */
export interface Collision {
  key: string;
  features: [string, string];
  kind: CollisionKind;
  paths: string[];
  /** The feature that touched the paths last: the one `stop-later` stops. */
  second: string;
}

/**
 * Pairs of units that touch a common path or a path the other owns (pure). The attempts of one
 * feature are never paired: they work on the same contract, so they touch the same paths by design,
 * and only one of them reaches `baton/<id>`.
 */
export function findCandidates(features: readonly RadarFeature[]): CollisionCandidate[] {
  const owners: Array<{ id: string; owns: OwnsMatcher }> = features.map((f) => ({
    id: f.feature_id,
    owns: compileOwns(f.owns),
  }));
  const out: CollisionCandidate[] = [];
  for (let i = 0; i < features.length; i++) {
    for (let j = i + 1; j < features.length; j++) {
      const [a, b] = [features[i]!, features[j]!].sort((x, y) =>
        x.feature_id.localeCompare(y.feature_id),
      ) as [RadarFeature, RadarFeature];
      if (a.feature === b.feature) continue;
      const inB = new Set(b.paths);
      const shared = a.paths.filter((p) => inB.has(p)).sort();
      const owned = [...ownedTouches(a, b, owners), ...ownedTouches(b, a, owners)].filter(
        (o) => !shared.includes(o.path),
      );
      if (shared.length === 0 && owned.length === 0) continue;
      out.push({
        key: `${a.feature_id}+${b.feature_id}`,
        features: [a.feature_id, b.feature_id],
        shared,
        owned,
      });
    }
  }
  return out;
}

/** Paths `by` touched that `owner` owns and `by` does not. */
function ownedTouches(
  by: RadarFeature,
  owner: RadarFeature,
  owners: ReadonlyArray<{ id: string; owns: OwnsMatcher }>,
): Array<{ path: string; by: string; owner: string }> {
  const mine = owners.find((o) => o.id === by.feature_id)!.owns;
  const theirs = owners.find((o) => o.id === owner.feature_id)!.owns;
  return by.paths
    .filter((p) => theirs(p) && !mine(p))
    .map((path) => ({ path, by: by.feature_id, owner: owner.feature_id }));
}

/**
 * Classifies a candidate (pure), one collision per kind it shows: the shared paths the merge check
 * found conflicting as a `conflict`, the other shared paths as an `overlap`, the owned-path touches as
 * `owned`, so a pair that shares one file never hides one writing into the other's folder. The first
 * keeps the pair's key; the others add their kind to it.
 */
export function classify(
  c: CollisionCandidate,
  conflicting: readonly string[],
  features: ReadonlyMap<string, RadarFeature>,
): Collision[] {
  const byKind: Array<[CollisionKind, string[]]> = [
    ['conflict', c.shared.filter((p) => conflicting.includes(p))],
    ['overlap', c.shared.filter((p) => !conflicting.includes(p))],
    ['owned', [...new Set(c.owned.map((o) => o.path))].sort()],
  ];
  return byKind
    .filter(([, paths]) => paths.length > 0)
    .map(([kind, paths], i) => ({
      key: i === 0 ? c.key : `${c.key}:${kind}`,
      features: c.features,
      kind,
      paths,
      second: secondToucher(c, kind, paths, features),
    }));
}

/** The feature that reached the colliding paths last; an owned-path touch is always the toucher's. */
function secondToucher(
  c: CollisionCandidate,
  kind: CollisionKind,
  paths: readonly string[],
  features: ReadonlyMap<string, RadarFeature>,
): string {
  if (kind === 'owned') return c.owned.find((o) => paths.includes(o.path))?.by ?? c.features[1];
  const [a, b] = c.features;
  const earliest = (id: string) =>
    Math.min(...paths.map((p) => features.get(id)?.firstSeen.get(p) ?? Number.POSITIVE_INFINITY));
  return earliest(b) < earliest(a) ? a : b;
}

/** What changed between the collisions already reported and the ones seen now (pure). */
export function diffCollisions(
  open: ReadonlyMap<string, Collision>,
  now: readonly Collision[],
): { detected: Collision[]; resolved: Collision[] } {
  const seen = new Set(now.map((c) => c.key));
  const detected = now.filter((c) => {
    const before = open.get(c.key);
    return !before || before.kind !== c.kind || before.paths.join('\0') !== c.paths.join('\0');
  });
  const resolved = [...open.values()].filter((c) => !seen.has(c.key));
  return { detected, resolved };
}

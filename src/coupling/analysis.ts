import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { type DependencyRelation, dependencyRelation } from '../graph/ancestors.js';
import { byString, sequenceGraph } from '../graph/sequence.js';
import { wholePercent } from '../metrics/format.js';
import type { CoChangePair } from './co-change.js';
import type { Hotspot } from './hotspots.js';

/** The `coupling:` settings with defaults applied. */
export interface CouplingSettings {
  window: number;
  min_support: number;
  min_confidence: number;
  max_commit_files: number;
  hotspot_share: number;
}

/** Defaults of the `coupling:` block: the last 1,000 commits, 3 shared commits and 30 % to flag a pair. */
export const COUPLING_DEFAULTS: CouplingSettings = {
  window: 1000,
  min_support: 3,
  min_confidence: 0.3,
  max_commit_files: 50,
  hotspot_share: 0.5,
};

/** The settings of a project, defaults filled in (pure). */
export function couplingSettings(config: Pick<Config, 'coupling'>): CouplingSettings {
  // Only the keys the user wrote override the defaults (an absent key is not `undefined`).
  const written = Object.entries(config.coupling ?? {}).filter(([, v]) => v !== undefined);
  return { ...COUPLING_DEFAULTS, ...Object.fromEntries(written) };
}

/** A pair of features as judged: related by a dependency or not, flagged or not. */
export interface JudgedPair extends CoChangePair {
  /** One depends on the other (directly or through others): co-change is expected. */
  declared: boolean;
  /** Above both thresholds and not declared: a predicted conflict. */
  flagged: boolean;
}

/** A file of feature A importing a file of feature B although A does not depend on B. */
export interface UndeclaredImport {
  from_feature: string;
  to_feature: string;
  file: string;
  line: number;
  /** The import line as written. */
  source: string;
  target: string;
}

/** Everything the coupling analysis found for a set of features. */
export interface CouplingAnalysis {
  settings: CouplingSettings;
  /** Non-merge commits read (at most `settings.window`). */
  commits: number;
  skipped_large: number;
  feature_commits: Record<string, number>;
  pairs: JudgedPair[];
  undeclared: UndeclaredImport[];
  hotspots: Hotspot[];
  /** Source files the import pass read. */
  files_read: number;
}

/**
 * For contracts, tells whether `a` depends on `b`, directly or through other features (pure). The
 * contracts may come in any order: they are put in dependency order first, then asked the one ancestor
 * rule (`graph/ancestors.ts`) the plan's overlaps use.
 */
export function dependencyOracle(
  contracts: readonly Pick<Contract, 'feature_id' | 'depends_on'>[],
): DependencyRelation<string> {
  const direct = new Map(contracts.map((c) => [c.feature_id, c.depends_on.features]));
  const order = sequenceGraph(direct, byString).chunks.flat();
  return dependencyRelation(order, (id) => direct.get(id) ?? []);
}

/**
 * Marks each pair declared (a dependency links them) and flagged (above the thresholds otherwise) (pure).
 * Confidence is judged as printed: the whole percentage (`wholePercent`) of the pair against that of
 * `min_confidence`, so a pair `baton couple` shows at "30 %" is never "below" a 30 % threshold.
 */
export function judgePairs(
  pairs: readonly CoChangePair[],
  related: (a: string, b: string) => boolean,
  settings: CouplingSettings,
): JudgedPair[] {
  return pairs.map((p) => {
    const declared = related(p.a, p.b);
    const strong =
      p.support >= settings.min_support &&
      wholePercent(p.confidence) >= wholePercent(settings.min_confidence);
    return { ...p, declared, flagged: strong && !declared };
  });
}

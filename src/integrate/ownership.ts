import { compileOwns } from '../contracts/owns.js';
import type { Contract } from '../contracts/schema.js';

/** A file a feature changed outside what its contract owns. */
export interface OwnershipViolation {
  feature_id: string;
  file: string;
  /**
   * `owned-by-other`: another feature's contract owns the file; `unowned`: the feature declares
   * `owns` and the file is outside it, and no contract owns it.
   */
  kind: 'owned-by-other' | 'unowned';
  /** The features whose contracts own the file. */
  owners: string[];
}

/**
 * Finds changed files that break the contracts' ownership (pure). A file the feature's own
 * contract owns is never a violation, even when another contract owns it too (that overlap is a
 * planning finding, reported by `baton plan`). A contract without `owns` claims nothing, so only
 * files other contracts own count against it.
 */
export function findOwnershipViolations(
  changed: ReadonlyMap<string, readonly string[]>,
  contracts: readonly Contract[],
): OwnershipViolation[] {
  const matchers = contracts.map((c) => ({
    id: c.feature_id,
    declares: c.owns.length > 0,
    owns: compileOwns(c.owns),
  }));
  const violations: OwnershipViolation[] = [];
  for (const [featureId, files] of changed) {
    const self = matchers.find((m) => m.id === featureId);
    for (const file of files) {
      if (self?.owns(file)) continue;
      const owners = matchers.filter((m) => m.id !== featureId && m.owns(file)).map((m) => m.id);
      if (owners.length > 0) violations.push({ feature_id: featureId, file, kind: 'owned-by-other', owners });
      else if (self?.declares) violations.push({ feature_id: featureId, file, kind: 'unowned', owners: [] });
    }
  }
  return violations;
}

/** The features whose contracts own `file` (pure). */
export function ownersOf(file: string, contracts: readonly Contract[]): string[] {
  return contracts.filter((c) => compileOwns(c.owns)(file)).map((c) => c.feature_id);
}

import { closestName } from './suggest.js';

/**
 * The hint for `feature` depending on `dep`, which no feature is (pure): the known id it is nearly
 * spelt as, never `feature`'s own (a feature depending on itself is a cycle), else how to make it one.
 */
export function unknownDependencyHint(feature: string, dep: string, known: readonly string[]): string {
  // Ids share long prefixes (feature-00N-), so only a near-identical one is worth suggesting: at most
  // two edits, and no more than a third of the longer id (at least one), or "api" would suggest "ui".
  const suggestion = closestName(
    dep,
    known.filter((id) => id !== feature),
    (id) => Math.max(1, Math.min(2, Math.floor(Math.max(dep.length, id.length) / 3))),
  );
  return suggestion
    ? `Did you mean "${suggestion}"?`
    : `Write specs/${dep}/contract.md, or move "${dep}" to depends_on.services if it is not a feature.`;
}

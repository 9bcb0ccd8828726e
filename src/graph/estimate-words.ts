/**
 * How `baton plan` says the critical path and the Amdahl bound, in its top block and in the
 * decomposition score below it (pure): with some contracts lacking `estimate_minutes`, both are
 * unknown, naming those contracts; one rule, so the two blocks never disagree.
 */

/** What the estimates leave unknown: the contracts without one when some (not all) have one. */
interface Estimates {
  /** The plan's `unestimated`. */
  unestimated: readonly string[];
  /** How many features the plan has. */
  features: number;
}

/** The contracts named as lacking an estimate, or '' when all or none lack one. */
function partlyUnestimated(e: Estimates): string {
  return e.unestimated.length > 0 && e.unestimated.length < e.features ? e.unestimated.join(', ') : '';
}

/** The critical path: `a → b (90 min)`, or unknown (naming the contracts without an estimate) with its lower bound. */
export function criticalPathWords(
  path: { readonly feature_ids: readonly string[]; readonly minutes: number },
  e: Estimates,
): string {
  const pathText = path.feature_ids.join(' → ') || '—';
  const missing = partlyUnestimated(e);
  // Some estimates missing: the longest chain by the others is a lower bound, not the critical path.
  if (missing)
    return `unknown (no estimate_minutes in ${missing}): at least ${path.minutes} min, ${pathText} by the estimates given`;
  return `${pathText}${path.minutes > 0 ? ` (${path.minutes} min)` : ' (no estimates: longest chain)'}`;
}

/** The Amdahl bound when it is unknown: what to add, and to which contracts. */
export function unknownAmdahlWords(e: Estimates): string {
  const missing = partlyUnestimated(e);
  return `unknown: add estimate_minutes to ${missing ? `the contracts of ${missing}` : 'the contracts'}`;
}

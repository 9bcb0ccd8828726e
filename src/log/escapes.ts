/**
 * What changed outside the worktrees while agents ran — paths of the main checkout, the shared git
 * config, refs (`feature.escaped`) — as every output shows it: `status` (table and `--json`),
 * `report` (markdown, HTML, JSON) and the dashboard. Per feature when one feature's agents explain
 * it (a best-of-N attempt's under its feature, marked with the attempt), run-level when no single one
 * does. Worded as what is known — it changed while that agent ran — since the user, working in their
 * checkout meanwhile, looks the same to Baton.
 */
import { parseAttemptUnitId } from '../contracts/feature-id.js';
import type { BatonState } from './state.js';

/** Who ran while what no single feature's agents explain changed. */
export const UNATTRIBUTED = 'several agents or none';

/** One feature's recorded escapes, as the lines below need them. */
export interface FeatureEscapes {
  feature_id: string;
  escaped: readonly string[];
}

/**
 * Each feature's escapes (pure): its own, then its best-of-N attempts', each of those marked
 * `(attempt n)`; only features with some.
 */
export function escapesByFeature(state: BatonState): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (id: string, changes: readonly string[]) => {
    if (changes.length > 0) out.set(id, [...(out.get(id) ?? []), ...changes]);
  };
  for (const f of Object.values(state.features)) add(f.feature_id, f.escaped);
  for (const unit of Object.values(state.attempt_units ?? {})) {
    const parsed = parseAttemptUnitId(unit.feature_id);
    if (parsed)
      add(
        parsed.featureId,
        unit.escaped.map((c) => `${c} (attempt ${parsed.attempt})`),
      );
  }
  return out;
}

/** What no single feature's agents explain (`escaped_unknown`), kept apart from every feature (pure). */
export function unattributedEscapes(state: BatonState): string[] {
  return state.escaped_unknown ?? [];
}

/**
 * The lines every output prints (pure): `changed outside the worktrees while <id> ran: a, b` per
 * feature with escapes, then one for the unattributed ones. `code` wraps ids and changes (markdown's
 * backticks).
 */
export function describeEscapes(
  features: readonly FeatureEscapes[],
  unattributed: readonly string[],
  code: (s: string) => string = (s) => s,
): string[] {
  const line = (who: string, changes: readonly string[]) =>
    `changed outside the worktrees while ${who} ran: ${changes.map(code).join(', ')}`;
  return [
    ...features.filter((f) => f.escaped.length > 0).map((f) => line(code(f.feature_id), f.escaped)),
    ...(unattributed.length > 0 ? [line(UNATTRIBUTED, unattributed)] : []),
  ];
}

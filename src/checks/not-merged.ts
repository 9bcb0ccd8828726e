/** Which features the integration does not hold, and why, from its merge records (pure). */
import type { MergeRecord } from '../log/state.js';

/**
 * The features the integration left out, each with why (pure): each feature's last merge record is
 * its final word, so a conflict that `integrate --continue` resolved (a later clean merge) is merged.
 */
export function notMergedFeatures(merges: readonly MergeRecord[]): Map<string, string> {
  const last = new Map<string, MergeRecord>();
  for (const m of merges) last.set(m.feature_id, m);
  const out = new Map<string, string>();
  for (const [id, m] of last) {
    if (m.outcome === 'clean') continue;
    out.set(
      id,
      m.outcome === 'conflict'
        ? 'it conflicted during integration'
        : (m.reason ?? 'it was skipped during integration'),
    );
  }
  return out;
}

/**
 * Of `ids`, those whose work the integration does not hold, each with why (pure): left out
 * (`notMergedFeatures`), or never merged at all — it stopped before them (a conflict, failed tests),
 * or they were not selected.
 */
export function notOnIntegration(
  merges: readonly MergeRecord[],
  ids: readonly string[],
): Map<string, string> {
  const notMerged = notMergedFeatures(merges);
  const recorded = new Set(merges.map((m) => m.feature_id));
  const out = new Map<string, string>();
  for (const id of ids) {
    const why =
      notMerged.get(id) ??
      (recorded.has(id) ? undefined : 'the integration has not merged it (not reached, or not selected)');
    if (why !== undefined) out.set(id, why);
  }
  return out;
}

/**
 * Best-of-N in the report (pure): each best-of-N feature's row stands on its winner's agent work
 * (so the speedup, conflicts and integration see winners only), and carries a table of every
 * attempt with the decision; the losers' cost and agent time are counted apart, as best-of-N's extra.
 */
import { attemptUnitId, parseAttemptUnitId } from '../contracts/feature-id.js';
import { NO_CHECKS } from '../log/check-reason.js';
import type { BatonState } from '../log/fold.js';
import { agentTimeMs, type FeatureScan, usageOf } from './features.js';
import { attemptAgentTime, type TimeFlags } from './intervals.js';
import type { AttemptReport, BestOfNReport, FeatureReport, Worksheet } from './types.js';
import { sumOrNull } from './worksheet.js';

const MINUTE = 60_000;

/** Whether a scanned id is a best-of-N attempt's unit (`<feature_id>.a<n>`) rather than a feature. */
export function isAttemptUnit(id: string): boolean {
  return parseAttemptUnitId(id) !== undefined;
}

/**
 * The scans with each best-of-N feature's replaced by its winner's agent work: the winner's launches
 * and exits, every attempt's starts (the feature began with its first attempt), the feature's own end.
 * With no winner the feature's own launches and exits stay: a plain rerun that took over from the
 * attempts (`run --resume`) is the feature's work, as `baton status` shows it; without one there are none.
 */
export function withWinnerScans(
  state: BatonState,
  scans: ReadonlyMap<string, FeatureScan>,
): Map<string, FeatureScan> {
  const out = new Map(scans);
  for (const f of Object.values(state.features)) {
    if (!f.attempts) continue;
    const units = Object.values(f.attempts).map((a) => scans.get(attemptUnitId(f.feature_id, a.attempt)));
    const winner = f.winner ? scans.get(attemptUnitId(f.feature_id, f.winner.attempt)) : undefined;
    const own = scans.get(f.feature_id);
    const work = f.winner ? winner : own;
    out.set(f.feature_id, {
      starts: [...(own?.starts ?? []), ...units.flatMap((u) => u?.starts ?? [])],
      launches: work?.launches ?? 0,
      worked: (own?.worked ?? false) || units.some((u) => u?.worked),
      exits: work?.exits ?? [],
      attempts: work?.attempts ?? [],
      endedAt: own?.endedAt ?? null,
      keptFrom: work?.keptFrom ?? 0,
    });
  }
  return out;
}

/** A best-of-N feature's attempts table and decision; null for a plain feature. */
export function buildBestOfN(
  id: string,
  state: BatonState,
  scans: ReadonlyMap<string, FeatureScan>,
  flags: TimeFlags & { origin: number | null },
): BestOfNReport | null {
  const f = Object.hasOwn(state.features, id) ? state.features[id] : undefined;
  if (!f?.attempts) return null;
  const attempts = Object.values(f.attempts)
    .sort((a, b) => a.attempt - b.attempt)
    .map((a): AttemptReport => {
      const unitId = attemptUnitId(id, a.attempt);
      const scan = scans.get(unitId);
      // Its agent's time, as the report times every unit, else as status and the dashboard give it
      // (`attemptAgentTime`): never the attempt's span (`attempt.ended`), which holds its checks.
      const ms =
        agentTimeMs(unitId, scan, state.attempt_units?.[unitId], flags) ??
        attemptAgentTime(state, id, a.attempt).duration_ms ??
        null;
      // One that never began (first-passing's cost saver) ran no agent: 0, not an unknown time.
      const started =
        a.started_at !== undefined ||
        (scan?.launches ?? 0) > 0 ||
        state.attempt_units?.[unitId] !== undefined;
      return {
        attempt: a.attempt,
        agent: a.agent ?? null,
        status: a.status,
        checks: a.checks ? { ...a.checks } : NO_CHECKS,
        measured: structuredClone(a.measured),
        lines_changed: a.lines_changed ?? null,
        outside_owns: a.outside_owns ?? null,
        cost_usd: a.cost_usd ?? usageOf(scan?.exits ?? []).cost_usd,
        duration_min: !started ? 0 : ms === null ? null : ms / MINUTE,
        started,
        winner: f.winner?.attempt === a.attempt,
        reason: a.reason ?? null,
      };
    });
  const losers = attempts.filter((a) => !a.winner);
  const costs = losers.map((a) => a.cost_usd).filter((c): c is number => c !== null);
  return {
    select: f.winner?.select ?? null,
    winner: f.winner?.attempt ?? null,
    rerun: f.attempts_superseded === true,
    picked: f.winner?.picked === true,
    reasons: [...(f.winner?.reasons ?? [])],
    ranking: [...(f.winner?.ranking ?? [])],
    attempts,
    extra_cost_usd: costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0),
    extra_agent_min: losers.length === 0 ? 0 : sumOrNull(losers.map((a) => a.duration_min)),
  };
}

/** The worksheet's best-of-N line: attempts' agent time, parallel work inside implementation; null without best-of-N. */
export function summariseBestOfN(features: readonly FeatureReport[]): Worksheet['best_of_n'] {
  const withAttempts = features.flatMap((f) => (f.best_of_n ? [f.best_of_n] : []));
  if (withAttempts.length === 0) return null;
  return {
    features: withAttempts.length,
    attempts: withAttempts.reduce((n, b) => n + b.attempts.length, 0),
    agent_min: sumOrNull(withAttempts.flatMap((b) => b.attempts.map((a) => a.duration_min))),
    extra_agent_min: sumOrNull(withAttempts.map((b) => b.extra_agent_min)),
  };
}

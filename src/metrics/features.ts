import { plannedCriteria } from '../checks/criteria.js';
import { unreachable } from '../errors.js';
import type { Plan } from '../graph/types.js';
import { countChecks, NO_CHECKS, unverifiedReason, type WorkerTrust } from '../log/check-reason.js';
import type { AgentExited, BatonEvent, FeatureStatus, LogEvent, MergeConflict } from '../log/events.js';
import type { BatonState } from '../log/fold.js';
import { timedByAttempts } from '../log/fold-attempts.js';
import { normaliseStatus, TERMINAL_STATUSES } from '../log/statuses.js';
import { outsideOwns } from './conflicts.js';
import { checkDuration, clampElapsed, type Interval, type TimeFlags, timeOf } from './intervals.js';
import type { FeatureReport, UsageTotals } from './types.js';

const MINUTE = 60_000;

/** What the log says about one feature's work, gathered in one pass. */
export interface FeatureScan {
  starts: number[];
  launches: number;
  /** Something worked on the feature (a `feature.ended` alone may only say it was skipped). */
  worked: boolean;
  exits: AgentExited[];
  /** Launches and exits in log order, each exit closing the launch before it (one without a launch stands alone). */
  attempts: ScanAttempt[];
  endedAt: number | null;
  /** The first exit whose work the branch still holds: a `--restart` dropped the commits of those before. */
  keptFrom: number;
}

/** One launch of a feature's agent and the exit that closed it, as far as the log recorded either. */
export interface ScanAttempt {
  start: number | null;
  exit: AgentExited | null;
  /** The launch ended and Baton started the agent again (`agent.retrying`): how it ended is that line's. */
  retried?: { reason: 'rate-limited' | 'failed'; exit_code: number | null };
}

/** The smallest and largest of many numbers without spreading them into arguments (no stack limit). */
export function extent(values: Iterable<number>): { min: number; max: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : null;
}

/** Every feature's scan, keyed by id, from well-formed events of known types (pure). */
export function scanFeatures(events: readonly LogEvent[]): Map<string, FeatureScan> {
  const scans = new Map<string, FeatureScan>();
  const scan = (id: string) => {
    let s = scans.get(id);
    if (!s) {
      s = { starts: [], launches: 0, worked: false, exits: [], attempts: [], endedAt: null, keptFrom: 0 };
      scans.set(id, s);
    }
    return s;
  };
  for (const e of events) {
    const t = timeOf(e);
    if (e.type === undefined) {
      const s = scan(String(e.feature_id));
      s.worked = true; // only an agent's hook writes a status line
      const status = normaliseStatus(String(e.status));
      if (status === 'running' && t !== null) s.starts.push(t);
      if (status && TERMINAL_STATUSES.has(status) && t !== null) s.endedAt = t;
      continue;
    }
    scanEvent(scan, e, t);
  }
  return scans;
}

function scanEvent(scan: (id: string) => FeatureScan, ev: BatonEvent, t: number | null): void {
  switch (ev.type) {
    case 'feature.started': {
      const s = scan(ev.feature_id);
      s.launches++;
      s.worked = true;
      if (t !== null) s.starts.push(t);
      s.attempts.push({ start: t, exit: null });
      s.endedAt = null; // started (again): its end is the one this launch records, if any
      break;
    }
    case 'agent.exited': {
      const s = scan(ev.feature_id);
      s.exits.push(ev);
      s.worked = true;
      const open = s.attempts.at(-1);
      if (open && open.exit === null) open.exit = ev;
      else s.attempts.push({ start: null, exit: ev });
      break;
    }
    case 'hook':
      scan(ev.feature_id).worked = true;
      break;
    case 'agent.retrying': {
      // The attempts it separates are counted by their own `feature.started` events; the launch it
      // ends is a retry, not one superseded unfinished.
      const open = scan(ev.feature_id).attempts.at(-1);
      if (open && open.exit === null) open.retried = { reason: ev.reason, exit_code: ev.exit_code };
      break;
    }
    case 'feature.ended': {
      // A dead run's end, inferred at read time, is stamped with the last known time: not an end.
      const s = scan(ev.feature_id);
      if (!ev.inferred) s.endedAt = t;
      break;
    }
    case 'worktree.created': {
      const s = scan(ev.feature_id);
      if (ev.restarted) s.keptFrom = s.exits.length;
      break;
    }
    case 'setup.started':
    case 'setup.ended':
    case 'feature.escaped':
    case 'check.passed':
    case 'check.failed':
    case 'check.unverifiable':
      scan(ev.feature_id);
      break;
    case 'run.started':
    case 'run.ended':
    case 'phase.started':
    case 'phase.ended':
    case 'integration.started':
    case 'merge.clean':
    case 'merge.conflict':
    case 'merge.skipped':
    case 'integration.tested':
    case 'integration.ended':
    case 'integration.discarded':
    case 'collision.detected':
    case 'collision.resolved':
    case 'queue.job':
    case 'user.intervention':
    // Best-of-N bookkeeping: each attempt's own work is scanned under its unit id (`<id>.a<n>`).
    case 'attempt.started':
    case 'attempt.ended':
    case 'attempt.selected':
    case 'attempt.picked':
      // These describe the run and its integration, not one feature's work.
      break;
    default:
      unreachable(ev);
  }
}

/** The first `run.started`'s time, the origin of the timeline. */
export function firstRunStart(events: readonly LogEvent[]): number | null {
  for (const e of events) if (e.type === 'run.started') return timeOf(e);
  return null;
}

/** The earliest feature start, the origin when no run was recorded. */
export function earliestStart(scans: ReadonlyMap<string, FeatureScan>): number | null {
  return extent([...scans.values()].flatMap((s) => s.starts))?.min ?? null;
}

/**
 * Without a run or a phase to time the implementation (hand-written hooks only), the span from the
 * first feature's start to the last one's end is its wall-clock, provided every started feature ended.
 */
export function featureSpan(scans: ReadonlyMap<string, FeatureScan>): Interval[] {
  const started = [...scans.values()].filter((s) => s.starts.length > 0);
  if (started.length === 0 || started.some((s) => s.endedAt === null)) return [];
  const first = extent(started.flatMap((s) => s.starts));
  const last = extent(started.map((s) => s.endedAt ?? Number.NEGATIVE_INFINITY));
  return first && last ? [{ start: first.min, end: last.max }] : [];
}

/** What `buildFeature` reads besides the feature's id. */
export interface FeatureContext extends TimeFlags {
  state: BatonState;
  scans: ReadonlyMap<string, FeatureScan>;
  plan: Plan | undefined;
  origin: number | null;
  conflicts: readonly MergeConflict[];
  unknowns: string[];
  /** Each feature's escapes (`escapesByFeature`). */
  escaped: ReadonlyMap<string, string[]>;
  /** The config's `trust_workers`: checks a worker reported count as passed. */
  trust: WorkerTrust;
}

/**
 * Launches a later launch replaced before they recorded an exit (a retried job whose worker died, a
 * local retry): their time is the log's to measure only through the exit that followed (pure).
 */
export function supersededAttempts(scan: FeatureScan | undefined): number {
  const attempts = scan?.attempts ?? [];
  return attempts.filter((a, i) => a.exit === null && a.retried === undefined && i < attempts.length - 1)
    .length;
}

/** Launches that ended and were retried (`agent.retrying`), by how they ended (pure). */
export function retriedAttempts(
  scan: FeatureScan | undefined,
): Array<{ reason: string; exit_code: number | null }> {
  return (scan?.attempts ?? []).flatMap((a) => (a.retried ? [a.retried] : []));
}

/**
 * Each recorded exit with the earliest time its agent can have started: the first launch since the
 * previous exit (a retry's exit may time every launch since), else the run's origin.
 */
function exitsWithSince(attempts: readonly ScanAttempt[], origin: number | null) {
  const out: Array<{ exit: AgentExited; since: number | null }> = [];
  let since: number | null = null;
  for (const a of attempts) {
    since ??= a.start;
    if (a.exit === null) continue;
    out.push({ exit: a.exit, since: since ?? origin });
    since = null;
  }
  return out;
}

/** One stretch of a unit's agent time: how long it was, and when it ended (null when the log did not say). */
interface AgentPiece {
  ms: number;
  end: number | null;
}

/**
 * A unit's agent time piece by piece (pure): each recorded exit's duration, held against the span its
 * timestamps allow (`checkDuration`: negative ones clamped, impossible ones unknown), or the duration
 * its hooks reported; null when the last launch never reported back or a duration is impossible.
 */
function agentPieces(
  id: string,
  scan: FeatureScan | undefined,
  f: BatonState['features'][string] | undefined,
  ctx: TimeFlags & { origin: number | null },
): AgentPiece[] | null {
  const attempts = scan?.attempts ?? [];
  const status: FeatureStatus = f?.status ?? 'pending';
  const what = `${id} agent time`;
  if (attempts.some((a) => a.exit !== null)) {
    // A last launch with no exit after it is agent time the log never measured.
    if (attempts.at(-1)?.exit === null) return null;
    const pieces: AgentPiece[] = [];
    let known = true;
    for (const { exit, since } of exitsWithSince(attempts, ctx.origin)) {
      const at = timeOf(exit);
      const ms = checkDuration(
        exit.duration_ms,
        at === null || since === null ? null : at - since,
        what,
        ctx,
      );
      // Every exit is still checked, so each impossible one is flagged.
      if (ms === null) known = false;
      else pieces.push({ ms, end: at });
    }
    return known ? pieces : null;
  }
  // Launched, and no exit recorded (its Baton died before writing it, a resume then only checked the
  // commit): how long the agent ran is unknown, never the span from its start to the feature's end,
  // which holds the time no Baton ran.
  if (attempts.length > 0) return null;
  // A log without Baton's launches (hooks and status lines only): the feature's own span.
  return f?.duration_ms !== undefined && TERMINAL_STATUSES.has(status)
    ? [{ ms: clampElapsed(f.duration_ms, what, ctx.backwards), end: scan?.endedAt ?? null }]
    : null;
}

/**
 * A unit's agent time (pure): its pieces (`agentPieces`) summed, null when the last launch never
 * reported back or a duration is impossible.
 */
export function agentTimeMs(
  id: string,
  scan: FeatureScan | undefined,
  f: BatonState['features'][string] | undefined,
  ctx: TimeFlags & { origin: number | null },
): number | null {
  const pieces = agentPieces(id, scan, f, ctx);
  return pieces === null ? null : pieces.reduce((sum, p) => sum + p.ms, 0);
}

/**
 * The wall-clock a unit's agent time covered (pure): each piece of `agentTimeMs` laid back from when
 * it ended, so the time no agent of the unit ran (its checks, the pause between a run and its
 * `run --resume`) is in none. Null when its agent time is unknown; a piece whose end the log did not
 * say has an unknown span.
 */
export function agentSpans(
  id: string,
  scan: FeatureScan | undefined,
  f: BatonState['features'][string] | undefined,
  origin: number | null,
): Interval[] | null {
  // Flags are the feature row's to raise (`buildFeature`), not raised twice here.
  const pieces = agentPieces(id, scan, f, { origin, backwards: [], implausible: [] });
  return pieces?.map((p) => ({ start: p.end === null ? null : p.end - p.ms, end: p.end })) ?? null;
}

/** Cost, tokens and turns summed over agent exits that reported them (pure). */
export function usageOf(exits: readonly AgentExited[]) {
  const usages = exits.map((e) => e.usage).filter((u) => u !== undefined);
  const sum = (k: 'cost_usd' | 'input_tokens' | 'output_tokens' | 'turns'): number | null => {
    const vals = usages.map((u) => u[k]).filter((v): v is number => typeof v === 'number');
    return vals.length === 0 ? null : vals.reduce((a, b) => a + b, 0);
  };
  const denials = usages.filter((u) => u.permission_denials !== undefined);
  return {
    cost_usd: sum('cost_usd'),
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    turns: sum('turns'),
    permission_denials:
      denials.length === 0 ? null : denials.reduce((n, u) => n + (u.permission_denials?.length ?? 0), 0),
  };
}

/** Why a launched feature's agent time is unknown, in words for _Unknown_. */
function whyNoAgentTime(f: BatonState['features'][string] | undefined, status: FeatureStatus): string {
  // Its time is its winner's (`timedByAttempts`); each attempt's own is in its best-of-N table.
  if (f && timedByAttempts(f) && f.winner === undefined)
    return "no best-of-N attempt was chosen, and a feature's agent time is its winner's; each attempt's is under Best-of-N attempts";
  return TERMINAL_STATUSES.has(status)
    ? 'no agent.exited event recorded its duration'
    : 'started and never recorded an end';
}

/** One feature's row of the report (pure). */
export function buildFeature(id: string, ctx: FeatureContext): FeatureReport {
  const f = ctx.state.features[id];
  const scan = ctx.scans.get(id);
  const contract = ctx.plan?.byId.get(id);
  const exits = scan?.exits ?? [];
  const status: FeatureStatus = f?.status ?? 'pending';
  const durationMs = agentTimeMs(id, scan, f, ctx);
  const launched = scan?.worked ?? false;
  if (durationMs === null && launched && !ctx.implausible.includes(`${id} agent time`)) {
    ctx.unknowns.push(`${id}: agent time unknown (${whyNoAgentTime(f, status)}).`);
  }
  // What the branch holds: the files of the exits since the last `--restart` (it dropped the others' commits).
  const files = [...new Set(exits.slice(scan?.keptFrom ?? 0).flatMap((e) => e.files))];
  const firstStart = scan ? (extent(scan.starts)?.min ?? null) : null;
  const lastExit = exits.length > 0 ? timeOf(exits.at(-1)!) : null;
  const exitedLast = (scan?.attempts.at(-1)?.exit ?? null) !== null;
  const endSeen = scan?.endedAt ?? (exitedLast ? lastExit : null);
  // An end stamped before the first start ends the feature where it started, flagged.
  const endAt =
    endSeen === null || firstStart === null
      ? endSeen
      : firstStart + clampElapsed(endSeen - firstStart, `${id} span`, ctx.backwards);
  const rel = (t: number | null) => (t === null || ctx.origin === null ? null : (t - ctx.origin) / MINUTE);
  const criteria = contract ? plannedCriteria(contract) : undefined;
  const afterIntegration = contract && plannedCriteria(contract, 'integration');
  return {
    feature_id: id,
    title: contract?.title ?? null,
    agent: f?.agent ?? null,
    status,
    launched,
    attempts: Math.max(scan?.launches ?? 0, exits.length),
    superseded_attempts: supersededAttempts(scan),
    retried_attempts: retriedAttempts(scan),
    duration_min: durationMs === null ? null : durationMs / MINUTE,
    estimate_min: contract?.estimate_minutes ?? null,
    exit_code: f?.exit_code ?? null,
    signal: f?.signal ?? null,
    reason: f?.reason ?? null,
    unverified: f ? (unverifiedReason(f, criteria, ctx.trust) ?? null) : null,
    // m of "checks n/m" is the criteria its checks run, as `baton status` and the dashboard count it.
    checks: f ? countChecks(f, 'worktree', criteria) : NO_CHECKS,
    integration_checks: f ? countChecks(f, 'integration', afterIntegration) : NO_CHECKS,
    files_changed: files,
    outside_owns: contract ? outsideOwns(contract, files) : null,
    escaped: ctx.escaped.get(id) ?? [],
    conflicts: ctx.conflicts.filter((c) => c.feature_id === id || c.with.includes(id)).length,
    ...usageOf(exits),
    start_min: rel(firstStart),
    end_min: firstStart === null ? null : rel(endAt),
    best_of_n: null,
  };
}

/** Cost and tokens summed over the features that reported them, best-of-N's losing attempts' cost added (pure). */
export function sumUsage(features: readonly FeatureReport[]): UsageTotals {
  const sumOf = (vals: ReadonlyArray<number | null | undefined>) => {
    const known = vals.filter((v): v is number => typeof v === 'number');
    return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
  };
  const sum = (k: 'cost_usd' | 'input_tokens' | 'output_tokens') => sumOf(features.map((f) => f[k]));
  const extra = sumOf(features.map((f) => f.best_of_n?.extra_cost_usd));
  const own = sum('cost_usd');
  return {
    cost_usd: own === null && extra === null ? null : (own ?? 0) + (extra ?? 0),
    best_of_n_extra_cost_usd: extra,
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
  };
}

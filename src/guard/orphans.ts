/**
 * What a run whose orchestrator died left running in its worktrees: its agents, and its features'
 * `setup` commands (`npm ci`), each in a process group of its own, carrying the run's environment.
 * The one rule that finds them, shared by `baton run --resume` (which stops them before starting its
 * own in the same worktrees) and `baton clean` (which removes no worktree under them).
 */
import { attemptUnitId, parseAttemptUnitId } from '../contracts/feature-id.js';
import type { FeatureStatus } from '../log/events.js';
import { type BatonState, featureAt } from '../log/fold.js';
import { TERMINAL_STATUSES } from '../log/statuses.js';
import { groupAlive, signalGroup } from '../process/supervise.js';
import { featureProcesses } from './daemons.js';
import { type GroupClaim, proveRunGroup } from './group-proof.js';
import { listProcesses, procNowMs } from './proc.js';

/** A process group left running by an orchestrator that died, proven to be that run's. */
export interface Orphan {
  feature_id: string;
  pgid: number;
  /** The run whose environment it carries (unset: the unit's own run, else the log's last). */
  run_id?: string;
}

/** A group the log named that Baton left alone, and why. */
export interface RefusedGroup {
  feature_id: string;
  pgid: number;
  reason: string;
}

/** The fold's features with its best-of-N attempts' units beside them: every unit whose processes count. */
export function withAttemptUnits(state: BatonState): BatonState {
  return { ...state, features: { ...state.features, ...state.attempt_units } };
}

/**
 * Process groups of dead runs, split into those proven to be a run's own (alive, and carrying its
 * `BATON_RUN_ID`, this repository's `BATON_LOG` at `logPath` and the unit's id) and those left alone,
 * with the reason. Looked for: the group the log names last for a unit under way, and, by environment
 * (`featureProcesses`), the processes of every unit a dead run had (`scannedUnits`) — whatever the
 * log says of it: a setup, or an agent spawned before its `feature.started` was written, leaves the
 * feature `pending`. A forged `feature.started` naming another group must not hide the real agent either.
 */
export function scanOrphans(
  state: BatonState,
  logPath: string,
): { orphans: Orphan[]; refused: RefusedGroup[] } {
  const orphans: Orphan[] = [];
  const refused: RefusedGroup[] = [];
  const all = listProcesses();
  const claimOf = orphanClaim(state, logPath);
  for (const f of Object.values(state.features)) {
    if (!underWay(f.status) || f.pgid === undefined) continue;
    const o = { feature_id: f.feature_id, pgid: f.pgid };
    const proof = proveRunGroup(claimOf(o), all);
    if (proof.ok) orphans.push(o);
    else if (groupAlive(f.pgid) || f.pgid <= 1) refused.push({ ...o, reason: proof.reason });
  }
  const toProcClock = clockOffset();
  for (const { runId, unitId } of scannedUnits(state)) {
    const from = runStartMs(state, runId);
    const since = from === undefined || toProcClock === undefined ? undefined : from + toProcClock;
    for (const p of featureProcesses(runId, unitId, all, since)) {
      const o = { feature_id: unitId, pgid: p.pgid, run_id: runId };
      if (!orphans.some((k) => k.pgid === p.pgid) && proveRunGroup(claimOf(o), all).ok) orphans.push(o);
    }
  }
  return { orphans, refused };
}

/** A unit the log says a run had begun and not finished: its agent or its checks under way. */
function underWay(status: FeatureStatus): boolean {
  return !TERMINAL_STATUSES.has(status) && status !== 'pending';
}

/**
 * The units whose processes a dead run may have left, with the run whose environment they carry:
 * each unit under way, of its own run; and every unit of the log's last run (the features its
 * `run.started` listed, their best-of-N attempts too) whatever its status.
 */
function scannedUnits(state: BatonState): Array<{ runId: string; unitId: string }> {
  const out = new Map<string, { runId: string; unitId: string }>();
  const add = (runId: string | undefined, unitId: string) => {
    if (runId !== undefined) out.set(`${runId}\0${unitId}`, { runId, unitId });
  };
  for (const f of Object.values(state.features))
    if (underWay(f.status)) add(f.run_id ?? state.run_id, f.feature_id);
  const listed = new Set(state.run_feature_ids);
  for (const id of listed) {
    add(state.run_id, id);
    const planned = featureAt(state, id)?.planned_attempts ?? 0;
    for (let n = 1; n <= planned; n++) add(state.run_id, attemptUnitId(id, n));
  }
  for (const id of Object.keys(state.attempt_units ?? {})) {
    const unit = parseAttemptUnitId(id);
    if (unit && listed.has(unit.featureId)) add(state.run_id, id);
  }
  return [...out.values()];
}

/** When a run started (wall clock, from the log), if the log says. */
function runStartMs(state: BatonState, runId: string): number | undefined {
  const open = state.open_runs?.find((r) => r.run_id === runId)?.started_at;
  const ts = open ?? (runId === state.run_id ? state.run_started_at : undefined);
  const ms = Date.parse(ts ?? '');
  return Number.isFinite(ms) ? ms : undefined;
}

/** What to add to a wall-clock time to put it on /proc's clock (`procNowMs`); undefined without /proc. */
function clockOffset(): number | undefined {
  const now = procNowMs();
  return now === undefined ? undefined : now - Date.now();
}

/**
 * What a group of a unit of a dead run must carry to be that run's (`proveRunGroup`): the run id the
 * group was found with, else the unit's own run's, else the log's last; this repository's log; the unit's id.
 */
export function orphanClaim(state: BatonState, logPath: string): (o: Orphan) => GroupClaim {
  return (o) => ({
    pgid: o.pgid,
    runId: o.run_id ?? featureAt(state, o.feature_id)?.run_id ?? state.run_id,
    logPath,
    unitId: o.feature_id,
  });
}

/** The runs a resume continues, whose orchestrators are gone: the last one and each unit's own. */
export function deadRunIds(state: BatonState): Set<string> {
  const ids = new Set<string>();
  if (state.run_id !== undefined) ids.add(state.run_id);
  for (const f of Object.values(state.features)) if (f.run_id !== undefined) ids.add(f.run_id);
  return ids;
}

/** Process groups of a dead run that are proven to be its own and still alive (see `scanOrphans`). */
export function findOrphans(state: BatonState, logPath: string): Orphan[] {
  return scanOrphans(state, logPath).orphans;
}

/**
 * Stops orphaned groups: SIGTERM, then SIGKILL after `graceMs`; resolves when all are gone. Each
 * group still alive is proven again (`claimOf`, see `orphanClaim`) just before the SIGKILL, so a group
 * whose pgid was recycled meanwhile is spared.
 */
export async function stopOrphans(
  orphans: readonly Orphan[],
  claimOf: (o: Orphan) => GroupClaim,
  graceMs = 3000,
): Promise<void> {
  const still = (o: Orphan) => groupAlive(o.pgid) && o.pgid > 1 && o.pgid !== process.pid;
  for (const o of orphans) if (still(o)) signalGroup(o.pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && orphans.some(still)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const o of orphans) {
    if (!still(o)) continue;
    if (!proveRunGroup(claimOf(o)).ok) continue;
    signalGroup(o.pgid, 'SIGKILL');
  }
  const hardDeadline = Date.now() + 2000;
  while (Date.now() < hardDeadline && orphans.some(still)) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

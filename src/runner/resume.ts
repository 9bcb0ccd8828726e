import { UserError } from '../errors.js';
import { git, gitRaw } from '../git/git.js';
import { proveRunGroup } from '../guard/group-proof.js';
import { findLiveRun } from '../guard/liveness.js';
import { listProcesses } from '../guard/proc.js';
import { sessionName } from '../interactive/tmux.js';
import type { BatonState } from '../log/fold.js';
import { TERMINAL_STATUSES } from '../log/statuses.js';
import { groupAlive, signalGroup } from '../process/supervise.js';

/** An agent process group left running by an orchestrator that died, proven to be that run's. */
export interface Orphan {
  feature_id: string;
  pgid: number;
}

/** A group the log named that Baton left alone, and why. */
export interface RefusedGroup {
  feature_id: string;
  pgid: number;
  reason: string;
}

/**
 * Agent groups the log says were running, split into those proven to be the run's own (alive, and
 * carrying its `BATON_RUN_ID` or its recorded start time) and those left alone, with the reason.
 */
export function scanOrphans(state: BatonState): { orphans: Orphan[]; refused: RefusedGroup[] } {
  const orphans: Orphan[] = [];
  const refused: RefusedGroup[] = [];
  const all = listProcesses();
  for (const f of Object.values(state.features)) {
    if (f.pgid === undefined || TERMINAL_STATUSES.has(f.status) || f.status === 'pending') continue;
    const proof = proveRunGroup(
      { pgid: f.pgid, runId: f.run_id ?? state.run_id, startedAt: f.started_at },
      all,
    );
    if (proof.ok) orphans.push({ feature_id: f.feature_id, pgid: f.pgid });
    else if (groupAlive(f.pgid) || f.pgid <= 1)
      refused.push({ feature_id: f.feature_id, pgid: f.pgid, reason: proof.reason });
  }
  return { orphans, refused };
}

/** Agent groups of a dead run that are proven to be its own and still alive (see `scanOrphans`). */
export function findOrphans(state: BatonState): Orphan[] {
  return scanOrphans(state).orphans;
}

/** Refuses to resume while the orchestrator of any run that has not ended is still alive. */
export function assertNoLiveRun(state: BatonState): void {
  const live = findLiveRun(state);
  if (live && live.pid !== process.pid) {
    throw new UserError(
      'run/in-progress',
      `run ${live.run_id} is still in progress (baton pid ${live.pid})`,
      {
        hint: `Wait for it, or stop it with Ctrl-C in its terminal (or kill -INT ${live.pid}) before resuming.`,
      },
    );
  }
}

/**
 * Stops orphaned agent groups: SIGTERM, then SIGKILL after `graceMs`; resolves when all are gone.
 * Each group is proven again just before each signal, so a group whose pgid was recycled is spared.
 */
export async function stopOrphans(
  orphans: readonly Orphan[],
  graceMs = 3000,
  runIdOf: (o: Orphan) => string | undefined = () => undefined,
): Promise<void> {
  const still = (o: Orphan) => groupAlive(o.pgid) && o.pgid > 1 && o.pgid !== process.pid;
  for (const o of orphans) if (still(o)) signalGroup(o.pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && orphans.some(still)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const o of orphans) {
    if (!still(o)) continue;
    const runId = runIdOf(o);
    if (runId !== undefined && !proveRunGroup({ pgid: o.pgid, runId }).ok) continue;
    signalGroup(o.pgid, 'SIGKILL');
  }
  const hardDeadline = Date.now() + 2000;
  while (Date.now() < hardDeadline && orphans.some(still)) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What a resumed feature branch already holds from the dead run. */
export interface ResumedBranch {
  /** Commits on the branch beyond the run's base (the dead run's agent work). */
  kept_commits: number;
  /** The branch was reset to the base (`--restart <id>`), dropping those commits. */
  restarted?: true;
}

/**
 * Looks at a feature branch being resumed: counts the commits it holds beyond the base and, when
 * the user asked `--restart <id>`, resets its worktree to the base so the agent starts over.
 */
export async function inspectResumedBranch(
  worktree: string,
  opts: { branch: string; baseCommit: string; restart: boolean },
): Promise<ResumedBranch> {
  const count = await gitRaw(worktree, ['rev-list', '--count', `${opts.baseCommit}..${opts.branch}`]);
  const kept = Number(count.stdout.trim()) || 0;
  if (!opts.restart) return { kept_commits: kept };
  await git(worktree, ['reset', '--quiet', '--hard', opts.baseCommit]);
  await git(worktree, ['clean', '-fdq']);
  return { kept_commits: 0, restarted: true };
}

/**
 * What a resumed run did, in words for the live output (pure), one note a line: the tmux windows it
 * re-attached to, the orphaned agents it stopped, the groups it left alone, and the commits a resumed
 * branch kept or dropped. The notes carry ids and reasons from the log as they are: the printer
 * escapes each line.
 */
export function resumeNotes(e: object): string[] {
  const r = e as {
    run_id?: string;
    adopted_windows?: Array<{ feature_id: string }>;
    stopped_orphans?: Orphan[];
    refused_orphans?: RefusedGroup[];
    kept_commits?: number;
    restarted?: boolean;
  };
  const notes: string[] = [];
  if (r.adopted_windows?.length && r.run_id) {
    notes.push(
      `re-attached to ${sessionName(r.run_id)}: ${r.adopted_windows.map((a) => a.feature_id).join(', ')}`,
    );
  }
  for (const o of r.stopped_orphans ?? [])
    notes.push(`stopped orphaned agent of ${o.feature_id} (group ${o.pgid})`);
  for (const o of r.refused_orphans ?? [])
    notes.push(`left group ${o.pgid} of ${o.feature_id} alone: ${o.reason}`);
  if (r.restarted) notes.push('restarted from the base (--restart)');
  else if (r.kept_commits) {
    notes.push(
      `keeps ${r.kept_commits} commit(s) from the dead run; the agent continues from them (--restart <id> starts over)`,
    );
  }
  return notes;
}

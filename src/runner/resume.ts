import { UserError } from '../errors.js';
import { TERMINAL_STATUSES } from '../log/events.js';
import type { BatonState } from '../log/fold.js';
import { groupAlive, signalGroup } from '../process/supervise.js';

/** An agent process group left running by an orchestrator that died. */
export interface Orphan {
  feature_id: string;
  pgid: number;
}

/** Agent groups the log says were running, which are still alive (the fold gives pid and pgid). */
export function findOrphans(state: BatonState): Orphan[] {
  const orphans: Orphan[] = [];
  for (const f of Object.values(state.features)) {
    if (f.pgid === undefined || TERMINAL_STATUSES.has(f.status) || f.status === 'pending') continue;
    if (groupAlive(f.pgid)) orphans.push({ feature_id: f.feature_id, pgid: f.pgid });
  }
  return orphans;
}

/** Whether a process with this pid exists. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Refuses to resume while the orchestrator of the last run is still alive. */
export function assertNoLiveRun(state: BatonState): void {
  const pid = state.orchestrator_pid;
  if (state.run_id && !state.run_ended_at && pid !== undefined && pid !== process.pid && pidAlive(pid)) {
    throw new UserError('run/in-progress', `run ${state.run_id} is still in progress (baton pid ${pid})`, {
      hint: `Wait for it, or stop it with Ctrl-C in its terminal (or kill -INT ${pid}) before resuming.`,
    });
  }
}

/** Stops orphaned agent groups: SIGTERM, then SIGKILL after `graceMs`; resolves when all are gone. */
export async function stopOrphans(orphans: readonly Orphan[], graceMs = 3000): Promise<void> {
  for (const o of orphans) signalGroup(o.pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && orphans.some((o) => groupAlive(o.pgid))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const o of orphans) if (groupAlive(o.pgid)) signalGroup(o.pgid, 'SIGKILL');
  const hardDeadline = Date.now() + 2000;
  while (Date.now() < hardDeadline && orphans.some((o) => groupAlive(o.pgid))) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * What follows an agent's end before its work is looked at: the daemons it left (found by the run's
 * ids, their /proc listing shared with agents ending at the same time) stopped, then its window closed.
 */
import type { AgentTask } from '../agents/adapter.js';
import { stopStragglers } from '../guard/daemons.js';
import { shareWindowMs } from '../guard/proc.js';
import { isInteractive } from '../interactive/launch.js';
import { serverProcesses, tmuxFor } from '../interactive/tmux.js';
import type { RunContext } from './context.js';
import type { AgentRun } from './launch.js';

/** The longest an ending agent's daemon sweep waits for others ending to share its /proc listing. */
const SHARED_SWEEP_MS = 20;

/**
 * Daemons the agent started in a session of their own outlive its group: found by the run's ids and
 * stopped, just after the agent ended. While other agents run, their ends may come within a few ms:
 * their sweeps share one /proc listing, waited for no longer than a listing takes (`shareWindowMs`).
 */
async function stopDaemons(
  ctx: RunContext,
  task: AgentTask,
  run: AgentRun,
  featureFromMs: number | undefined,
): ReturnType<typeof stopStragglers> {
  const id = task.feature.feature_id;
  const agentEndedMs = Date.now();
  // The tmux server serves every window (other agents', the user's own): never an agent's leftover.
  const spare =
    isInteractive(task) || ctx.adopted.has(id) ? await serverProcesses(tmuxFor(task.env)) : undefined;
  return stopStragglers(ctx.runId, id, {
    tracked: run.tracked,
    ...(featureFromMs !== undefined ? { startedFromMs: featureFromMs } : {}),
    agentEndedMs,
    // No longer than one listing takes: the wait is on the agent's way to its commit and the run's end.
    shareWithinMs: ctx.running.size > 0 ? shareWindowMs(SHARED_SWEEP_MS) : 0,
    ...(spare ? { spare } : {}),
  });
}

/**
 * Stops the agent's daemons, then closes its window: what they write on the way out (a SIGTERM
 * handler) is the agent's, and a look begun before that would miss it.
 */
export async function endAgentWindow(
  ctx: RunContext,
  task: AgentTask,
  run: AgentRun,
  featureFromMs: number | undefined,
): ReturnType<typeof stopStragglers> {
  try {
    return await stopDaemons(ctx, task, run, featureFromMs);
  } finally {
    ctx.repoGuard.agentEnded(task.feature.feature_id);
  }
}

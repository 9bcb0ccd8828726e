import type { AgentAdapter, AgentTask } from '../agents/adapter.js';
import { type Supervised, spawnSupervised } from './process.js';

/**
 * Prepares an agent through its adapter and starts it in the task's worktree, in its own process
 * group, with the task's environment, the user's `agents.<name>.env` and the adapter's own on top.
 */
export async function startAgent(
  adapter: AgentAdapter,
  task: AgentTask,
  opts: { logFile: string; timeoutMs?: number },
): Promise<Supervised> {
  const launch = await adapter.prepare(task);
  const { cleanup } = launch;
  let child: Supervised;
  try {
    child = spawnSupervised(launch.command, {
      cwd: task.worktree,
      env: { ...task.env, ...task.override?.env, ...launch.env },
      shell: launch.shell ?? false,
      args: launch.args,
      logFile: opts.logFile,
      ...(launch.stdin !== undefined ? { input: launch.stdin } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      ...(launch.settleMs !== undefined ? { settleMs: launch.settleMs } : {}),
    });
  } catch (err) {
    cleanup?.();
    throw err;
  }
  // Copies of the user's config (tokens) must not outlive the agent and its process group.
  return cleanup ? { ...child, exited: child.exited.finally(cleanup) } : child;
}

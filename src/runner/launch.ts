import { performance } from 'node:perf_hooks';
import type { AgentAdapter, AgentTask } from '../agents/adapter.js';
import { agentLabel } from '../agents/registry.js';
import type { Contract } from '../contracts/schema.js';
import { ProcessTracker } from '../guard/daemons.js';
import type { ProcessInfo } from '../guard/proc.js';
import {
  followInteractiveAgent,
  isInteractive,
  runHasWindows,
  startInteractiveAgent,
} from '../interactive/launch.js';
import type { AgentUsage } from '../log/events.js';
import { type ProcessExit, type Supervised, spawnSupervised } from '../process/supervise.js';
import { runAgentAttempts } from './agent-retries.js';
import type { RunContext } from './context.js';
import { featureTimeLimit } from './outcome.js';
import type { FeaturePaths } from './preflight.js';

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

/** How the agent's last attempt ended, what all its attempts reported using, and how long they took (monotonic). */
export interface AgentRun {
  exit: ProcessExit;
  /** Cost, tokens and turns summed over every attempt of this run (a retry is paid for too). */
  usage?: AgentUsage;
  durationMs: number;
  timeoutMs?: number;
  /** Every process seen under the agent while it ran, so daemons that left its group can be found. */
  tracked: ProcessInfo[];
}

/**
 * `feature.started` for one attempt of the feature's agent; in a run with windows, whether it has one
 * (`send`, `attach` and `stop` say a feature without one runs headless).
 */
function emitStarted(
  ctx: RunContext,
  {
    task,
    p,
    child,
    attempt,
    base,
  }: { task: AgentTask; p: FeaturePaths; child: Supervised; attempt: number; base: string },
): void {
  const { feature } = task;
  const id = feature.feature_id;
  const windows = runHasWindows(ctx.opts.featureIds, ctx.contractOf, ctx.opts.config);
  ctx.sink.emit({
    type: 'feature.started',
    feature_id: id,
    status: 'running',
    agent: agentLabel(ctx.agents.get(id)!.spec),
    branch: p.branch,
    worktree: p.worktree,
    log_file: p.logFile,
    port: ctx.portOf(id).port,
    ...(child.pid !== undefined ? { pid: child.pid, pgid: child.pgid } : {}),
    ...(attempt > 1 ? { attempt } : {}),
    base_commit: base,
    ...(windows ? { interactive: isInteractive(task) } : {}),
  });
}

/**
 * Runs the feature's agent until it exits for good, by the rule of `runAgentAttempts`. Emits
 * `feature.started` for each attempt. Every process it starts is in `owned` while it runs.
 */
export async function launchAgent(
  ctx: RunContext,
  feature: Contract,
  task: AgentTask,
  p: FeaturePaths,
  owned: Set<Supervised>,
  base: string,
): Promise<AgentRun> {
  const { opts } = ctx;
  const id = feature.feature_id;
  const { adapter } = ctx.agents.get(id)!;
  const timeoutMs = featureTimeLimit(feature, opts.config)?.ms;
  // A window re-attached to (`--resume`) has been running since its first orchestrator started it.
  const adoptedWindow = ctx.adopted.get(id);
  const adoptedFor = Date.now() - Date.parse(adoptedWindow?.startedAt ?? '');
  const started = performance.now() - (Number.isFinite(adoptedFor) ? Math.max(0, adoptedFor) : 0);
  const tracked: ProcessInfo[] = [];
  const agentOpts = { logFile: p.logFile, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  const interactiveOpts = { ...agentOpts, ...(opts.onAgentEvent ? { onLogEvent: opts.onAgentEvent } : {}) };
  const { exit, usage } = await runAgentAttempts({
    adapter,
    logFile: p.logFile,
    retry: opts.config.retry,
    retries: feature.retries ?? 0,
    signal: opts.signal,
    async start(attempt) {
      const adopted = attempt === 1 ? adoptedWindow : undefined;
      const child = adopted
        ? followInteractiveAgent(adapter, task, adopted, interactiveOpts)
        : isInteractive(task)
          ? await startInteractiveAgent(adapter, task, interactiveOpts)
          : await startAgent(adapter, task, agentOpts);
      owned.add(child);
      ctx.running.add(child);
      const detach = opts.control?.attach(id, () => void child.stop('stop'));
      const tracker = new ProcessTracker(child.pid ?? -1);
      // An adopted window's `feature.started` is the dead orchestrator's; the run's `adopted_windows` says it goes on.
      if (!adopted) emitStarted(ctx, { task, p, child, attempt, base });
      if (opts.signal.aborted) void child.stop('interrupt');
      const ended = () => {
        tracked.push(...tracker.stop());
        detach?.();
        ctx.running.delete(child);
        owned.delete(child);
      };
      return { child, ended };
    },
    stopped: () => Boolean(opts.control?.stoppedFor(id)),
    retrying: (retry) => ctx.sink.emit({ type: 'agent.retrying', feature_id: id, ...retry }),
  });
  return {
    exit,
    ...(usage ? { usage } : {}),
    durationMs: Math.round(performance.now() - started),
    tracked,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

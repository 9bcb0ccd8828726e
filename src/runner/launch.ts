import { lstatSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { AgentAdapter, AgentTask } from '../agents/adapter.js';
import { addUsage } from '../agents/agent-output.js';
import { agentLabel } from '../agents/registry.js';
import type { Contract } from '../contracts/schema.js';
import { ProcessTracker } from '../guard/daemons.js';
import type { ProcessInfo } from '../guard/proc.js';
import { followInteractiveAgent, isInteractive, startInteractiveAgent } from '../interactive/launch.js';
import { usageWithinBounds } from '../log/event-fields.js';
import type { AgentRetrying, AgentUsage } from '../log/events.js';
import { pause } from '../process/pause.js';
import { type ProcessExit, type Supervised, spawnSupervised } from '../process/supervise.js';
import { timerMs } from '../timer-span.js';
import { readAttemptOutput } from './attempt-output.js';
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

/** How long the agent log already is (a retry appends to it); nothing but a regular file counts. */
function logLength(file: string): number {
  const s = lstatSync(file, { throwIfNoEntry: false });
  return s?.isFile() ? s.size : 0;
}

/** `feature.started` for one attempt of the feature's agent. */
function emitStarted(
  ctx: RunContext,
  {
    feature,
    p,
    child,
    attempt,
    base,
  }: { feature: Contract; p: FeaturePaths; child: Supervised; attempt: number; base: string },
): void {
  const id = feature.feature_id;
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
  });
}

/** A failed attempt's retry, as `agent.retrying` tells it, or undefined when the agent is not run again. */
function nextRetry(
  ctx: RunContext,
  rateLimited: boolean,
  exit: ProcessExit,
  done: { rateLimited: number; failed: number; maxFailed: number },
): Omit<AgentRetrying, 'type' | 'feature_id' | 'v' | 'ts' | 'run_id'> | undefined {
  const { retry } = ctx.opts.config;
  if (rateLimited && done.rateLimited < retry.attempts) {
    return {
      reason: 'rate-limited',
      exit_code: exit.exitCode,
      retry: done.rateLimited + 1,
      of: retry.attempts,
      // Growing by `factor` each time, held to what a timer can wait.
      delay_ms: timerMs(Math.round(retry.initial_delay_s * retry.factor ** done.rateLimited * 1000)),
    };
  }
  if (done.failed < done.maxFailed) {
    return {
      reason: 'failed',
      exit_code: exit.exitCode,
      retry: done.failed + 1,
      of: done.maxFailed,
      delay_ms: 0,
    };
  }
  return undefined;
}

/**
 * Runs the feature's agent until it exits for good: a rate-limited exit (as the adapter reads it, an
 * exit 0 included) is retried with backoff (config `retry`), any other failure up to the contract's
 * `retries`. Emits `feature.started` for
 * each attempt. Every process it starts is in `owned` while it runs.
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
  const maxRetries = feature.retries ?? 0;
  let rateLimitRetries = 0;
  let failureRetries = 0;
  // A window re-attached to (`--resume`) has been running since its first orchestrator started it.
  const adoptedWindow = ctx.adopted.get(id);
  const adoptedFor = Date.now() - Date.parse(adoptedWindow?.startedAt ?? '');
  const started = performance.now() - (Number.isFinite(adoptedFor) ? Math.max(0, adoptedFor) : 0);
  const tracked: ProcessInfo[] = [];
  let usage: AgentUsage | undefined;
  for (let attempt = 1; ; attempt++) {
    const logOffset = logLength(p.logFile);
    const agentOpts = { logFile: p.logFile, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
    const interactiveOpts = { ...agentOpts, ...(opts.onAgentEvent ? { onLogEvent: opts.onAgentEvent } : {}) };
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
    if (!adopted) emitStarted(ctx, { feature, p, child, attempt, base });
    if (opts.signal.aborted) void child.stop('interrupt');
    const exit = await child.exited;
    tracked.push(...tracker.stop());
    detach?.();
    ctx.running.delete(child);
    owned.delete(child);
    const output = adapter.ignoresOutput ? '' : readAttemptOutput(p.logFile, logOffset);
    usage = addUsage(usage, adapter.parseUsage(output));
    const done = (): AgentRun => ({
      exit,
      // Only figures the log's reader takes: one past its bounds would cost the whole exit line.
      ...(usage ? { usage: usageWithinBounds(usage) } : {}),
      durationMs: Math.round(performance.now() - started),
      tracked,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    const stopped = exit.stoppedBy === 'user' || opts.control?.stoppedFor(id);
    if (opts.signal.aborted || exit.timedOut || stopped) return done();
    // The adapter decides even on exit 0: Aider exits 0 when it gives up on a rate limit.
    const rateLimited = adapter.isRateLimited(output, exit.exitCode);
    if (exit.exitCode === 0 && !rateLimited) return done();
    const retry = nextRetry(ctx, rateLimited, exit, {
      rateLimited: rateLimitRetries,
      failed: failureRetries,
      maxFailed: maxRetries,
    });
    if (retry) {
      ctx.sink.emit({ type: 'agent.retrying', feature_id: id, ...retry });
      if (retry.reason === 'rate-limited') rateLimitRetries++;
      else failureRetries++;
      await pause(retry.delay_ms, opts.signal);
      if (opts.signal.aborted) return done();
      continue;
    }
    return done();
  }
}

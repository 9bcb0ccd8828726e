/**
 * A worker's run of a job's agent (`launchAttempt`): the task written, the agent started through its
 * adapter with the orchestrator's settings but this worker's program, and run by the local runner's
 * rule of usage and retries (`runAgentAttempts`).
 */
import { writeFileSync } from 'node:fs';
import type { AgentTask } from '../agents/adapter.js';
import { agentLabel } from '../agents/registry.js';
import type { AgentOverride } from '../config-schema.js';
import type { AgentUsage } from '../log/events.js';
import type { ProcessExit, Supervised } from '../process/supervise.js';
import { runAgentAttempts } from '../runner/agent-retries.js';
import { featureEnvironment } from '../runner/feature-env.js';
import { startAgent } from '../runner/launch.js';
import { buildTaskPrompt } from '../runner/task.js';
import type { AttemptContext, AttemptPaths, PreparedAttempt } from './attempt.js';
import { forgetAttemptAgent, recordAttemptAgent } from './attempt-agents.js';

/**
 * The agent's settings for a job on this worker: the orchestrator's (model, permission mode, args,
 * env), but the program is the one this worker found when it joined the agent's queue (its own
 * `agents.<name>.command`, or the agent on its PATH), never the orchestrator's `command`, a path on
 * another machine. Without one found, the adapter's usual name.
 */
export function workerOverride(
  orchestrator: AgentOverride | undefined,
  program: string | undefined,
): AgentOverride | undefined {
  if (orchestrator === undefined && program === undefined) return undefined;
  const { command: _elsewhere, ...rest } = orchestrator ?? {};
  return program === undefined ? rest : { ...rest, command: program };
}

/** The agent's last exit, when its first attempt was started (ms since the epoch), and its usage over all. */
export interface LaunchedAttempt {
  exit: ProcessExit;
  started: number;
  usage?: AgentUsage;
}

/**
 * How long a send of the attempt's events is waited on while it runs (ms): the events reach the run
 * in order whenever Redis answers, but an outage must not keep the checks and the push from going on.
 * The last send, before the result, is waited on whole (the result goes through Redis anyway).
 */
export const MID_FLUSH_MS = 2000;

/**
 * Writes the task and runs the agent by the local runner's rule (`runAgentAttempts`: its usage read,
 * retried when rate-limited or, up to the contract's `retries`, when it failed), each of its attempts
 * stopped if the job is aborted; waits for it to exit for good.
 */
export async function launchAttempt(ctx: AttemptContext, a: PreparedAttempt): Promise<LaunchedAttempt> {
  const { data } = ctx;
  const { feature, adapter, config, paths } = a;
  const { worktree, branch, taskFile, logPath, logFile } = paths;
  const prompt = buildTaskPrompt(feature, { branch, port: data.port, portBase: data.port_base });
  writeFileSync(taskFile, prompt);
  const started = Date.now();
  const task: AgentTask = {
    feature,
    prompt,
    taskFile,
    scratchDir: paths.scratchDir,
    worktree,
    runId: data.run_id,
    logPath,
    batonCommand: ctx.batonCommand,
    port: data.port,
    portBase: data.port_base,
    env: attemptEnv(ctx, paths),
    config,
    override: workerOverride(config.agents[adapter.name], ctx.programs.get(adapter.name)),
  };
  const { exit, usage } = await runAgentAttempts({
    adapter,
    logFile,
    retry: config.retry,
    retries: feature.retries ?? 0,
    signal: ctx.signal,
    start: () => startAttemptAgent(ctx, a, task),
    retrying: (retry) => a.sink.emit({ type: 'agent.retrying', feature_id: data.feature_id, ...retry }),
  });
  return { exit, started, ...(usage ? { usage } : {}) };
}

/** Starts the agent once, recorded in the attempt's folder while it runs, and says `feature.started`. */
async function startAttemptAgent(
  ctx: AttemptContext,
  a: PreparedAttempt,
  task: AgentTask,
): Promise<{ child: Supervised; ended: () => void }> {
  const { data } = ctx;
  const { paths } = a;
  const child = await startAgent(a.adapter, task, {
    logFile: paths.logFile,
    ...(data.timeout_ms !== undefined ? { timeoutMs: data.timeout_ms } : {}),
  });
  ctx.onAgent(child);
  // Recorded while it runs: a worker that takes this folder over after a kill -9 stops what is left of it.
  if (child.pgid !== undefined)
    recordAttemptAgent(ctx.dir, { pgid: child.pgid, runId: data.run_id, featureId: data.feature_id });
  const stopOnAbort = () => void child.stop('interrupt');
  ctx.signal.addEventListener('abort', stopOnAbort, { once: true });
  a.sink.emit({
    type: 'feature.started',
    feature_id: data.feature_id,
    status: 'running',
    agent: agentLabel(data.agent),
    branch: paths.featureBranch,
    worktree: paths.worktree,
    log_file: paths.logFile,
    port: data.port,
    attempt: ctx.attempt,
    ...(child.pid !== undefined ? { pid: child.pid, pgid: child.pgid } : {}),
    base_commit: data.base_commit,
  });
  await ctx.forwarder.flushWithin(MID_FLUSH_MS);
  const ended = () => {
    forgetAttemptAgent(ctx.dir);
    ctx.signal.removeEventListener('abort', stopOnAbort);
    ctx.onAgent(undefined);
  };
  return { child, ended };
}

/** The environment of the attempt's agent, as the local runner gives a feature's. */
function attemptEnv(ctx: AttemptContext, p: AttemptPaths): NodeJS.ProcessEnv {
  const { data } = ctx;
  return featureEnvironment(ctx.env, {
    featureId: data.feature_id,
    runId: data.run_id,
    taskFile: p.taskFile,
    logPath: p.logPath,
    worktree: p.worktree,
    branch: p.branch,
    port: data.port,
    portBase: data.port_base,
  });
}

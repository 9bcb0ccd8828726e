import { agentLabel, resolveAdapter } from '../agents/registry.js';
import type { Config } from '../config-schema.js';
import type { AgentSpec, Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { unitFilesIn } from '../log/paths.js';
import type { ProcessExit } from '../process/supervise.js';
import { makeStateFolder, writeStateFile } from '../state-write.js';
import { startAgent } from './launch.js';

/** One agent invocation outside a feature run: a task, a worktree, and where to keep its files. */
export interface AgentOnceOptions {
  spec: AgentSpec;
  feature: Contract;
  task: string;
  worktree: string;
  /** Folder for the task file, the agent's scratch files and its output log (outside the worktree). */
  dir: string;
  /** The state folder holding `dir` (`.baton`): no link below it is followed (`src/state-write.ts`). */
  stateDir: string;
  config: Config;
  logPath: string;
  runId: string;
  env: NodeJS.ProcessEnv;
  batonCommand: readonly string[];
  /** Extra environment for the agent (e.g. the conflicted files). */
  extraEnv?: Record<string, string>;
  timeoutMs?: number;
  /** Ctrl-C: stops the agent's whole process group (its exit then says `stoppedBy: 'interrupt'`). */
  signal?: AbortSignal;
}

/** Checks that the agent is installed; a clear error naming it and how to install it otherwise. */
export async function assertAgentInstalled(
  spec: AgentSpec,
  env: NodeJS.ProcessEnv,
  config: Config,
): Promise<void> {
  const adapter = resolveAdapter(spec);
  const found = await adapter.detect(env, config.agents[adapter.name], config.root);
  if (!found.installed) {
    throw new UserError(
      'agents/not-installed',
      `agent "${adapter.name}" (${adapter.displayName}) is not installed`,
      {
        hint: found.hint ?? adapter.installHint,
      },
    );
  }
}

/**
 * Runs any agent once, through its adapter, in `worktree` with `task` (used to resolve merge
 * conflicts on the integration branch). Resolves to how it exited, never rejects on a failed agent.
 */
export async function runAgentOnce(
  opts: AgentOnceOptions,
): Promise<ProcessExit & { logFile: string; agent: string }> {
  const adapter = resolveAdapter(opts.spec);
  const { scratchDir, taskFile, logFile } = unitFilesIn(opts.dir);
  makeStateFolder(opts.stateDir, scratchDir);
  writeStateFile(opts.stateDir, taskFile, opts.task);
  const env: NodeJS.ProcessEnv = {
    ...opts.env,
    BATON_FEATURE_ID: opts.feature.feature_id,
    BATON_RUN_ID: opts.runId,
    BATON_TASK_FILE: taskFile,
    BATON_LOG: opts.logPath,
    BATON_WORKTREE: opts.worktree,
    PWD: opts.worktree,
    ...opts.extraEnv,
  };
  const child = await startAgent(
    adapter,
    {
      feature: opts.feature,
      prompt: opts.task,
      taskFile,
      scratchDir,
      worktree: opts.worktree,
      runId: opts.runId,
      logPath: opts.logPath,
      batonCommand: opts.batonCommand,
      port: opts.config.port_base,
      portBase: opts.config.port_base,
      env,
      config: opts.config,
      override: opts.config.agents[adapter.name],
    },
    { logFile, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) },
  );
  const stop = () => void child.stop('interrupt');
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  const exit = await child.exited.finally(() => opts.signal?.removeEventListener('abort', stop));
  return { ...exit, logFile, agent: agentLabel(opts.spec) };
}

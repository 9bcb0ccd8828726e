import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentAdapter } from '../agents/adapter.js';
import { agentLabel, resolveAdapter } from '../agents/registry.js';
import { makeWorktreeVerifier } from '../checks/verify.js';
import { parseContract } from '../contracts/parse.js';
import { formatDiagnostic } from '../errors.js';
import { changedFiles, commitAll, git, gitRaw, listWorktrees } from '../git/git.js';
import { attemptRef, featureBranch } from '../git/refs.js';
import { createLogSink } from '../log/sink.js';
import { describeExit, type Supervised } from '../process/supervise.js';
import { startAgent } from '../runner/launch.js';
import { decideOutcome } from '../runner/outcome.js';
import { buildTaskPrompt } from '../runner/task.js';
import type { EventForwarder } from './event-stream.js';
import { fetchRef, pushAttempt } from './hub.js';
import { type JobData, type JobResult, workerConfig } from './job.js';

/** A job's input the worker could not use: the job fails at once, without retries elsewhere. */
export class BadJobError extends Error {
  override readonly name = 'BadJobError';
}

/** What one attempt needs from the worker around it. */
export interface AttemptContext {
  data: JobData;
  jobId: string;
  attempt: number;
  host: string;
  worker: string;
  hub: string;
  /** The worker's bare clone of the hub. */
  clone: string;
  /** Where this attempt keeps its worktree, log, task and scratch files. */
  dir: string;
  env: NodeJS.ProcessEnv;
  batonCommand: readonly string[];
  forwarder: EventForwarder;
  /** Serialises git commands on the shared clone's admin files. */
  gitLock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Receives the agent's process as soon as it runs, so a lost lock can stop it. */
  onAgent: (child: Supervised | undefined) => void;
  signal: AbortSignal;
}

/** Parses the contract carried by a job; a contract this worker cannot read is a BadJobError naming the file. */
function contractOf(data: JobData) {
  const parsed = parseContract(data.contract.text, data.contract.file, { knownIds: new Set(data.known_ids) });
  if (!parsed.ok) {
    const first = parsed.errors[0];
    throw new BadJobError(
      `this worker cannot parse ${data.contract.file}: ${first ? formatDiagnostic(first).split('\n')[0] : 'invalid'}`,
    );
  }
  if (parsed.value.feature_id !== data.feature_id) {
    throw new BadJobError(`${data.contract.file} is for ${parsed.value.feature_id}, not ${data.feature_id}`);
  }
  return data.contract.spec !== undefined ? { ...parsed.value, spec: data.contract.spec } : parsed.value;
}

/** A worktree of the clone on `baton/<id>` at the base commit, after removing this feature's old ones. */
async function makeWorktree(ctx: AttemptContext, path: string, branch: string): Promise<void> {
  await ctx.gitLock(async () => {
    for (const w of await listWorktrees(ctx.clone)) {
      if (w.branch === branch) await gitRaw(ctx.clone, ['worktree', 'remove', '--force', w.path]);
    }
    await gitRaw(ctx.clone, ['worktree', 'prune']);
    await git(ctx.clone, ['worktree', 'add', '--quiet', '-f', '-B', branch, path, ctx.data.base_commit]);
  });
}

/**
 * Runs one attempt of a feature's job on this worker, the way the local runner runs a feature:
 * worktree from the run's base, the agent through its adapter, commit, the same checks; then
 * pushes the result to the attempt's own ref in the hub. It never writes `baton/<id>` in the hub
 * and never decides that the feature ended: the orchestrator does both, from BullMQ's job state.
 * One straight sequence of steps, mirroring the local runner's `runOne`, kept in one piece so the
 * two can be read side by side.
 */
export async function runAttempt(ctx: AttemptContext): Promise<JobResult> {
  const { data } = ctx;
  const feature = contractOf(data);
  let adapter: AgentAdapter;
  try {
    adapter = resolveAdapter(data.agent);
  } catch (err) {
    throw new BadJobError(err instanceof Error ? err.message : String(err));
  }
  const id = data.feature_id;
  const branch = featureBranch(id);
  const worktree = join(ctx.dir, 'worktree');
  const logPath = join(ctx.dir, 'log.jsonl');
  const logFile = join(ctx.dir, 'agent.log');
  const taskFile = join(ctx.dir, 'task.md');
  const scratchDir = join(ctx.dir, 'scratch');
  rmSync(ctx.dir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  const config = workerConfig(data, ctx.dir);
  const sink = createLogSink({ logPath, runId: data.run_id });

  await ctx.gitLock(() => fetchRef(ctx.clone, ctx.hub, data.base_ref));
  await makeWorktree(ctx, worktree, branch);
  sink.emit({
    type: 'worktree.created',
    feature_id: id,
    path: worktree,
    branch,
    base_commit: data.base_commit,
    reused: false,
  });
  const env: NodeJS.ProcessEnv = {
    ...ctx.env,
    BATON_FEATURE_ID: id,
    BATON_RUN_ID: data.run_id,
    BATON_TASK_FILE: taskFile,
    BATON_LOG: logPath,
    BATON_WORKTREE: worktree,
    PWD: worktree,
    BATON_BRANCH: branch,
    PORT: String(data.port),
    BATON_PORT_BASE: String(data.port_base),
  };
  const prompt = buildTaskPrompt(feature, { branch, port: data.port, portBase: data.port_base });
  writeFileSync(taskFile, prompt);
  const started = Date.now();
  const child = await startAgent(
    adapter,
    {
      feature,
      prompt,
      taskFile,
      scratchDir,
      worktree,
      runId: data.run_id,
      logPath,
      batonCommand: ctx.batonCommand,
      port: data.port,
      portBase: data.port_base,
      env,
      config,
      override: config.agents[adapter.name],
    },
    { logFile, ...(data.timeout_ms !== undefined ? { timeoutMs: data.timeout_ms } : {}) },
  );
  ctx.onAgent(child);
  const stopOnAbort = () => void child.stop('interrupt');
  ctx.signal.addEventListener('abort', stopOnAbort, { once: true });
  sink.emit({
    type: 'feature.started',
    feature_id: id,
    status: 'running',
    agent: agentLabel(data.agent),
    branch,
    worktree,
    log_file: logFile,
    port: data.port,
    attempt: ctx.attempt,
    ...(child.pid !== undefined ? { pid: child.pid, pgid: child.pgid } : {}),
  });
  await ctx.forwarder.flush();
  const exit = await child.exited;
  ctx.signal.removeEventListener('abort', stopOnAbort);
  ctx.onAgent(undefined);
  const interrupted = exit.stoppedBy === 'interrupt';
  const commit =
    (interrupted
      ? undefined
      : await commitAll(
          worktree,
          `${feature.title}\n\nBaton: feature ${id}, run ${data.run_id}, job ${ctx.jobId}.${ctx.attempt} on ${ctx.host}`,
        )) ?? (await git(worktree, ['rev-parse', 'HEAD']));
  const files = await changedFiles(worktree, data.base_commit, 'HEAD', false);
  const reason = exit.exitCode !== 0 ? describeExit(exit, data.timeout_ms) : undefined;
  sink.emit({
    type: 'agent.exited',
    feature_id: id,
    exit_code: exit.exitCode,
    signal: exit.signal,
    duration_ms: Date.now() - started,
    files,
    commit,
    ...(exit.timedOut ? { timed_out: true } : {}),
    ...(reason ? { reason } : {}),
  });
  await ctx.forwarder.flush();
  let checks: { passed: number; failed: number; unverifiable: number; total: number } | undefined;
  if (data.verify && !interrupted && !exit.timedOut && exit.exitCode === 0 && files.length > 0) {
    checks = await makeWorktreeVerifier({ config, logPath, env: ctx.env })({
      feature,
      worktree,
      port: data.port,
      base: data.base_commit,
      branch,
      runId: data.run_id,
      changed: files,
      signal: ctx.signal,
      sink,
    });
  }
  const outcome = decideOutcome({
    interrupted,
    timedOut: exit.timedOut,
    exitCode: exit.exitCode,
    changedFiles: files.length,
    ...(checks ? { checks } : {}),
  });
  const ref = attemptRef(id, ctx.jobId, ctx.attempt);
  await pushAttempt(worktree, ctx.hub, commit, ref);
  await ctx.forwarder.flush();
  return {
    status: outcome.status,
    ...(outcome.status === 'failed' && reason
      ? { reason: `the agent failed on ${ctx.host}: ${reason}` }
      : outcome.reason
        ? { reason: outcome.reason }
        : {}),
    attempt_ref: ref,
    commit,
    attempt: ctx.attempt,
    host: ctx.host,
    worker: ctx.worker,
    files,
  };
}

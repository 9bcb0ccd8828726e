import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentAdapter } from '../agents/adapter.js';
import { resolveAdapter } from '../agents/registry.js';
import { makeWorktreeVerifier } from '../checks/verify.js';
import type { Config } from '../config-schema.js';
import { parseContract } from '../contracts/parse.js';
import type { Contract } from '../contracts/schema.js';
import { formatDiagnostic } from '../errors.js';
import { commitAll, git } from '../git/git.js';
import { attemptRef, featureBranch } from '../git/refs.js';
import { parseRawDiff } from '../git/sequence.js';
import { statusEntries } from '../git/status.js';
import { unitFilesIn } from '../log/paths.js';
import { createLogSink, type EventSink } from '../log/sink.js';
import { describeExit, type ProcessExit, type Supervised } from '../process/supervise.js';
import { decideOutcome } from '../runner/outcome.js';
import { addFailureReason, findUnmergeable, unmergeableReason } from '../runner/unmergeable.js';
import { errorMessage } from '../text/error-message.js';
import { dropWorktree, makeWorktree, pushResult } from './attempt-git.js';
import { type LaunchedAttempt, launchAttempt, MID_FLUSH_MS } from './attempt-launch.js';
import type { EventForwarder } from './event-stream.js';
import { fetchRef, hubRemote } from './hub.js';
import { HubAnswered, retryHub } from './hub-retry.js';
import { type JobData, type JobResult, workerConfig } from './job.js';
import { jobInstanceOf, workerBranchOf } from './names.js';

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
  /** The program this worker found for each agent as it joined that agent's queue (absolute paths). */
  programs: ReadonlyMap<string, string>;
  /** Receives the agent's process as soon as it runs, so a lost lock can stop it. */
  onAgent: (child: Supervised | undefined) => void;
  signal: AbortSignal;
  /** How long a hub that does not answer is tried again before a fetch or push fails (`retryHub`). */
  hubRetryMs: number;
  /** Lines for the worker's output (a hub outage waited out). */
  log: (line: string) => void;
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

/** Where one attempt keeps its files, under its folder. */
export interface AttemptPaths {
  worktree: string;
  logPath: string;
  logFile: string;
  taskFile: string;
  scratchDir: string;
  /** The attempt's own branch in the worker's clone, checked out in its worktree. */
  branch: string;
  /** The feature's branch, `baton/<feature_id>`: what the orchestrator promotes this work to. */
  featureBranch: string;
}

/** An attempt ready to launch: the contract, the adapter, its worktree made and its log sink open. */
export interface PreparedAttempt {
  feature: Contract;
  adapter: AgentAdapter;
  config: Config;
  sink: EventSink;
  paths: AttemptPaths;
}

/** What the agent left: its exit, the commit the attempt pushes, the files it changed. */
interface SettledAttempt {
  exit: ProcessExit;
  interrupted: boolean;
  commit: string;
  files: string[];
  /** Why the agent failed, in words, when its exit code was not 0. */
  reason: string | undefined;
  /** Why the work cannot be merged whatever its checks say (`unmergeableReason`). */
  refused?: string;
  /** Why git could not commit the agent's work (`addFailureReason`): the attempt fails, whatever its exit. */
  unsaved?: string;
}

/** `work`, or nothing once `signal` is aborted (never rejects). */
function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  const settled = work.catch(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve(undefined);
    };
    signal.addEventListener('abort', done, { once: true });
    void settled.then(done);
  });
}

/**
 * Runs one attempt of a feature's job on this worker, the way the local runner runs a feature:
 * worktree from the run's base, the agent through its adapter, commit, the same checks; then
 * pushes the result to the attempt's own ref in the hub. It never writes `baton/<id>` in the hub
 * and never decides that the feature ended: the orchestrator does both, from BullMQ's job state.
 * The same steps as the local runner's feature lifecycle: prepare → launch → settle → check → end.
 */
export async function runAttempt(ctx: AttemptContext): Promise<JobResult> {
  const prepared = await prepareAttempt(ctx);
  const settled = await settleAttempt(ctx, prepared, await launchAttempt(ctx, prepared));
  const checks = await checkAttempt(ctx, prepared, settled);
  const { exitCode, timedOut } = settled.exit;
  const decided = decideOutcome({
    interrupted: settled.interrupted,
    timedOut,
    exitCode,
    changedFiles: settled.files.length,
    ...(checks ? { checks } : {}),
  });
  const outcome = settled.unsaved
    ? { status: 'failed' as const, reason: settled.unsaved }
    : settled.refused && decided.status === 'complete'
      ? { status: 'failed' as const, reason: settled.refused }
      : decided;
  const ref = attemptRef(ctx.data.feature_id, jobInstanceOf(ctx.jobId, ctx.data.enqueue), ctx.attempt);
  await pushResult(ctx, prepared.paths, settled.commit, ref);
  await dropWorktree(ctx, prepared.paths.worktree, prepared.paths.branch);
  // Waited on whole, unless the job is given up meanwhile (its worker stopped while Redis is away).
  await untilAborted(ctx.forwarder.flush(), ctx.signal);
  return attemptResult(ctx, outcome, settled, ref);
}

/** The contract read, the adapter resolved, a fresh folder, and the worktree at the run's base. */
async function prepareAttempt(ctx: AttemptContext): Promise<PreparedAttempt> {
  const { data } = ctx;
  const feature = contractOf(data);
  let adapter: AgentAdapter;
  try {
    adapter = resolveAdapter(data.agent);
  } catch (err) {
    throw new BadJobError(errorMessage(err));
  }
  const paths = attemptPaths(
    ctx.dir,
    data.feature_id,
    workerBranchOf(jobInstanceOf(ctx.jobId, data.enqueue), ctx.attempt),
  );
  rmSync(ctx.dir, { recursive: true, force: true });
  mkdirSync(paths.scratchDir, { recursive: true });
  const config = workerConfig(data, ctx.dir);
  const sink = createLogSink({ logPath: paths.logPath, runId: data.run_id });
  // A hub that does not answer for a while is waited out here, not charged to one of the job's attempts;
  // one that answers it has no such base fails the job for good (no attempt would find it).
  await retryHub(() => ctx.gitLock(() => fetchRef(ctx.clone, hubRemote(ctx.hub, ctx.env), data.base_ref)), {
    windowMs: ctx.hubRetryMs,
    what: `fetch of ${data.base_ref}`,
    say: ctx.log,
    signal: ctx.signal,
  }).catch((err: unknown) => {
    if (err instanceof HubAnswered) throw new BadJobError(`${err.message}: the run's base is not there`);
    throw err;
  });
  await makeWorktree(ctx, paths.worktree, paths.branch);
  sink.emit({
    type: 'worktree.created',
    feature_id: data.feature_id,
    path: paths.worktree,
    branch: paths.featureBranch,
    base_commit: data.base_commit,
    reused: false,
  });
  return { feature, adapter, config, sink, paths };
}

function attemptPaths(dir: string, featureId: string, branch: string): AttemptPaths {
  return {
    worktree: join(dir, 'worktree'),
    logPath: join(dir, 'log.jsonl'),
    ...unitFilesIn(dir),
    branch,
    featureBranch: featureBranch(featureId),
  };
}

/** Commits what the agent left (not after an interrupt), lists the changed files, records the exit. */
async function settleAttempt(
  ctx: AttemptContext,
  a: PreparedAttempt,
  { exit, started, usage }: LaunchedAttempt,
): Promise<SettledAttempt> {
  const { data } = ctx;
  const { worktree } = a.paths;
  const interrupted = exit.stoppedBy === 'interrupt';
  const message = `${a.feature.title}\n\nBaton: feature ${data.feature_id}, run ${data.run_id}, job ${jobInstanceOf(ctx.jobId, data.enqueue)}.${ctx.attempt} on ${ctx.host}`;
  // A nested repository with no commit makes `git add --all` fail: said in words, as the local runner does.
  let unsaved: string | undefined;
  const committed = interrupted
    ? undefined
    : await commitAll(worktree, message).catch(async (err: unknown) => {
        unsaved = addFailureReason(worktree, await statusEntries(worktree), err);
        return undefined;
      });
  const commit = committed ?? (await git(worktree, ['rev-parse', 'HEAD']));
  const changed = parseRawDiff(
    await git(worktree, ['diff', '--raw', '-z', '--no-renames', `${data.base_commit}..HEAD`]),
  );
  const files = changed.files;
  // What no branch may carry (Baton's state, a nested repository): the attempt ends failed, and its
  // commit still goes to the hub, where it stays an attempt's ref. The orchestrator reads the commit
  // again before promoting (this status is only the worker's word) and never moves `baton/<id>` to it.
  const refused = unmergeableReason(await findUnmergeable(worktree, changed));
  const reason = exit.exitCode !== 0 ? describeExit(exit, data.timeout_ms) : undefined;
  a.sink.emit({
    type: 'agent.exited',
    feature_id: data.feature_id,
    exit_code: exit.exitCode,
    signal: exit.signal,
    duration_ms: Date.now() - started,
    files,
    commit,
    ...(exit.timedOut ? { timed_out: true } : {}),
    ...(usage ? { usage } : {}),
    ...(reason ? { reason } : {}),
  });
  await ctx.forwarder.flushWithin(MID_FLUSH_MS);
  return {
    exit,
    interrupted,
    commit,
    files,
    reason,
    ...(refused ? { refused } : {}),
    ...(unsaved ? { unsaved } : {}),
  };
}

/** The feature's checks, when the job asks for them and the agent ended well with changes. */
async function checkAttempt(ctx: AttemptContext, a: PreparedAttempt, s: SettledAttempt) {
  const { data } = ctx;
  const { exit, files } = s;
  if (!data.verify || s.interrupted || exit.timedOut || exit.exitCode !== 0 || files.length === 0) {
    return undefined;
  }
  return makeWorktreeVerifier({ config: a.config, logPath: a.paths.logPath, env: ctx.env })({
    feature: a.feature,
    worktree: a.paths.worktree,
    port: data.port,
    base: data.base_commit,
    branch: a.paths.branch,
    runId: data.run_id,
    changed: files,
    signal: ctx.signal,
    sink: a.sink,
  });
}

/** The job's result as the orchestrator reads it (pure). */
function attemptResult(
  ctx: AttemptContext,
  outcome: ReturnType<typeof decideOutcome>,
  s: SettledAttempt,
  ref: string,
): JobResult {
  return {
    status: outcome.status,
    ...(outcome.status === 'failed' && s.reason
      ? { reason: `the agent failed on ${ctx.host}: ${s.reason}` }
      : outcome.reason
        ? { reason: outcome.reason }
        : {}),
    attempt_ref: ref,
    commit: s.commit,
    attempt: ctx.attempt,
    host: ctx.host,
    worker: ctx.worker,
    files: s.files,
  };
}

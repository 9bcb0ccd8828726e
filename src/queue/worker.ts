import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config-schema.js';
import { formatUserError, UserError } from '../errors.js';
import { createMutex } from '../lock/mutex.js';
import { runCommandEndTasks } from '../process/at-command-end.js';
import type { Supervised } from '../process/supervise.js';
import { withoutQueueAccess } from '../runner/feature-env.js';
import { escapeControl } from '../text/escape.js';
import { clipShown } from '../text/one-line.js';
import { BadJobError, runAttempt } from './attempt.js';
import { UnpushedError } from './attempt-git.js';
import {
  BULLMQ_CONNECTION,
  connectRedis,
  drainMsOf,
  queueCloseMsOf,
  quietErrors,
  reportOutages,
  sayQueueErrors,
} from './connection.js';
import { createEventForwarder } from './event-stream.js';
import { type Heartbeat, startHeartbeat } from './heartbeat.js';
import { assertHubIsNotRepository, ensureHubClone, hubRemote } from './hub.js';
import { HUB_RETRY_MS } from './hub-retry.js';
import { type JobClaim, JobDataSchema, type JobResult, refusalOf } from './job.js';
import { jobInstanceOf, QUEUE_PREFIX, queueName, redactUrl } from './names.js';
import { chooseAgents } from './worker-agents.js';
import { claimWorkerDir } from './worker-dir.js';

/** Everything `baton worker` needs. */
export interface WorkerOptions {
  queue: string;
  /** The setting `queue` came from (`--queue`, `queue` in the config file, BATON_QUEUE), which an unreachable Redis's hint names. */
  queueFrom?: string;
  hub: string;
  /** Jobs at once, per agent queue. */
  concurrency: number;
  /** Agent names this worker takes jobs for; default: every installed one, plus `command`. */
  agents?: string[];
  /** Where the cached hub clone and the attempts live. */
  dir?: string;
  name?: string;
  /** The folder `baton worker` was started in: a hub that is its repository is refused (`assertHubIsNotRepository`). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * The config of the folder the worker runs in (its `agents.<name>.command` and `env`, relative paths
   * from its `root`), with which each agent is looked for, as `baton agents` there would find it.
   */
  agentConfig?: Pick<Config, 'root' | 'agents'>;
  batonCommand: readonly string[];
  /** Lock duration and stalled-check interval, ms (short in tests). */
  lockMs?: number;
  /** How long a hub that does not answer is tried again before a fetch or push fails (ms; `retryHub`). */
  hubRetryMs?: number;
  stalledMs?: number;
  log: (line: string) => void;
}

/** A running worker: close it to finish (SIGTERM) or drop everything (SIGKILL is the other way). */
export interface RunningWorker {
  id: string;
  close(): Promise<void>;
  /**
   * Stops the agents of the jobs in hand (a second Ctrl-C): each attempt ends interrupted and its job
   * goes back to the queue for another worker. Returns how many jobs were in hand.
   */
  stopJobs(): number;
  /**
   * Drops every connection at once, what is waiting on Redis failing: for a worker whose jobs cannot
   * finish (Redis away after their agents were stopped). Their jobs stall, and the queue gives them to
   * another worker.
   */
  abandon(): void;
}

/** The first line of why an attempt failed; a user error with its code, as the CLI prints it. */
function failureLine(err: Error): string {
  return (err instanceof UserError ? formatUserError(err) : err.message).split('\n')[0] ?? '';
}

/** A job this worker is running: its agent once started, whether its lock was lost or the user stopped it, its abort. */
interface RunningJob {
  child?: Supervised;
  lost: boolean;
  /** The user stopped this worker's jobs (`stopJobs`): the job goes back to the queue. */
  dropped?: boolean;
  abort: AbortController;
}

/** What the worker's jobs share: its identity, its folder and clone, Redis, the jobs running now. */
interface WorkerState {
  opts: WorkerOptions;
  id: string;
  host: string;
  dir: string;
  clone: string;
  redis: Redis;
  gitLock: ReturnType<typeof createMutex>;
  heartbeat: Heartbeat;
  running: Map<string, RunningJob>;
  /** The program this worker found for each agent: the one its jobs run (see workerOverride). */
  programs: ReadonlyMap<string, string>;
}

/**
 * Starts `baton worker`: checks Redis, the hub and the agents, keeps a cached clone of the hub,
 * and takes jobs from the queue of each agent it has installed. While an agent runs, BullMQ renews
 * the job's lock; when a renewal fails the agent's process group is stopped, since another worker
 * will take (or has taken) the job.
 */
export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { chosen: agents, programs } = await chooseAgents(opts);
  if (agents.length === 0) {
    throw new UserError(
      'worker/no-agents',
      `no agent is installed on ${hostname()}; this worker could take no job`,
      {
        hint: 'Install an agent CLI (see `baton agents`) or pass --agents command for shell-command agents.',
      },
    );
  }
  await assertHubIsNotRepository(opts.cwd, opts.hub);
  const redis = await connectRedis(opts.queue, 'baton-worker', queueCloseMsOf(opts.env), opts.queueFrom);
  reportOutages(redis, opts.queue, opts.log);
  // An open connection keeps the process alive: a start that fails (the hub unreachable) closes it.
  try {
    return await startOn(redis, opts, agents, programs);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

/** The rest of the start, on the worker's proven connection: its folder, its name (the heartbeat), the clone, the queues. */
async function startOn(
  redis: Redis,
  opts: WorkerOptions,
  agents: string[],
  programs: ReadonlyMap<string, string>,
): Promise<RunningWorker> {
  const host = hostname();
  const id = opts.name ?? `${host}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const dir = await claimWorkerDir(opts);
  // The name before the clone: a worker refused the name of a live one clones nothing.
  const { concurrency, hub } = opts;
  const heartbeat = await startHeartbeat(redis, { id, host, pid: process.pid, agents, concurrency, hub });
  let state: WorkerState;
  let opened: ReturnType<typeof openQueues>;
  try {
    const clone = join(dir, 'hub.git');
    await ensureHubClone(clone, hubRemote(opts.hub, opts.env));
    const gitLock = createMutex();
    state = { opts, id, host, dir, clone, redis, gitLock, heartbeat, running: new Map(), programs };
    opened = openQueues(state, agents);
  } catch (err) {
    await heartbeat.stop();
    throw err;
  }
  const { workers, connections } = opened;
  opts.log(
    `worker ${id} on ${redactUrl(opts.queue)}, hub ${opts.hub}, agents ${agents.join(', ')}, ${opts.concurrency} at once`,
  );
  return {
    id,
    stopJobs: () => {
      for (const entry of state.running.values()) {
        if (entry.dropped || entry.lost) continue;
        entry.dropped = true;
        entry.abort.abort();
        void entry.child?.stop('interrupt');
      }
      return state.running.size;
    },
    abandon() {
      // BullMQ's own blocking connections go with its forced close, which waits for no job.
      for (const w of workers) void w.close(true).catch(() => undefined);
      for (const c of connections) c.disconnect();
      redis.disconnect();
    },
    async close() {
      // With no job in hand there is nothing to finish, and BullMQ's close and the heartbeat's removal
      // wait on Redis, which may be gone (an outage would keep the worker from ever exiting).
      const idle = state.running.size === 0;
      const waitMs = queueCloseMsOf(opts.env);
      await Promise.all([
        bounded(Promise.all(workers.map((w) => w.close(idle))), idle ? waitMs : undefined),
        bounded(heartbeat.stop(), waitMs),
      ]);
      for (const c of connections) c.disconnect();
      redis.disconnect();
    },
  };
}

/** `work`, or nothing once `ms` have passed (never rejects). */
function bounded(work: Promise<unknown>, ms: number | undefined): Promise<unknown> {
  const settled = work.catch(() => undefined);
  if (ms === undefined) return settled;
  return Promise.race([settled, new Promise((r) => setTimeout(r, ms).unref())]);
}

/** One BullMQ worker per agent queue, each on its own connection, and what it reports logged. */
function openQueues(
  state: WorkerState,
  agents: readonly string[],
): { workers: Worker[]; connections: Redis[] } {
  const connections: Redis[] = [];
  const workers: Worker[] = [];
  try {
    for (const agent of agents) workers.push(openQueue(state, agent, connections));
  } catch (err) {
    // What was opened before the failure is closed with it; the caller closes the rest.
    for (const w of workers) void w.close().catch(() => undefined);
    for (const c of connections) c.disconnect();
    throw err;
  }
  return { workers, connections };
}

/** The BullMQ worker of one agent's queue, on a connection of its own (added to `connections`). */
function openQueue(state: WorkerState, agent: string, connections: Redis[]): Worker {
  const { opts } = state;
  const lockMs = opts.lockMs ?? 30_000;
  const connection = quietErrors(state.redis.duplicate(BULLMQ_CONNECTION));
  connections.push(connection);
  // What a job's checks left running is stopped once no job runs (another may be using a daemon it started).
  const handle = (job: Job, token?: string) =>
    handleJob(state, job, token).finally(() => {
      if (state.running.size === 0) void runCommandEndTasks();
    });
  const w = new Worker(queueName(agent, opts.hub), handle, {
    connection,
    prefix: QUEUE_PREFIX,
    concurrency: opts.concurrency,
    lockDuration: lockMs,
    stalledInterval: opts.stalledMs ?? Math.max(1000, Math.round(lockMs / 2)),
    drainDelay: drainMsOf(opts.env) / 1000,
    maxStalledCount: 3,
    name: state.id,
  });
  w.on('lockRenewalFailed', (jobIds: string[]) => stopLostJobs(state, jobIds));
  // A lost connection is said once, by the worker's outage report, not at each reconnect of each queue.
  sayQueueErrors(w, opts.log, (message) =>
    /lock/i.test(message) ? `result refused by the queue: ${message}` : undefined,
  );
  w.on('failed', (job, err) => {
    if (job) opts.log(escapeControl(`${shownJobId(job)}: attempt failed: ${failureLine(err)}`));
  });
  return w;
}

/** Stops the agents of jobs whose lock could not be renewed: another worker takes (or took) them. */
function stopLostJobs(state: WorkerState, jobIds: readonly string[]): void {
  for (const jobId of jobIds) {
    const entry = state.running.get(jobId);
    if (!entry || entry.lost) continue;
    entry.lost = true;
    state.opts.log(
      `${escapeControl(jobId)}: could not renew the job's lock; stopping its agent (another worker takes the job)`,
    );
    entry.abort.abort();
    void entry.child?.stop('stop');
  }
}

/** A job's id as the worker prints it: it comes from Redis, so its control characters are escaped, and a long one cut. */
function shownJobId(job: Pick<Job, 'id'>): string {
  return escapeControl(clipShown(String(job.id)));
}

/**
 * Runs one job: claims it (host, worker, attempt), runs the attempt with its events forwarded, and
 * discards the result if the lock was lost meanwhile. A job this worker cannot use fails for good,
 * among them one Baton did not make (`refusalOf`).
 */
async function handleJob(state: WorkerState, job: Job, token: string | undefined): Promise<JobResult> {
  const { opts, running, heartbeat } = state;
  const parsed = JobDataSchema.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `job ${shownJobId(job)} carries data this worker cannot read (a different Baton version?)`,
    );
  }
  const refused = refusalOf(String(job.id), parsed.data);
  if (refused) throw new UnrecoverableError(`job ${shownJobId(job)} is refused: ${refused}`);
  if (parsed.data.hub !== opts.hub) {
    const why = `its hub is ${escapeControl(parsed.data.hub)}, not this worker's; put back on the queue for a worker of that hub`;
    return putBack(state, job, token, why, PUT_BACK_MS);
  }
  const jobId = String(job.id);
  const attempt = job.attemptsStarted;
  const claim: JobClaim = { host: state.host, worker: state.id, attempt };
  await job.updateProgress(claim as unknown as object);
  const entry: RunningJob = { lost: false, abort: new AbortController() };
  running.set(jobId, entry);
  heartbeat.setActive([...running.keys()]);
  // Named by this enqueue of the job: one enqueued again after Redis lost it starts at attempt 1 again.
  const instance = jobInstanceOf(jobId, parsed.data.enqueue);
  const attemptDir = join(state.dir, 'attempts', `${instance}.${attempt}`);
  const forwarder = createEventForwarder({
    redis: state.redis,
    runId: parsed.data.run_id,
    instance,
    attempt,
    logPath: join(attemptDir, 'log.jsonl'),
  });
  const ticker = setInterval(() => void forwarder.flush().catch(() => undefined), 500);
  opts.log(`${jobId}: attempt ${attempt} started`);
  try {
    const result = await runAttempt({
      data: parsed.data,
      jobId,
      attempt,
      host: state.host,
      worker: state.id,
      hub: opts.hub,
      clone: state.clone,
      dir: attemptDir,
      // Nothing the attempt runs (agent, hooks, checks) gets the queue: it could take jobs and lie.
      env: withoutQueueAccess(opts.env, opts.queue),
      batonCommand: opts.batonCommand,
      forwarder,
      gitLock: state.gitLock,
      programs: state.programs,
      onAgent: (child) => {
        if (child) entry.child = child;
      },
      signal: entry.abort.signal,
      hubRetryMs: opts.hubRetryMs ?? HUB_RETRY_MS,
      log: (line) => opts.log(`${jobId}: ${line}`),
    });
    if (entry.lost)
      throw new Error(`lost the lock of job ${jobId} while its agent ran; the result is discarded`);
    if (entry.dropped) return await putBack(state, job, token, handedBack(attempt), HAND_BACK_MS);
    opts.log(`${jobId}: attempt ${attempt} ended ${result.status}; pushed ${result.attempt_ref}`);
    return result;
  } catch (err) {
    // Already put back (a DelayedError from `putBack` above): once is enough.
    if (err instanceof DelayedError) throw err;
    if (entry.dropped) return await putBack(state, job, token, handedBack(attempt), HAND_BACK_MS);
    if (err instanceof BadJobError || err instanceof UnpushedError) throw new UnrecoverableError(err.message);
    throw err;
  } finally {
    clearInterval(ticker);
    running.delete(jobId);
    heartbeat.setActive([...running.keys()]);
  }
}

/**
 * Puts a job back on the queue without spending one of its attempts (a delay, not a failure), saying
 * `why`: one whose agent the user stopped (`stopJobs`, a second Ctrl-C), taken by another worker after
 * `HAND_BACK_MS`; one whose refs live in another hub than this worker's (queues are per hub, so this
 * takes two hubs whose keys collide, or a job written by hand), after `PUT_BACK_MS`.
 */
async function putBack(
  state: WorkerState,
  job: Job,
  token: string | undefined,
  why: string,
  ms: number,
): Promise<never> {
  state.opts.log(`${shownJobId(job)}: ${why}`);
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

/** What a worker says of an attempt the user stopped with a second Ctrl-C. */
const handedBack = (attempt: number) =>
  `attempt ${attempt} stopped (a second Ctrl-C on this worker); the job goes back to the queue`;

/** How long a job this worker handed back waits before a worker takes it (ms). */
const HAND_BACK_MS = 1000;

/** How long a job of another hub waits before a worker takes it again (only a hub key collision puts it here). */
const PUT_BACK_MS = 5000;

/** For `baton workers`: the connection is the caller's. */
export type { Redis };

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Queue, type QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { agentLabel, resolveAdapter } from '../agents/registry.js';
import type { Config } from '../config-schema.js';
import { rereadContract } from '../contracts/load.js';
import type { AgentSpec } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { existingBranches } from '../git/branches.js';
import { resolveCommit } from '../git/git.js';
import { featureBranch } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { resumeCommand } from '../guard/liveness.js';
import { recordRunInLock } from '../lock/baton-lock.js';
import type { Clock } from '../log/append.js';
import type { BatonEvent, FeatureEnded, NewEvent, QueueJob } from '../log/events.js';
import { createLogSink, type EventSink } from '../log/sink.js';
import type { RunQueue } from '../log/state.js';
import { portBlockFor } from '../ports.js';
import { featureTimeLimit } from '../runner/outcome.js';
import { ensureStateDir, newRunId, type RunSummary } from '../runner/run.js';
import { escapeControl } from '../text/escape.js';
import { BULLMQ_CONNECTION, connectRedis, quietErrors, reportOutages } from './connection.js';
import { createEventConsumer, type EventConsumer, seenEventIds } from './event-stream.js';
import { followJobs, listenForHints } from './follow.js';
import { assertHubReachable, pushBase } from './hub.js';
import type { JobData } from './job.js';
import { baseRefOf, jobIdOf, QUEUE_PREFIX, queueName, redactUrl } from './names.js';
import { enqueueOf, type Tracked } from './reconcile.js';
import { followedFeatures, previousQueuedRun } from './resume.js';

/** What `baton run --queue` needs; built by `cli/run.ts` from the project and flags. */
export interface QueuedRunOptions {
  root: string;
  config: Config;
  plan: Plan;
  logPath: string;
  featureIds: readonly string[];
  queue: string;
  hub: string;
  agent?: AgentSpec;
  base?: string;
  verify: boolean;
  resume: boolean;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onEvent?: (event: BatonEvent) => void;
  /** Lines for the person at the terminal (hints, waiting for workers). */
  say: (line: string) => void;
  /** How often job state is read even without a wake-up (ms). */
  reconcileMs?: number;
}

/** Event types a worker may forward: its feature's own events, never the run's or `feature.ended`. */
const WORKER_EVENT_TYPES = new Set([
  undefined,
  'worktree.created',
  'feature.started',
  'agent.exited',
  'hook',
  'check.passed',
  'check.failed',
  'check.unverifiable',
  'feature.escaped',
]);

/**
 * Whether a worker's event is of its job's current attempt: one superseded by a later attempt (its
 * worker paused or cut off past its lock, then back) is no longer the feature's, whatever it writes.
 */
function isCurrentAttempt(t: Tracked, attempt: number): boolean {
  return attempt >= (t.latestAttempt ?? 0);
}

/** The queue as the log records it (`run.started`): what a resume of the run names, password redacted. */
function runQueueOf(opts: QueuedRunOptions): RunQueue {
  return { url: redactUrl(opts.queue), hub: opts.hub };
}

/** The base commit of a fresh run, and a check that no feature branch would be overwritten. */
async function preflight(opts: QueuedRunOptions): Promise<{ base: string; baseCommit: string }> {
  const base = opts.base ?? opts.config.base ?? 'HEAD';
  const baseCommit = await resolveCommit(opts.root, base);
  if (!baseCommit) {
    throw new UserError('run/bad-base', `the base "${base}" is not a commit in this repository`, {
      hint: 'Make a first commit, or pass --base <branch or commit>.',
    });
  }
  const branches = await existingBranches(opts.root, opts.featureIds.map(featureBranch));
  for (const id of opts.featureIds) {
    if (branches.has(featureBranch(id))) {
      throw new UserError(
        'run/branch-exists',
        `branch ${featureBranch(id)} already exists; Baton will not overwrite it`,
        {
          hint: `Re-attach to its run with \`baton run --queue … --resume\`, or remove it with \`baton clean ${id}\`.`,
        },
      );
    }
  }
  return { base, baseCommit };
}

/** A feature's job data: the contract's text travels with it, so a worker needs nothing but the hub. */
function jobDataOf(
  opts: QueuedRunOptions,
  run: { runId: string; baseCommit: string; enqueue: string },
  id: string,
): JobData {
  const { runId, baseCommit } = run;
  const feature = opts.plan.byId.get(id)!;
  const spec = opts.agent ?? feature.agent ?? opts.config.agent;
  const block = portBlockFor(opts.plan.order.indexOf(id), opts.config.port_base);
  const timeoutMs = featureTimeLimit(feature, opts.config)?.ms;
  return {
    v: 1,
    run_id: runId,
    enqueue: run.enqueue,
    feature_id: id,
    agent: spec,
    agent_name: resolveAdapter(spec).name,
    base_commit: baseCommit,
    hub: opts.hub,
    base_ref: baseRefOf(runId),
    contract: {
      file: feature.file,
      text: rereadContract(join(opts.root, feature.file), feature.file),
      ...(feature.spec !== undefined ? { spec: feature.spec } : {}),
    },
    known_ids: [...opts.plan.order],
    config: JSON.parse(JSON.stringify(opts.config)) as Record<string, unknown>,
    port: block.port,
    port_base: block.base,
    ...(timeoutMs !== undefined ? { timeout_ms: timeoutMs } : {}),
    verify: opts.verify,
  };
}

/**
 * A factory of BullMQ connections (duplicates of `redis`) that records in `clients` each one it makes
 * and each duplicate BullMQ makes of them, so the run can disconnect every one itself.
 */
function recordedConnections(redis: Redis, clients: Redis[]): () => Redis {
  return () => {
    const c = quietErrors(redis.duplicate(BULLMQ_CONNECTION));
    const duplicate = c.duplicate.bind(c);
    c.duplicate = (...args: Parameters<Redis['duplicate']>) => {
      const d = quietErrors(duplicate(...args));
      clients.push(d);
      return d;
    };
    clients.push(c);
    return c;
  };
}

/**
 * Each feature of the run as a tracked job (ended already when `ended`, from a resumed run, says so);
 * `useQueue` is told each feature's agent, so its queue exists.
 */
function trackFeatures(
  opts: QueuedRunOptions,
  runId: string,
  ended: Map<string, FeatureEnded['status']> | undefined,
  useQueue: (agent: string) => void,
): Map<string, Tracked> {
  const tracked = new Map<string, Tracked>();
  for (const id of opts.featureIds) {
    const spec = opts.agent ?? opts.plan.byId.get(id)!.agent ?? opts.config.agent;
    const agent = resolveAdapter(spec).name;
    useQueue(agent);
    tracked.set(id, {
      featureId: id,
      jobId: jobIdOf(runId, id),
      agent,
      agentLabel: agentLabel(spec),
      ended: ended?.has(id) ?? false,
      ...(ended?.has(id) ? { status: ended.get(id) } : {}),
    });
  }
  return tracked;
}

/** The run's queue of one agent's jobs: that agent's queue for the run's hub (`queueName`). */
function openAgentQueue(agent: string, hub: string, connection: () => Redis): Queue {
  return new Queue(queueName(agent, hub), { connection: connection(), prefix: QUEUE_PREFIX });
}

/** Enqueue: a job that already exists (a resumed run, a second orchestrator) is re-attached, not added. */
async function enqueueJobs(
  opts: QueuedRunOptions,
  run: {
    tracked: Map<string, Tracked>;
    queues: Map<string, Queue>;
    runId: string;
    baseCommit: string;
    emit: (e: NewEvent) => void;
  },
): Promise<void> {
  for (const t of run.tracked.values()) {
    if (t.ended) continue;
    const queue = run.queues.get(t.agent)!;
    const existing = await queue.getJob(t.jobId);
    if (existing) {
      t.enqueue = enqueueOf(existing);
      continue;
    }
    // A job enqueued again (Redis lost the first) starts at attempt 1 again: its tag names its attempts apart.
    t.enqueue = randomBytes(4).toString('hex');
    await queue.add('feature', jobDataOf(opts, { ...run, enqueue: t.enqueue }, t.featureId), {
      jobId: t.jobId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: false,
      removeOnFail: false,
    });
    const ev: Omit<QueueJob, 'v' | 'ts'> = {
      type: 'queue.job',
      feature_id: t.featureId,
      job_id: t.jobId,
      state: 'waiting',
    };
    run.emit(ev);
    t.state = 'waiting';
  }
}

/**
 * The consumer of the workers' events for this run: only a tracked job's own events, of the types a
 * worker may forward, while its feature has not ended; the rest is refused and said.
 */
function consumeWorkerEvents(
  opts: QueuedRunOptions,
  run: { reader: Redis; runId: string; sink: EventSink; tracked: Map<string, Tracked> },
): Promise<EventConsumer> {
  const byJob = new Map([...run.tracked.values()].map((t) => [t.jobId, t]));
  return createEventConsumer({
    redis: run.reader,
    runId: run.runId,
    sink: run.sink,
    seen: seenEventIds(opts.logPath),
    accept: ({ jobId, enqueue, attempt }, event) => {
      const t = byJob.get(jobId);
      const ok =
        t !== undefined &&
        !t.ended &&
        enqueue === t.enqueue &&
        isCurrentAttempt(t, attempt) &&
        WORKER_EVENT_TYPES.has(event.type as string | undefined) &&
        (event.feature_id === undefined || event.feature_id === t.featureId);
      if (ok) t.latestAttempt = Math.max(t.latestAttempt ?? 0, attempt);
      return ok;
    },
    // A worker's checks ran where the orchestrator cannot see: recorded as its word, never as checked here.
    stamp: (event) => (String(event.type).startsWith('check.') ? { by: 'worker' } : {}),
    // Both come from the worker's stream: shown with their control characters escaped.
    onRejected: (eid, why) => opts.say(`ignored worker event ${escapeControl(eid)}: ${escapeControl(why)}`),
  });
}

/** Each feature's end as the run saw it, and the run's outcome. */
function summariseRun(
  opts: QueuedRunOptions,
  tracked: Map<string, Tracked>,
): Pick<RunSummary, 'features' | 'outcome'> {
  const features = opts.featureIds.map((id) => {
    const t = tracked.get(id)!;
    return {
      feature_id: id,
      status: t.status ?? ('pending' as const),
      ...(t.reason ? { reason: t.reason } : {}),
    };
  });
  const outcome: RunSummary['outcome'] = opts.signal.aborted
    ? 'interrupted'
    : features.every((f) => f.status === 'complete')
      ? 'complete'
      : 'failed';
  return { features, outcome };
}

/** The run's end: the detach notice when Ctrl-C detached it, `phase.ended` and `run.ended`, and its summary. */
function endRun(
  opts: QueuedRunOptions,
  run: {
    runId: string;
    tracked: Map<string, Tracked>;
    emit: (e: NewEvent) => void;
    durationMs: number;
    resumed: boolean;
  },
): RunSummary {
  const { runId, emit, durationMs } = run;
  const { features, outcome } = summariseRun(opts, run.tracked);
  if (opts.signal.aborted) {
    opts.say(
      `detached from run ${runId}; its jobs keep running on the workers. Re-attach with ${resumeCommand(runQueueOf(opts))}.`,
    );
  }
  emit({ type: 'phase.ended', phase: 'implementation' });
  // A resume goes on under the run's id; its duration counts from the resume only.
  emit({
    type: 'run.ended',
    run_id: runId,
    outcome,
    duration_ms: durationMs,
    ...(run.resumed ? { resumed: true } : {}),
  });
  return { runId, outcome, features, durationMs };
}

/**
 * `baton run --queue`: puts each feature on its agent's BullMQ queue as a job with a stable id, then
 * follows the jobs until each has ended. Job state (read at start and every few seconds, sooner on a
 * QueueEvents hint) decides what finished; completed attempts are promoted to `baton/<id>` by
 * compare-and-swap; worker events enter the log once each. Ctrl-C detaches: the jobs go on, and
 * `--resume` re-attaches. It owns the connections for the whole run: one `try/finally` around set-up,
 * enqueue and the follow loop is what guarantees they close.
 */
export async function runQueued(opts: QueuedRunOptions): Promise<RunSummary> {
  const started = Date.now();
  const redis = await connectRedis(opts.queue, 'baton-orchestrator');
  // One line when Redis goes away and one when it is back, said for the main client; the others keep quiet.
  reportOutages(redis, opts.queue, opts.say);
  const reader = quietErrors(redis.duplicate());
  const queues = new Map<string, Queue>();
  const hints: QueueEvents[] = [];
  // Every Redis client of the run, ended in `finally`. BullMQ leaves a client it is handed open on close(),
  // and QueueEvents works on a duplicate of it, which its close() ends only after awaiting the duplicate's
  // first connection — a wait that can outlast the run when Redis went away and came back. So the
  // duplicates BullMQ makes are recorded here too, and every client is disconnected by us.
  const clients: Redis[] = [redis, reader];
  const connection = recordedConnections(redis, clients);
  try {
    await assertHubReachable(opts.root, opts.hub);
    ensureStateDir(opts.root);
    const resumed = opts.resume ? previousQueuedRun(opts.logPath) : undefined;
    const runId = resumed?.runId ?? newRunId(opts.clock());
    const { base, baseCommit } = resumed
      ? { base: opts.base ?? 'resumed', baseCommit: resumed.baseCommit }
      : await preflight(opts);
    if (!resumed) await pushBase(opts.root, opts.hub, baseCommit, baseRefOf(runId));
    const sink: EventSink = createLogSink({ logPath: opts.logPath, clock: opts.clock, runId });
    if (opts.onEvent) sink.subscribe(opts.onEvent);
    const emit = (e: NewEvent) => sink.emit(e);
    // The lock names the run first: a `run.started` no lock names is not a live run (`runLiveness`).
    recordRunInLock(opts.root, runId);
    const followed = followedFeatures(opts.featureIds, resumed?.ended);
    emit({
      type: 'run.started',
      run_id: runId,
      feature_ids: followed,
      concurrency: followed.length,
      base,
      base_commit: baseCommit,
      mode: 'contract-first',
      pid: process.pid,
      ...(resumed ? { resume: true } : {}),
      queue: runQueueOf(opts),
    });
    if (!resumed) emit({ type: 'phase.started', phase: 'implementation' });

    const tracked = trackFeatures(opts, runId, resumed?.ended, (agent) => {
      if (!queues.has(agent)) queues.set(agent, openAgentQueue(agent, opts.hub, connection));
    });
    const consumer = await consumeWorkerEvents(opts, { reader, runId, sink, tracked });

    await enqueueJobs(opts, { tracked, queues, runId, baseCommit, emit });

    const hint = listenForHints(queues.keys(), opts.hub, connection, hints);
    await followJobs(opts, {
      redis,
      consumer,
      tracked,
      queues,
      baseCommit,
      emit,
      hint,
      resume: resumeCommand(runQueueOf(opts)),
    });
    await consumer.drain(0).catch(() => undefined);
    return endRun(opts, {
      runId,
      tracked,
      emit,
      durationMs: Date.now() - started,
      resumed: resumed !== undefined,
    });
  } finally {
    // Dropping every client first ends QueueEvents' blocking read instead of waiting it out, and leaves
    // nothing for a reconnect to revive; BullMQ's close() then only releases its own state.
    for (const c of clients) c.disconnect();
    await Promise.all(hints.map((q) => q.close().catch(() => undefined)));
    await Promise.all([...queues.values()].map((q) => q.close().catch(() => undefined)));
    for (const c of clients) c.disconnect();
  }
}

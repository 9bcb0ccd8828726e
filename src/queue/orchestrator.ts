import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { batonBaseRefusal } from '../clean/base.js';
import type { Config } from '../config-schema.js';
import type { AgentSpec } from '../contracts/schema.js';
import { runBase } from '../delivered.js';
import { UserError } from '../errors.js';
import { existingBranches } from '../git/branches.js';
import { resolveCommit } from '../git/git.js';
import { featureBranch } from '../git/refs.js';
import type { Plan } from '../graph/types.js';
import { resumeCommand } from '../guard/liveness.js';
import { recordRunInLock } from '../lock/baton-lock.js';
import type { Clock } from '../log/append.js';
import type { BatonEvent, NewEvent } from '../log/events.js';
import { createLogSink, type EventSink } from '../log/sink.js';
import type { RunQueue } from '../log/state.js';
import { badBaseError } from '../runner/delivered.js';
import { runOutcome } from '../runner/outcome.js';
import { ensureStateDir, newRunId, type RunSummary } from '../runner/run.js';
import { escapeControl } from '../text/escape.js';
import { clipShown } from '../text/one-line.js';
import { someOf } from '../text/some-of.js';
import { BULLMQ_CONNECTION, connectRedis, queueCloseMsOf, quietErrors, reportOutages } from './connection.js';
import { enqueueJobs, openAgentQueue, trackFeatures } from './enqueue.js';
import { createEventConsumer, type EventConsumer, seenEventIds } from './event-stream.js';
import { followJobs, listenForHints } from './follow.js';
import { forgetEndedRun } from './forget-run.js';
import { assertHubReachable, hubRemote, pushBase } from './hub.js';
import { baseRefOf, jobIdOf, redactUrl } from './names.js';
import { type Tracked, unstartedAttempt } from './reconcile.js';
import { followedFeatures, previousQueuedRun, unfollowedFeatures } from './resume.js';

/** What `baton run --queue` needs; built by `cli/run.ts` from the project and flags. */
export interface QueuedRunOptions {
  root: string;
  config: Config;
  plan: Plan;
  logPath: string;
  featureIds: readonly string[];
  queue: string;
  /** The setting `queue` came from (`--queue`, `queue` in the config file read), which an unreachable Redis's hint names. */
  queueFrom?: string;
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
  /** How long a hub that does not answer at promotion is tried again (ms; `BATON_HUB_RETRY_MS`). */
  hubRetryMs?: number;
}

/** Event types a worker may forward: its feature's own events, never the run's or `feature.ended`. */
const WORKER_EVENT_TYPES = new Set([
  undefined,
  'worktree.created',
  'feature.started',
  'agent.exited',
  'agent.retrying',
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
  const base = runBase(opts.base, opts.config);
  const baseCommit = await resolveCommit(opts.root, base);
  if (!baseCommit) throw await badBaseError(opts.root, opts.base, opts.config);
  const batonBase = await batonBaseRefusal(opts.root, opts.base, opts.config, 'run');
  if (batonBase) throw batonBase;
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
 * `sink` until Ctrl-C detaches the run: then an event is refused (the append throws), so a drain the
 * follow loop left behind writes nothing after the run's end and leaves its entries in the stream
 * (not acknowledged) for the resume.
 */
function untilDetached(sink: EventSink, signal: AbortSignal): EventSink {
  return {
    emit(event) {
      if (signal.aborted) throw new Error('the run was detached (Ctrl-C); the event waits in the stream');
      return sink.emit(event);
    },
    subscribe: (listener) => sink.subscribe(listener),
  };
}

/**
 * The consumer of the workers' events for this run: only a tracked job's own events, of the types a
 * worker may forward, while its feature has not ended; the rest is refused and said. The lines of a job
 * of the run that this resume does not follow (`others`) are left in the stream for the one that does.
 */
function consumeWorkerEvents(
  opts: QueuedRunOptions,
  run: {
    reader: Redis;
    runId: string;
    sink: EventSink;
    tracked: Map<string, Tracked>;
    queues: Map<string, Queue>;
    others: ReadonlySet<string>;
  },
): Promise<EventConsumer> {
  const byJob = new Map([...run.tracked.values()].map((t) => [t.jobId, t]));
  const othersJobs = new Set([...run.others].map((id) => jobIdOf(run.runId, id)));
  return createEventConsumer({
    redis: run.reader,
    runId: run.runId,
    sink: untilDetached(run.sink, opts.signal),
    seen: seenEventIds(opts.logPath),
    accept: async ({ jobId, enqueue, attempt }, event) => {
      const t = byJob.get(jobId);
      if (t === undefined && othersJobs.has(jobId)) return null;
      const ok =
        t !== undefined &&
        !t.ended &&
        enqueue === t.enqueue &&
        isCurrentAttempt(t, attempt) &&
        WORKER_EVENT_TYPES.has(event.type as string | undefined) &&
        (event.feature_id === undefined || event.feature_id === t.featureId);
      if (!ok) return false;
      const unstarted = await unstartedAttempt(t, run.queues.get(t.agent)!, attempt);
      if (unstarted) return unstarted;
      t.latestAttempt = Math.max(t.latestAttempt ?? 0, attempt);
      return true;
    },
    // A worker's checks ran where the orchestrator cannot see: recorded as its word, never as checked here.
    stamp: (event) => (String(event.type).startsWith('check.') ? { by: 'worker' } : {}),
    // Both come from the worker's stream: shown with their control characters escaped.
    onRejected: (eid, why) =>
      opts.say(`ignored worker event ${escapeControl(clipShown(eid))}: ${escapeControl(clipShown(why))}`),
  });
}

/**
 * Refuses a resume whose features have all ended (the run ended, or they did before a detach): it
 * would follow nothing. Nothing is started: no `run.started`, no job, not a word to Redis or the hub.
 */
function assertSomethingToFollow(
  resumed: ReturnType<typeof previousQueuedRun>,
  featureIds: readonly string[],
): void {
  if (followedFeatures(featureIds, resumed.ended).length > 0) return;
  const ends = featureIds.map((id) => `${id}: ${resumed.ended.get(id)}`);
  throw new UserError(
    'queue/resume-ended',
    `run ${escapeControl(resumed.runId)} has nothing left to follow: each of its features ended (${escapeControl(someOf(ends, 5))}); nothing was started`,
    {
      hint: '`baton status` shows how each ended; to run one again, `baton clean <id>`, then `baton run --queue … <id>` without --resume.',
    },
  );
}

/** The run's start in the log (the lock naming it first), and its implementation phase unless that is open. */
function startRun(
  opts: QueuedRunOptions,
  run: {
    runId: string;
    base: string;
    baseCommit: string;
    resumed: ReturnType<typeof previousQueuedRun> | undefined;
    emit: (e: NewEvent) => void;
  },
): void {
  const { runId, resumed, emit } = run;
  // The lock names the run first: a `run.started` no lock names is not a live run (`runLiveness`).
  recordRunInLock(opts.root, runId);
  const followed = followedFeatures(opts.featureIds, resumed?.ended);
  emit({
    type: 'run.started',
    run_id: runId,
    feature_ids: followed,
    concurrency: followed.length,
    concurrency_chosen: false,
    base: run.base,
    base_commit: run.baseCommit,
    mode: 'contract-first',
    pid: process.pid,
    ...(resumed ? { resume: true } : {}),
    queue: runQueueOf(opts),
  });
  // A resume after a crash or a detach goes on in the run's open phase; one after the run ended opens it again.
  if (!resumed?.implementationOpen) emit({ type: 'phase.started', phase: 'implementation' });
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
  return { features, outcome: runOutcome(features, opts.signal.aborted) };
}

/** The run's end: the detach notice when Ctrl-C detached it (else `phase.ended`), `run.ended`, and its summary. */
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
  // Detached, the jobs go on on the workers: the implementation phase stays open for the resume that
  // goes on in it (`previousQueuedRun`), so its wall-clock covers the work done while no one watched.
  if (!opts.signal.aborted) emit({ type: 'phase.ended', phase: 'implementation' });
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
 * compare-and-swap; worker events enter the log once each. Ctrl-C detaches at once, Redis away or
 * not, reading nothing more (the workers' later events wait in the stream): the jobs go on, and
 * `--resume` re-attaches. It owns the connections for the whole run: one `try/finally` around set-up,
 * enqueue and the follow loop is what guarantees they close.
 */
export async function runQueued(opts: QueuedRunOptions): Promise<RunSummary> {
  const started = Date.now();
  // A resume reads its run from the log first: one with nothing left to follow starts nothing.
  const resumed = opts.resume ? previousQueuedRun(opts.logPath, runQueueOf(opts)) : undefined;
  if (resumed) assertSomethingToFollow(resumed, opts.featureIds);
  const redis = await connectRedis(
    opts.queue,
    'baton-orchestrator',
    queueCloseMsOf(opts.env),
    opts.queueFrom,
  );
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
    const hub = hubRemote(opts.hub, opts.env); // not cut short by Ctrl-C: that would read as no answer
    await assertHubReachable(opts.root, hub);
    ensureStateDir(opts.root);
    const runId = resumed?.runId ?? newRunId(opts.clock());
    const { base, baseCommit } = resumed
      ? { base: opts.base ?? 'resumed', baseCommit: resumed.baseCommit }
      : await preflight(opts);
    if (!resumed) await pushBase(opts.root, hub, baseCommit, baseRefOf(runId));
    const sink: EventSink = createLogSink({ logPath: opts.logPath, clock: opts.clock, runId });
    if (opts.onEvent) sink.subscribe(opts.onEvent);
    const emit = (e: NewEvent) => sink.emit(e);
    startRun(opts, { runId, base, baseCommit, resumed, emit });
    const tracked = trackFeatures(opts, runId, resumed?.ended, (agent) => {
      if (!queues.has(agent)) queues.set(agent, openAgentQueue(agent, opts, connection));
    });
    const others = unfollowedFeatures(resumed, opts.featureIds);
    const consumer = await consumeWorkerEvents(opts, { reader, runId, sink, tracked, queues, others });
    await enqueueJobs(opts, { tracked, queues, runId, baseCommit, emit });

    const hint = listenForHints(queues.keys(), opts.hub, connection, hints, opts.say);
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
    if (!opts.signal.aborted) await consumer.drain(0).catch(() => undefined);
    if (!opts.signal.aborted) await forgetEndedRun({ redis, runId, tracked, others, queues, say: opts.say });
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

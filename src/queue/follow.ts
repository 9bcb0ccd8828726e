/**
 * Following a queued run (`baton run --queue`): QueueEvents hints that wake the loop, and the loop
 * that drains worker events and reconciles job state until every job has ended. `orchestrator.ts`
 * sets the run up and owns its connections.
 */
import { type Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import type { NewEvent } from '../log/events.js';
import { pause } from '../process/pause.js';
import { escapeControl } from '../text/escape.js';
import { sayQueueErrors } from './connection.js';
import type { EventConsumer } from './event-stream.js';
import { listWorkers } from './heartbeat.js';
import { hubRemote } from './hub.js';
import { HUB_RETRY_MS } from './hub-retry.js';
import { passwordCaveat, QUEUE_PREFIX, queueName, redactUrl } from './names.js';
import type { QueuedRunOptions } from './orchestrator.js';
import { reconcileJob, type Tracked } from './reconcile.js';

/** What following needs of the run's options. */
type FollowOptions = Pick<
  QueuedRunOptions,
  'signal' | 'reconcileMs' | 'root' | 'hub' | 'queue' | 'say' | 'hubRetryMs' | 'plan' | 'env'
>;

/**
 * Listens on each agent's queue for the job changes that should wake the follow loop at once
 * (`hint.wake`, read and cleared by it); each QueueEvents is added to `hints`, for the run to close.
 */
export function listenForHints(
  agents: Iterable<string>,
  hub: string,
  connection: () => Redis,
  hints: QueueEvents[],
  say: (line: string) => void,
): { wake: boolean } {
  const hint = { wake: false };
  for (const name of agents) {
    const qe = new QueueEvents(queueName(name, hub), {
      connection: connection(),
      prefix: QUEUE_PREFIX,
    });
    for (const kind of ['completed', 'failed', 'active', 'stalled'] as const)
      qe.on(kind, () => (hint.wake = true));
    sayQueueErrors(qe, say);
    hints.push(qe);
  }
  return hint;
}

/** What following a run needs of it besides its options. */
interface FollowRun {
  redis: Redis;
  consumer: EventConsumer;
  tracked: Map<string, Tracked>;
  queues: Map<string, Queue>;
  baseCommit: string;
  emit: (e: NewEvent) => void;
  hint: { wake: boolean };
  /** The command that re-attaches to the run, for a job Redis lost. */
  resume: string;
}

/** What the follow loop keeps between its steps. */
interface FollowState {
  warned: Set<string>;
  lastReconcile: number;
}

/** The value `untilAborted` resolves to. */
const ABORTED = Symbol('aborted');

/** Resolves when `signal` aborts (at once when it has). */
function untilAborted(signal: AbortSignal): Promise<typeof ABORTED> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
}

/**
 * Follows the jobs until each has ended (or Ctrl-C): worker events drained all the time, job state
 * read every `reconcileMs` or at once after a QueueEvents hint (`hint.wake`). A lost queue is waited
 * out: the jobs live in Redis. Ctrl-C ends it at once, even while Redis is away (its commands then
 * wait in the client for ever): the step under way is left behind, and what it would still record or
 * say once Redis is back is dropped — the jobs are read again by the resume, the events stay in the stream.
 */
export async function followJobs(opts: FollowOptions, run: FollowRun): Promise<void> {
  const live =
    <A extends unknown[]>(f: (...a: A) => void) =>
    (...a: A) => {
      if (!opts.signal.aborted) f(...a);
    };
  const o = { ...opts, say: live(opts.say) };
  const r = { ...run, emit: live(run.emit) };
  const state: FollowState = { warned: new Set(), lastReconcile: 0 };
  const aborted = untilAborted(opts.signal);
  let outage = false;
  while (!opts.signal.aborted && [...run.tracked.values()].some((t) => !t.ended)) {
    try {
      const step = await Promise.race([followStep(o, r, state), aborted]);
      if (step === ABORTED) return;
      if (step === 'read' && outage) o.say('the queue answers again; following the jobs');
      if (step === 'read') outage = false;
    } catch (err) {
      // Redis restarting or a network blip: the jobs live in Redis, so wait and read them again.
      if (err instanceof UserError) throw err;
      if (!outage) o.say(`lost the queue (${String(err).split('\n')[0]}); retrying`);
      outage = true;
      await pause(1000, opts.signal);
    }
  }
}

/** One turn of the loop: drains worker events, then reads every job's state when it is time (`read`). */
async function followStep(
  opts: FollowOptions,
  run: FollowRun,
  state: FollowState,
): Promise<'drained' | 'read'> {
  const { consumer, tracked, hint } = run;
  await consumer.drain(hint.wake ? 0 : 500);
  const reconcileMs = opts.reconcileMs ?? 3000;
  if (!hint.wake && Date.now() - state.lastReconcile < reconcileMs && state.lastReconcile !== 0)
    return 'drained';
  hint.wake = false;
  state.lastReconcile = Date.now();
  const hub = hubRemote(opts.hub, opts.env, opts.signal);
  for (const t of tracked.values()) {
    if (t.ended || opts.signal.aborted) continue;
    await reconcileJob(t, {
      queue: run.queues.get(t.agent)!,
      root: opts.root,
      hub,
      baseCommit: run.baseCommit,
      emit: run.emit,
      drain: () => consumer.drain(0),
      resume: run.resume,
      hubRetryMs: opts.hubRetryMs ?? HUB_RETRY_MS,
      say: opts.say,
      contractOf: (id) => opts.plan.byId.get(id),
    });
  }
  await warnIdleAgents(run.redis, tracked, state.warned, opts);
  return 'read';
}

/**
 * Says once per agent when jobs wait and no live worker of this run's hub takes that agent's queue
 * (each hub has its own queues: a worker given another hub never sees them), naming the hubs that the
 * live workers with the agent serve, if any, since a hub spelled two ways is two hubs to the queue.
 */
async function warnIdleAgents(
  redis: Redis,
  tracked: Map<string, Tracked>,
  warned: Set<string>,
  opts: FollowOptions,
): Promise<void> {
  const waiting = new Set(
    [...tracked.values()].filter((t) => !t.ended && t.state === 'waiting').map((t) => t.agent),
  );
  if (waiting.size === 0) return;
  const { workers } = await listWorkers(redis);
  for (const agent of waiting) {
    const able = workers.filter((w) => w.agents.includes(agent));
    if (warned.has(agent) || able.some((w) => w.hub === opts.hub)) continue;
    warned.add(agent);
    const url = redactUrl(opts.queue);
    const start = ['baton', 'worker', '--queue', url, '--hub', opts.hub].map(printableArg).join(' ');
    const others = [...new Set(able.map((w) => w.hub))];
    // Heartbeats come from Redis: their hubs are shown with their control characters escaped.
    const elsewhere = others.length
      ? ` (the live workers with it serve ${others.map((h) => escapeControl(h)).join(', ')})`
      : '';
    opts.say(
      `no live worker of the hub ${escapeControl(opts.hub)} takes "${escapeControl(agent)}" jobs${elsewhere}; they wait on the queue. Start one where it is installed: ${start}${passwordCaveat(url)}`,
    );
  }
}

/** Putting a queued run's features on their agents' queues (`baton run --queue`): one job per feature, once. */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { agentLabel, resolveAdapter } from '../agents/registry.js';
import { rereadContract } from '../contracts/load.js';
import type { FeatureEnded, NewEvent, QueueJob } from '../log/events.js';
import { featureTimeLimit } from '../runner/outcome.js';
import { unitPortBlock } from '../unit-ports.js';
import { sayQueueErrors } from './connection.js';
import type { JobData } from './job.js';
import { baseRefOf, jobIdOf, QUEUE_PREFIX, queueName } from './names.js';
import type { QueuedRunOptions } from './orchestrator.js';
import { enqueueOf, type Tracked } from './reconcile.js';

/** A feature's job data: the contract's text travels with it, so a worker needs nothing but the hub. */
function jobDataOf(
  opts: QueuedRunOptions,
  run: { runId: string; baseCommit: string; enqueue: string },
  id: string,
): JobData {
  const { runId, baseCommit } = run;
  const feature = opts.plan.byId.get(id)!;
  const spec = opts.agent ?? feature.agent ?? opts.config.agent;
  const block = unitPortBlock(opts.plan, id, opts.config.port_base);
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
      text: rereadContract(opts.root, feature.file),
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
 * Each feature of the run as a tracked job (ended already when `ended`, from a resumed run, says so);
 * `useQueue` is told each feature's agent, so its queue exists.
 */
export function trackFeatures(
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
export function openAgentQueue(agent: string, opts: QueuedRunOptions, connection: () => Redis): Queue {
  const queue = new Queue(queueName(agent, opts.hub), { connection: connection(), prefix: QUEUE_PREFIX });
  sayQueueErrors(queue, opts.say);
  return queue;
}

/** Enqueue: a job that already exists (a resumed run, a second orchestrator) is re-attached, not added. */
export async function enqueueJobs(
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

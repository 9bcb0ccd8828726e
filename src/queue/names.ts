/**
 * Every name the distributed runner writes into Redis and the hub, in one place: queues, job ids,
 * event ids, stream and heartbeat keys, the run's base ref (pure).
 */
import { createHash } from 'node:crypto';
import { FEATURE_ID_PATTERN } from '../contracts/feature-id.js';
import { RUN_ID_SHAPE } from '../log/paths.js';

/** The key prefix of every BullMQ structure Baton makes. */
export const QUEUE_PREFIX = 'baton';

/**
 * A hub's short name: 12 hex digits of the SHA-1 of its URL as `absoluteHub` spelled it. It names the
 * hub's queues and a worker's default cache folder.
 */
export function hubKey(hub: string): string {
  return createHash('sha1').update(hub).digest('hex').slice(0, 12);
}

/**
 * The queue of one agent's jobs for one hub: `agent-<name>-<hub key>`. A worker listens only on the
 * queues of the agents it has installed, for the hub it was given, so it never takes a job whose base
 * and attempt refs live in another hub (it could only fail it, spending the job's attempts).
 */
export function queueName(agent: string, hub: string): string {
  // BullMQ refuses ':' in queue names; adapter names are [a-z]+.
  return `agent-${agent}-${hubKey(hub)}`;
}

/**
 * A feature's job id in a run: `<run_id>.<feature_id>`. The same run and feature always give the
 * same id, so a second enqueue is a no-op. BullMQ 5 refuses custom ids with a single `:` (it keeps
 * `a:b:c` for its repeatable jobs), hence the dot; neither part can contain one.
 */
export function jobIdOf(runId: string, featureId: string): string {
  return `${runId}.${featureId}`;
}

/**
 * Whether `jobId` is the id Baton gives the job of `featureId` in run `runId` (`jobIdOf`), each of its
 * own shape (`RUN_ID_SHAPE`, `FEATURE_ID_PATTERN`), so it holds no `/`, no `..` and no control character.
 * A worker takes no other job, since the id names its attempt's folder, branch and ref.
 */
export function isJobIdOf(jobId: string, runId: string, featureId: string): boolean {
  return (
    RUN_ID_SHAPE.test(runId) && FEATURE_ID_PATTERN.test(featureId) && jobId === jobIdOf(runId, featureId)
  );
}

/**
 * One enqueue of a job: `<job_id>.<enqueue tag>` (the tag: 8 random hex digits, in the job's data). A job Redis lost and a `--resume` enqueued again
 * keeps its job id but starts at attempt 1 again, so what names an attempt (its event ids, its ref in
 * the hub, its folder and branch on a worker) is built from this, never from the job id alone.
 */
export function jobInstanceOf(jobId: string, enqueue: string): string {
  return `${jobId}.${enqueue}`;
}

/**
 * The stable id of a worker event: `<job_id>.<enqueue tag>:<attempt>:<seq>`, the log line's identity for
 * idempotent appends.
 */
export function eventIdOf(instance: string, attempt: number, seq: number): string {
  return `${instance}:${attempt}:${seq}`;
}

/** Splits an event id back into its job id, enqueue tag and attempt; undefined when it is not one of ours. */
export function parseEventId(
  eid: string,
): { jobId: string; enqueue: string; attempt: number; seq: number } | undefined {
  const m = /^([^:]+)\.([0-9a-f]{8}):(\d+):(\d+)$/.exec(eid);
  if (!m) return undefined;
  return { jobId: m[1] as string, enqueue: m[2] as string, attempt: Number(m[3]), seq: Number(m[4]) };
}

/**
 * The branch one attempt works on in a worker's clone: `baton/<job_id>.<enqueue tag>.<attempt>`, its
 * own, so two jobs of one feature on one worker (two runs, or a job enqueued again) never share a
 * checkout. The orchestrator's `baton/<feature_id>` is made only by promotion, on its own machine.
 */
export function workerBranchOf(instance: string, attempt: number): string {
  return `baton/${instance}.${attempt}`;
}

/** The Redis stream that carries a run's worker events to its orchestrator. */
export function eventStreamKey(runId: string): string {
  return `${QUEUE_PREFIX}:run:${runId}:events`;
}

/** The consumer group the orchestrator reads a run's event stream with. */
export const EVENT_GROUP = 'orchestrator';

/** Where a live worker keeps its heartbeat (a key with a TTL). */
export function workerKey(workerId: string): string {
  return `${QUEUE_PREFIX}:worker:${workerId}`;
}

/** The pattern matching every worker heartbeat key. */
export const WORKER_KEY_PATTERN = `${QUEUE_PREFIX}:worker:*`;

/** The hub ref holding a run's base commit, so every worker can fetch it by name. */
export function baseRefOf(runId: string): string {
  return `refs/baton/runs/${runId}/base`;
}

/** A Redis URL with its password replaced, for messages and the log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** What a printed command holding a URL that `redactUrl` redacted needs said: the one part to put back. */
export function passwordCaveat(shownUrl: string): string {
  return shownUrl.includes(':***@') ? ' (with the password in place of ***)' : '';
}

import type { Redis } from 'ioredis';
import { z } from '../zod.js';
import { WORKER_KEY_PATTERN, workerKey } from './names.js';

/** What a worker says about itself every few seconds. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  agents: string[];
  concurrency: number;
  hub: string;
  started_at: string;
  seen_at: string;
  active: string[];
}

/** A worker's heartbeat: a Redis key with a TTL, refreshed while the worker lives. */
export interface Heartbeat {
  setActive(jobIds: string[]): void;
  stop(): Promise<void>;
}

const BEAT_MS = 3000;
const TTL_S = 10;

/** Writes the worker's heartbeat now and every few seconds; a dead worker's key expires on its own. */
export function startHeartbeat(
  redis: Redis,
  info: Omit<WorkerInfo, 'started_at' | 'seen_at' | 'active'>,
): Heartbeat {
  const started_at = new Date().toISOString();
  let active: string[] = [];
  const beat = () =>
    redis
      .set(
        workerKey(info.id),
        JSON.stringify({ ...info, started_at, seen_at: new Date().toISOString(), active }),
        'EX',
        TTL_S,
      )
      .catch(() => undefined);
  void beat();
  const timer = setInterval(beat, BEAT_MS);
  timer.unref();
  return {
    setActive(ids) {
      active = ids;
      void beat();
    },
    async stop() {
      clearInterval(timer);
      await redis.del(workerKey(info.id)).catch(() => undefined);
    },
  };
}

/** A heartbeat as `startHeartbeat` writes it: what `listWorkers` requires of a key before calling it a worker. */
const WorkerInfoSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.int(),
  agents: z.array(z.string()),
  concurrency: z.int(),
  hub: z.string(),
  started_at: z.string(),
  seen_at: z.string(),
  active: z.array(z.string()),
});

/** A key under the heartbeat prefix that is not a worker's heartbeat (someone else wrote it), and why. */
export interface NotAWorker {
  key: string;
  why: string;
}

/** What one heartbeat key holds: a worker, something else, or nothing any more (it expired meanwhile). */
async function readHeartbeat(redis: Redis, key: string): Promise<WorkerInfo | NotAWorker | undefined> {
  let raw: string | null;
  try {
    raw = await redis.get(key);
  } catch (err) {
    // WRONGTYPE: a hash, a list… under our prefix.
    if (/WRONGTYPE/.test(String(err))) return { key, why: 'not a string key' };
    throw err;
  }
  if (raw === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { key, why: 'not JSON' };
  }
  const r = WorkerInfoSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  return {
    key,
    why: `not a heartbeat (${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'wrong shape'})`,
  };
}

/**
 * The live workers: every heartbeat key that has not expired, checked for the shape a worker writes;
 * the keys under the prefix that are something else are in `others`, for `baton workers` to name.
 */
export async function listWorkers(redis: Redis): Promise<{ workers: WorkerInfo[]; others: NotAWorker[] }> {
  const workers: WorkerInfo[] = [];
  const others: NotAWorker[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', WORKER_KEY_PATTERN, 'COUNT', 200);
    cursor = next;
    for (const key of keys) {
      const read = await readHeartbeat(redis, key);
      if (read === undefined) continue;
      if ('why' in read) others.push(read);
      else workers.push(read);
    }
  } while (cursor !== '0');
  return {
    workers: workers.sort((a, b) => a.id.localeCompare(b.id)),
    others: others.sort((a, b) => a.key.localeCompare(b.key)),
  };
}

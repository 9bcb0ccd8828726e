import type { Redis } from 'ioredis';
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

/** The live workers: every heartbeat key that has not expired. */
export async function listWorkers(redis: Redis): Promise<WorkerInfo[]> {
  const out: WorkerInfo[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', WORKER_KEY_PATTERN, 'COUNT', 200);
    cursor = next;
    for (const key of keys) {
      const raw = await redis.get(key);
      if (!raw) continue;
      try {
        out.push(JSON.parse(raw) as WorkerInfo);
      } catch {
        // A key someone else wrote under our prefix; not a worker.
      }
    }
  } while (cursor !== '0');
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

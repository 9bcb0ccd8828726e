import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { UserError } from '../errors.js';
import { sameProcessAlive } from '../guard/proc.js';
import { escapeControl } from '../text/escape.js';
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

/**
 * Whether the heartbeat at KEYS[1] is ARGV[1]'s (its `token`), or there is none: the Lua both scripts
 * below start with, so a worker writes and removes only its own.
 */
const OURS_OR_NONE = `local v = redis.call('GET', KEYS[1])
local ours = not v
if v then
  local ok, hb = pcall(cjson.decode, v)
  ours = ok and type(hb) == 'table' and hb.token == ARGV[1]
end`;

/** Writes the heartbeat (ARGV[2], expiring in ARGV[3] s) if the key is this worker's or free; 1 if written. */
const REFRESH = `${OURS_OR_NONE}
if not ours then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1`;

/** Removes the heartbeat if it is this worker's (another worker of that name keeps its own). */
const RELEASE = `${OURS_OR_NONE}
if v and ours then redis.call('DEL', KEYS[1]) end
return 0`;

/** Replaces the heartbeat ARGV[1] (a dead worker's, as read) with ARGV[2]; 1 if it was still there to replace. */
const TAKE_OVER = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
return 1`;

/** Whether a heartbeat is of a worker of this machine that is gone (killed, its key not yet expired). */
function deadHereBefore(raw: string | null): boolean {
  const hb = raw === null ? undefined : parseHeartbeat(raw);
  if (!hb || 'why' in hb || hb.host !== hostname()) return false;
  // Our own pid on our host is an earlier process (a container's pid 1 after a restart): we are new.
  return hb.pid === process.pid || !sameProcessAlive(hb.pid, Date.parse(hb.started_at));
}

/**
 * Claims the worker's name and writes its heartbeat now and every few seconds; a dead worker's key
 * expires on its own. A name a live worker holds is refused (`worker/name-busy`, naming its pid and
 * host): two workers of one name would overwrite each other's heartbeat, and the first to stop would
 * remove the other's. One of this machine's that is gone is taken over. Each beat writes only while
 * the key is this worker's (or has expired), and `stop` removes only its own.
 */
export async function startHeartbeat(
  redis: Redis,
  info: Omit<WorkerInfo, 'started_at' | 'seen_at' | 'active'>,
): Promise<Heartbeat> {
  const key = workerKey(info.id);
  const token = randomBytes(8).toString('hex');
  const started_at = new Date().toISOString();
  let active: string[] = [];
  const value = () =>
    JSON.stringify({ ...info, started_at, seen_at: new Date().toISOString(), active, token });
  if ((await redis.set(key, value(), 'EX', TTL_S, 'NX')) !== 'OK') {
    const held = await redis.get(key);
    const taken = deadHereBefore(held) && (await redis.eval(TAKE_OVER, 1, key, held!, value(), TTL_S)) === 1;
    if (!taken) throw nameBusy(info.id, held);
  }
  const beat = () => redis.eval(REFRESH, 1, key, token, value(), TTL_S).catch(() => undefined);
  const timer = setInterval(beat, BEAT_MS);
  timer.unref();
  return {
    setActive(ids) {
      active = ids;
      void beat();
    },
    async stop() {
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    },
  };
}

/** The error of a worker name a live worker holds, naming it as its heartbeat does. */
function nameBusy(id: string, held: string | null): UserError {
  const hb = held === null ? undefined : parseHeartbeat(held);
  const who = hb && !('why' in hb) ? `worker pid ${hb.pid} on ${hb.host}` : 'something that is not a worker';
  return new UserError(
    'worker/name-busy',
    escapeControl(
      `the worker name ${id} is held by ${who} (${workerKey(id)}); two live workers cannot share one --name`,
    ),
    {
      hint: 'Give each worker its own --name, or leave --name out (each worker then gets host-pid-random).',
    },
  );
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
  const read = parseHeartbeat(raw);
  return 'why' in read ? { key, why: read.why } : read;
}

/** A heartbeat key's text as a worker, or why it is not one. */
function parseHeartbeat(raw: string): WorkerInfo | { why: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { why: 'not JSON' };
  }
  const r = WorkerInfoSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  return {
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

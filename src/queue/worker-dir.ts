import { rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { isSameProcess, processInfo } from '../guard/proc.js';
import { makeFolders } from '../make-folders.js';
import { nothingAt, readRegular } from '../open-regular.js';
import { escapeControl } from '../text/escape.js';
import { stopLeftAgents } from './attempt-agents.js';
import { hubKey } from './names.js';

/** How often a worker touches its folder's lock, and how long a lock of another machine counts as held without it. */
const TOUCH_MS = 10_000;
const FOREIGN_STALE_MS = 60_000;

/**
 * Who holds a worker folder: the `pid` file in it, `<pid> <start> <host>` with the process's start time
 * in ms (a bare pid from older Batons is this host's, its start unknown).
 */
interface Holder {
  pid: number;
  startMs: number | undefined;
  host: string;
  touchedMs: number;
}

/** What is at a folder's lock: nothing, a holder, or something else there (a FIFO, a folder) that nobody should read. */
function readHolder(lock: string): Holder | 'odd' | undefined {
  const text = readRegular(lock)?.toString('utf8');
  if (text === undefined) return nothingAt(lock) ? undefined : 'odd';
  const [pid, start, ...host] = text.trim().split(' ');
  let touchedMs = 0;
  try {
    touchedMs = statSync(lock).mtimeMs;
  } catch {}
  const startMs = start !== undefined && /^\d+$/.test(start) ? Number(start) : undefined;
  return { pid: Number(pid), startMs, host: host.join(' ') || hostname(), touchedMs };
}

/**
 * Whether a holder is a live worker other than this one: on this machine, its pid alive; on another
 * (a volume shared between machines), its lock touched within the last minute.
 */
function isHeldByOther(h: Holder): boolean {
  if (h.host !== hostname()) return Date.now() - h.touchedMs < FOREIGN_STALE_MS;
  // A pid reused by another process since (a container's pid 1 after a restart) is not the holder.
  return h.pid !== process.pid && isSameProcess(h.pid, h.startMs);
}

/** This worker's line in a folder's lock. */
function ownLine(): string {
  return `${process.pid} ${Math.round(processInfo(process.pid)?.startMs ?? 0)} ${hostname()}`;
}

/**
 * Takes a worker folder's lock unless a live worker holds it: returns the holder then, else undefined
 * once the lock is this worker's. The lock is made with O_EXCL, so two workers starting at once cannot
 * both take it; a stale lock taken over is read again after a moment (see below).
 */
async function tryClaim(dir: string, tookOver: (stale: Holder) => void): Promise<Holder | 'odd' | undefined> {
  try {
    makeFolders(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError(
      'worker/bad-dir',
      `the worker folder ${escapeControl(dir)} cannot be made (${code})`,
      {
        hint: 'Give --dir a folder the worker can create or write to, or leave it out: each worker then takes a free slot of the cache.',
      },
    );
  }
  const lock = join(dir, 'pid');
  const holder = readHolder(lock);
  // Anything else there (a FIFO would block the read and the write alike) leaves the folder to whoever put it there.
  if (holder === 'odd') return holder;
  if (holder && isHeldByOther(holder)) return holder;
  if (holder) rmSync(lock, { force: true });
  const mine = ownLine();
  try {
    writeFileSync(lock, mine, { flag: 'wx' });
  } catch {
    // Another worker took it between the read and the write.
    return readHolder(lock) ?? 'odd';
  }
  if (!holder) return undefined;
  // Taking over a stale lock is a remove then a create: a second worker that read the same stale lock
  // may remove this one and create its own. A moment later only one line is there; the other backs off.
  await new Promise((r) => setTimeout(r, 100));
  if (readRegular(lock)?.toString('utf8') !== mine) return readHolder(lock) ?? 'odd';
  tookOver(holder);
  return undefined;
}

/**
 * Once a folder is taken over from a dead worker of this machine, stops the agents its attempts left
 * running (`stopLeftAgents`, which proves each is its attempt's first); a worker of another machine's
 * groups are not this machine's to signal.
 */
async function stopWhatItLeft(dir: string, stale: Holder | undefined, say: (line: string) => void) {
  if (stale && stale.host === hostname()) await stopLeftAgents(dir, stale.pid, say);
}

/** Keeps the folder's lock fresh for workers on other machines sharing the volume; stops with the process. */
function keepTouched(dir: string): void {
  const lock = join(dir, 'pid');
  setInterval(() => {
    try {
      const now = new Date();
      utimesSync(lock, now, now);
    } catch {}
  }, TOUCH_MS).unref();
}

/**
 * The worker's folder: the given one, which no other live worker may hold (a UserError naming the
 * holder otherwise: two workers on one clone would remove each other's checkouts and clone over each
 * other), else a per-hub cache slot that no live worker holds.
 */
export async function claimWorkerDir(opts: {
  dir?: string;
  hub: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<string> {
  let stale: Holder | undefined;
  const tookOver = (h: Holder) => (stale = h);
  if (opts.dir) {
    const holder = await tryClaim(opts.dir, tookOver);
    if (holder !== undefined) {
      const who =
        holder === 'odd'
          ? 'something that is not a worker lock'
          : `worker pid ${holder.pid} on ${holder.host}`;
      throw new UserError(
        'worker/dir-busy',
        `the worker folder ${opts.dir} is held by ${who} (${join(opts.dir, 'pid')}); two workers cannot share one --dir`,
        {
          hint: 'Give each worker its own --dir (on Kubernetes, a volume per pod), or leave --dir out: each worker then takes a free slot of the cache.',
        },
      );
    }
    keepTouched(opts.dir);
    await stopWhatItLeft(opts.dir, stale, opts.log);
    return opts.dir;
  }
  const cacheHome = opts.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const base = join(cacheHome, 'baton', 'workers', hubKey(opts.hub));
  for (let slot = 0; ; slot++) {
    const dir = join(base, String(slot));
    if ((await tryClaim(dir, tookOver)) !== undefined) continue;
    keepTouched(dir);
    await stopWhatItLeft(dir, stale, opts.log);
    return dir;
  }
}

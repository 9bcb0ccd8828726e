/**
 * What Linux's /proc says about processes: parent, group, session, start time and environment.
 * Baton uses it to prove a process is its own before signalling it, never trusting a pid from the
 * log. Where /proc is absent every answer is "unknown" and callers refuse to act.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One live process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Start time in ms since the epoch (to within a clock tick). */
  startMs: number;
}

/** Clock ticks per second of /proc/<pid>/stat's start time; 100 on every mainstream Linux. */
const CLOCK_TICKS = 100;

let bootMs: number | undefined;
function bootTimeMs(): number | undefined {
  if (bootMs !== undefined) return bootMs;
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (m?.[1]) bootMs = Number(m[1]) * 1000;
  } catch {
    return undefined;
  }
  return bootMs;
}

/** Reads one process's stat line; undefined when it is gone, a zombie or unreadable. */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the parenthesised command name (which may itself hold spaces and parentheses).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z' || f[0] === 'X') return undefined;
  const boot = bootTimeMs();
  const ticks = Number(f[19]);
  return {
    pid,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    startMs: boot === undefined ? Number.NaN : boot + (ticks * 1000) / CLOCK_TICKS,
  };
}

/** Every live process visible in /proc; empty where there is no /proc. */
export function listProcesses(): ProcessInfo[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcessInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const info = processInfo(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** The last listing of every process, and when it was begun. */
let lastListing: { atMs: number; all: ProcessInfo[] } | undefined;

/**
 * Every live process, listed after `sinceMs` (wall clock): a listing begun since then is
 * shared (features ending together, the trackers' sweep) instead of reading all of /proc again.
 */
export function listProcessesSince(sinceMs: number): ProcessInfo[] {
  if (lastListing && lastListing.atMs > sinceMs) return lastListing.all;
  const atMs = Date.now();
  const t = performance.now();
  const all = listProcesses();
  lastListingCostMs = performance.now() - t;
  lastListing = { atMs, all };
  return all;
}

/** How long the last full listing of /proc took (0 before the first): what sharing one saves a caller. */
let lastListingCostMs = 0;

/**
 * How long a caller may wait to share a listing (`listProcessesShared`): what one listing costs, at
 * most `capMs`. Waiting longer than a listing takes would delay the caller (an agent's end, its commit,
 * the run's end) by more than the listing it saves: on a machine with few processes a listing takes
 * well under a millisecond, and a fixed window would put its whole length on every agent's path.
 */
export function shareWindowMs(capMs: number, costMs: number = lastListingCostMs): number {
  return Math.max(0, Math.min(capMs, Math.ceil(costMs)));
}

/** A listing about to begin, which callers asking meanwhile share. */
let upcoming: { atMs: number; all: Promise<ProcessInfo[]> } | undefined;

/**
 * Every live process, listed after `sinceMs` like `listProcessesSince`; with `shareWithinMs` > 0 a
 * new listing begins that much later, shared by every caller that asks meanwhile (agents ending close
 * together: one read of /proc for all of them instead of one each). Each caller's `sinceMs` lies
 * before the listing it gets begins.
 */
export function listProcessesShared(sinceMs: number, shareWithinMs: number): Promise<ProcessInfo[]> {
  if (lastListing && lastListing.atMs > sinceMs) return Promise.resolve(lastListing.all);
  // A margin for the timer and the wall clock: the shared listing must begin after this caller's `sinceMs`.
  if (upcoming && upcoming.atMs > sinceMs + 2) return upcoming.all;
  if (shareWithinMs <= 0) return Promise.resolve(listProcessesSince(sinceMs));
  const atMs = Date.now() + shareWithinMs;
  const all = new Promise<ProcessInfo[]>((resolve) => {
    setTimeout(() => {
      if (upcoming?.all === all) upcoming = undefined;
      resolve(listProcessesSince(Math.max(sinceMs, atMs - 1)));
    }, shareWithinMs);
  });
  upcoming = { atMs, all };
  return all;
}

/** The value of one variable in a process's environment; undefined when absent or unreadable. */
export function processEnv(pid: number, name: string): string | undefined {
  const value = readProcessEnv(pid, name);
  return typeof value === 'string' ? value : undefined;
}

/** Like `processEnv`, but says `unreadable` when the environment cannot be read at all. */
export function readProcessEnv(pid: number, name: string): string | undefined | { unreadable: true } {
  let raw: Buffer;
  try {
    raw = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return { unreadable: true };
  }
  const prefix = `${name}=`;
  for (const entry of raw.toString('utf8').split('\0')) {
    if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  }
  return undefined;
}

/** Several variables of a process's environment from one read; empty when unreadable. */
export function processEnvVars<K extends string>(
  pid: number,
  names: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return out;
  }
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq) as K;
    if (eq > 0 && names.includes(name) && out[name] === undefined) out[name] = entry.slice(eq + 1);
  }
  return out;
}

/** The variables that say which unit of a run a process is (a best-of-N attempt's first). */
export const UNIT_VARS = ['BATON_UNIT_ID', 'BATON_FEATURE_ID'] as const;

/** The unit a process's environment names: `BATON_UNIT_ID` (`<id>.a<n>` for an attempt), else `BATON_FEATURE_ID`. */
export function unitOfEnv(env: Partial<Record<(typeof UNIT_VARS)[number], string>>): string | undefined {
  return env.BATON_UNIT_ID ?? env.BATON_FEATURE_ID;
}

/** Now, on the clock of `ProcessInfo.startMs` (boot time plus uptime); undefined without /proc. */
export function procNowMs(): number | undefined {
  const boot = bootTimeMs();
  try {
    const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return boot === undefined || !Number.isFinite(up) ? undefined : boot + up * 1000;
  } catch {
    return undefined;
  }
}

/** Whether /proc is there to ask. */
export function procAvailable(): boolean {
  return processInfo(process.pid) !== undefined;
}

/** The process group Baton itself runs in (never to be signalled as an agent's). */
export function ownProcessGroup(): number | undefined {
  return processInfo(process.pid)?.pgid;
}

/** Live processes whose environment carries `BATON_RUN_ID=<runId>`: everything a run's agents started. */
export function processesOfRun(runId: string, all: readonly ProcessInfo[] = listProcesses()): ProcessInfo[] {
  return all.filter((p) => p.pid !== process.pid && processEnv(p.pid, 'BATON_RUN_ID') === runId);
}

/** Every live descendant of `rootPid` (children, their children…), by parent links. */
export function descendantsOf(rootPid: number, all: readonly ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcessInfo[] = [];
  const queue = [rootPid];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.shift() as number;
    for (const child of children.get(pid) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/**
 * Whether `pid` is still the process a lock or a mark recorded: alive (`sameProcessAlive`), and, when
 * its start time was recorded and can be read now, started within 2 s of it (a pid reused since, a
 * container's pid 1 after a restart, is another process). The one rule the worker folder lock and the
 * integration marks apply; a live pid whose start cannot be compared counts as that process
 * (`processProof` tells the two apart, for the Baton lock).
 */
export function isSameProcess(pid: number, startedMs: number | undefined): boolean {
  return processProof(pid, { startedMs }, () => true) !== 'gone';
}

/** How far a pid is proven to be the process that recorded itself: gone, proven, or live but unproven. */
export type ProcessProof = 'gone' | 'same' | 'unproven';

/**
 * Whether `pid` is the process that recorded itself with its start time (`startedMs`) at `sinceMs`:
 * `gone` when it is not alive or its start is 2 s or more away from `startedMs`; `same` when its
 * start matches `startedMs`. Where either start time is missing (an old or hand-written record, no
 * /proc): `gone` when it started after `sinceMs` (a recycled pid), `same` when `fallback` vouches for
 * it, else `unproven`.
 */
export function processProof(
  pid: number,
  recorded: { startedMs?: number | undefined; sinceMs?: number | undefined },
  fallback: (pid: number) => boolean,
): ProcessProof {
  if (!sameProcessAlive(pid, undefined)) return 'gone';
  const now = processInfo(pid)?.startMs;
  const { startedMs, sinceMs } = recorded;
  if (startedMs !== undefined && Number.isFinite(startedMs) && now !== undefined && Number.isFinite(now))
    return Math.abs(now - startedMs) < 2000 ? 'same' : 'gone';
  if (sinceMs !== undefined && Number.isFinite(sinceMs) && !sameProcessAlive(pid, sinceMs)) return 'gone';
  return fallback(pid) ? 'same' : 'unproven';
}

/** A process's arguments as /proc shows them; undefined when unreadable (gone, hidden, or no /proc). */
export function processArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Whether a pid is alive and is the same process that existed at `notAfterMs` (not a recycled pid). */
export function sameProcessAlive(pid: number, notAfterMs: number | undefined, slackMs = 5000): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const info = processInfo(pid);
  if (!info) {
    if (procAvailable()) return false; // gone, or a zombie
    try {
      process.kill(pid, 0);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    // No /proc (or hidden): the pid exists, its start time cannot be checked.
    return true;
  }
  if (notAfterMs === undefined || !Number.isFinite(info.startMs)) return true;
  // A process started after the moment it is supposed to have been running is a recycled pid.
  return info.startMs <= notAfterMs + slackMs;
}

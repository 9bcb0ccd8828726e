/**
 * Processes an agent leaves behind: a daemon started with `setsid` leaves the agent's process group
 * (so stopping the group misses it) but keeps the environment Baton gave the agent. After the agent
 * ends, every live process carrying this run's `BATON_RUN_ID` and this feature's `BATON_FEATURE_ID`
 * is found (plus the descendants a tracker saw while it ran), stopped and reported.
 */
import { readFileSync } from 'node:fs';
import { descendantsOf, listProcesses, type ProcessInfo, processEnv, processInfo } from './proc.js';

/** A process Baton stopped after the agent that started it ended. */
export interface Straggler {
  pid: number;
  command: string;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '?';
  }
}

/** Remembers an agent's descendants while it runs (polling), so ones that escape the group are known. */
export class ProcessTracker {
  readonly #seen = new Map<number, number>();
  readonly #timer: NodeJS.Timeout;
  constructor(rootPid: number, intervalMs = 500) {
    const poll = () => {
      for (const p of descendantsOf(rootPid)) this.#seen.set(p.pid, p.startMs);
    };
    poll();
    this.#timer = setInterval(poll, intervalMs);
    this.#timer.unref();
  }
  /** Stops polling; returns the descendants seen that are still the same live processes. */
  stop(): ProcessInfo[] {
    clearInterval(this.#timer);
    const out: ProcessInfo[] = [];
    for (const [pid, startMs] of this.#seen) {
      const now = processInfo(pid);
      if (now && (now.startMs === startMs || !Number.isFinite(startMs))) out.push(now);
    }
    return out;
  }
}

/** Live processes of one feature of one run, by the environment Baton gave its agent. */
export function featureProcesses(runId: string, featureId: string, all = listProcesses()): ProcessInfo[] {
  return all.filter(
    (p) =>
      p.pid !== process.pid &&
      processEnv(p.pid, 'BATON_RUN_ID') === runId &&
      processEnv(p.pid, 'BATON_FEATURE_ID') === featureId,
  );
}

/**
 * Stops what a feature's agent left running (found by environment and by the tracker): SIGTERM,
 * then SIGKILL after `graceMs`. Only processes proven to be the run's are signalled; returns them.
 */
export async function stopStragglers(
  runId: string,
  featureId: string,
  tracked: readonly ProcessInfo[] = [],
  graceMs = 1000,
): Promise<Straggler[]> {
  const found = new Map<number, ProcessInfo>();
  for (const p of featureProcesses(runId, featureId)) found.set(p.pid, p);
  for (const p of tracked) if (p.pid !== process.pid && p.pid > 1) found.set(p.pid, p);
  const stopped: Straggler[] = [];
  for (const p of found.values()) {
    stopped.push({ pid: p.pid, command: commandOf(p.pid) });
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      // Gone already.
    }
  }
  const deadline = Date.now() + graceMs;
  const alive = (p: ProcessInfo) => {
    const now = processInfo(p.pid);
    return now !== undefined && (now.startMs === p.startMs || !Number.isFinite(p.startMs));
  };
  while (Date.now() < deadline && [...found.values()].some(alive))
    await new Promise((r) => setTimeout(r, 25));
  for (const p of found.values()) {
    if (!alive(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  return stopped;
}

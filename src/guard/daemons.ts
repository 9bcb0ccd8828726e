/**
 * Processes an agent leaves behind: a daemon started with `setsid` leaves the agent's process group
 * (so stopping the group misses it) but keeps the environment Baton gave the agent. After the agent
 * ends, every live process carrying this run's `BATON_RUN_ID` and this feature's `BATON_FEATURE_ID`
 * is found (plus the descendants a tracker saw while it ran), stopped and reported.
 */
import { isLogOf } from './group-proof.js';
import {
  descendantsOf,
  isSameProcess,
  listProcesses,
  listProcessesShared,
  listProcessesSince,
  type ProcessInfo,
  processArgv,
  processEnvVars,
  processInfo,
  UNIT_VARS,
  unitOfEnv,
} from './proc.js';

/** A process Baton stopped after the agent that started it ended. */
export interface Straggler {
  pid: number;
  command: string;
}

/** A process's command line as /proc shows it (at most 200 characters, `?` when unreadable); not escaped. */
export function commandOf(pid: number): string {
  return processArgv(pid)?.join(' ').slice(0, 200) ?? '?';
}

/** Every tracker of this process, polled together: one /proc listing per interval however many agents run. */
const trackers = new Set<ProcessTracker>();
let sweep: NodeJS.Timeout | undefined;
const SWEEP_MS = 500;

function sweepAll(): void {
  const all = listProcessesSince(Date.now());
  for (const t of trackers) t.observe(all);
}

/**
 * Remembers an agent's descendants while it runs, so ones that escape the group are known: one
 * sweep of /proc every 500 ms serves every running agent.
 */
export class ProcessTracker {
  readonly #rootPid: number;
  readonly #seen = new Map<number, number>();
  constructor(rootPid: number) {
    this.#rootPid = rootPid;
    trackers.add(this);
    if (!sweep) {
      sweep = setInterval(sweepAll, SWEEP_MS);
      sweep.unref();
    }
  }
  /** Records the agent's descendants in a listing of every process. */
  observe(all: readonly ProcessInfo[]): void {
    for (const p of descendantsOf(this.#rootPid, all)) this.#seen.set(p.pid, p.startMs);
  }
  /** Stops polling; returns the descendants seen that are still the same live processes. */
  stop(): ProcessInfo[] {
    trackers.delete(this);
    if (trackers.size === 0 && sweep) {
      clearInterval(sweep);
      sweep = undefined;
    }
    const out: ProcessInfo[] = [];
    for (const [pid, startMs] of this.#seen) {
      const now = processInfo(pid);
      if (now && (now.startMs === startMs || !Number.isFinite(startMs))) out.push(now);
    }
    return out;
  }
}

/** How much earlier than the agent a process of its feature may seem to start (clock ticks, rounding). */
const START_SLACK_MS = 1000;

/**
 * Live processes of one feature of one run, by the environment Baton gave its agent. Only processes
 * that started after `startedFromMs` (when the feature began, on /proc's clock: `procNowMs`) can carry
 * its environment, so only theirs are read — one read each; unknown, every process is read.
 */
export function featureProcesses(
  runId: string,
  featureId: string,
  all = listProcesses(),
  startedFromMs?: number,
): ProcessInfo[] {
  return startedSince(all, startedFromMs).filter((p) => {
    // The unit (an attempt `<id>.a<n>` shares its feature's BATON_FEATURE_ID with the other attempts).
    const env = processEnvVars(p.pid, ['BATON_RUN_ID', ...UNIT_VARS]);
    return env.BATON_RUN_ID === runId && unitOfEnv(env) === featureId;
  });
}

/**
 * The processes of `all` other than this one that started since `startedFromMs` (on /proc's clock,
 * with `START_SLACK_MS` of slack; unknown, all of them): the only ones whose environment is worth reading.
 */
function startedSince(all: readonly ProcessInfo[], startedFromMs: number | undefined): ProcessInfo[] {
  const from = startedFromMs === undefined ? Number.NEGATIVE_INFINITY : startedFromMs - START_SLACK_MS;
  return all.filter((p) => p.pid !== process.pid && p.startMs >= from);
}

/** What `stopStragglers` looks at besides the run and the feature. */
export interface StragglerSweep {
  /** The agent's descendants a tracker saw while it ran. */
  tracked?: readonly ProcessInfo[];
  /** How long after SIGTERM a straggler gets SIGKILL. */
  graceMs?: number;
  /** When the feature began, on /proc's clock (`procNowMs`); see `featureProcesses`. */
  startedFromMs?: number;
  /** When the agent ended (wall clock): any listing begun since sees what it left. */
  agentEndedMs?: number;
  /** Features ending within this many ms of each other share one listing. */
  shareWithinMs?: number;
  /**
   * Processes never to touch, whatever their environment: the tmux server of an interactive run
   * and the processes it started itself (other agents' windows, their `pipe-pane` helpers).
   */
  spare?: (p: ProcessInfo) => boolean;
}

/**
 * Stops what a feature's agent left running (found by environment and by the tracker): SIGTERM,
 * then SIGKILL after `graceMs`. Only processes proven to be the run's are signalled; returns them.
 */
export async function stopStragglers(
  runId: string,
  featureId: string,
  sweep: StragglerSweep = {},
): Promise<Straggler[]> {
  const { tracked = [], graceMs = 1000, startedFromMs, agentEndedMs = Date.now(), shareWithinMs = 0 } = sweep;
  const found = new Map<number, ProcessInfo>();
  // Any listing begun after the agent ended sees what it left: features ending together share one
  // (with `shareWithinMs`, those ending within that many ms of each other).
  const all = await listProcessesShared(agentEndedMs, shareWithinMs);
  for (const p of featureProcesses(runId, featureId, all, startedFromMs)) found.set(p.pid, p);
  for (const p of tracked) if (p.pid !== process.pid && p.pid > 1) found.set(p.pid, p);
  for (const p of found.values()) if (sweep.spare?.(p)) found.delete(p.pid);
  return stopProcesses([...found.values()], graceMs);
}

/** SIGTERM to each process, SIGKILL after `graceMs` to those still the same live process; returns them named. */
async function stopProcesses(found: readonly ProcessInfo[], graceMs: number): Promise<Straggler[]> {
  const stopped: Straggler[] = [];
  for (const p of found) {
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
  while (Date.now() < deadline && found.some(alive)) await new Promise((r) => setTimeout(r, 25));
  const killed = found.filter(alive);
  for (const p of killed) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  // SIGKILL is not instant either: the caller is told once they are gone (their ports closed).
  const killDeadline = Date.now() + 1000;
  while (Date.now() < killDeadline && killed.some(alive)) await new Promise((r) => setTimeout(r, 10));
  return stopped;
}

/** The variable that marks every process a check's command starts (`leftByCheck`). */
export const CHECK_MARK = 'BATON_CHECK_ID';

/**
 * What a check's command left running once it ended (a server or watcher started with `setsid` or
 * `nohup … &` leaves its process group): the live processes carrying the check's mark in their
 * environment, started since `startedFromMs` (on /proc's clock), stopped like an agent's daemons.
 * Only the mark given to this check proves a process is its own.
 */
export async function stopLeftByCheck(
  mark: string,
  startedFromMs?: number,
  graceMs = 1000,
): Promise<Straggler[]> {
  const found = markedProcesses(mark, startedFromMs);
  return found.length > 0 ? stopProcesses(found, graceMs) : [];
}

/** The live processes carrying a check's mark (see `stopLeftByCheck`), named; none is signalled. */
export function leftByCheck(mark: string, startedFromMs?: number): Straggler[] {
  return markedProcesses(mark, startedFromMs).map((p) => ({ pid: p.pid, command: commandOf(p.pid) }));
}

function markedProcesses(mark: string, startedFromMs: number | undefined): ProcessInfo[] {
  return startedSince(listProcesses(), startedFromMs).filter(
    (p) => processEnvVars(p.pid, [CHECK_MARK])[CHECK_MARK] === mark,
  );
}

/** The variable that marks the shell making a run's worktrees and its git processes (`addWorktrees`). */
export const WORKTREE_BATCH_MARK = 'BATON_WORKTREE_BATCH';

/**
 * Stops what a dead run left making its worktrees: the live processes carrying `WORKTREE_BATCH_MARK`,
 * one of `runIds` as `BATON_RUN_ID` and this repository's log (`logPath`) as `BATON_LOG` (a batch
 * shell killed with its orchestrator runs on, its checkouts writing into worktrees a resume is about
 * to reuse; the run ids come from the log, which another repository's lines can fill). Returns them named.
 */
export async function stopDeadWorktreeBatches(
  runIds: ReadonlySet<string>,
  logPath: string,
  graceMs = 1000,
): Promise<Straggler[]> {
  if (runIds.size === 0) return [];
  const found = startedSince(listProcesses(), undefined).filter((p) => {
    const env = processEnvVars(p.pid, ['BATON_RUN_ID', 'BATON_LOG', WORKTREE_BATCH_MARK]);
    return (
      env[WORKTREE_BATCH_MARK] !== undefined &&
      runIds.has(env.BATON_RUN_ID ?? '') &&
      isLogOf(env.BATON_LOG, logPath)
    );
  });
  return found.length > 0 ? stopProcesses(found, graceMs) : [];
}

/**
 * The variables that mark every process an integration's test command (or after-integration check)
 * starts: the Baton that started it (`<pid>:<start ms>`) and the repository (its real common git dir).
 */
export const INTEGRATION_MARK = 'BATON_INTEGRATION_OWNER';
export const INTEGRATION_REPO_MARK = 'BATON_INTEGRATION_REPO';

/** This process as an owner mark names it: `<pid>:<start ms>` (the start empty where /proc cannot say). */
function ownerMark(): string {
  const self = processInfo(process.pid);
  return `${process.pid}:${self && Number.isFinite(self.startMs) ? String(self.startMs) : ''}`;
}

/** The marks this process gives what an integration of `repo` (its real common git dir) starts. */
export function integrationMarks(repo: string): Record<string, string> {
  return { [INTEGRATION_MARK]: ownerMark(), [INTEGRATION_REPO_MARK]: repo };
}

/**
 * The variable that marks every process a `baton verify`'s checks start (commands, servers) with the
 * Baton that started it (`<pid>:<start ms>`); with `BATON_LOG`, the repository's log, beside it.
 */
export const VERIFY_MARK = 'BATON_VERIFY_OWNER';

/** The marks this process, a `baton verify` of the repository whose log is `logPath`, gives its checks. */
export function verifyMarks(logPath: string): Record<string, string> {
  return { [VERIFY_MARK]: ownerMark(), BATON_LOG: logPath };
}

/** Whether the Baton a mark names (`<pid>:<start ms>`) is still that live process. */
function markOwnerAlive(owner: string): boolean {
  const [pidText, startText] = owner.split(':');
  const pid = Number(pidText);
  if (pid === process.pid) return true;
  if (!Number.isInteger(pid) || pid <= 1) return false;
  return isSameProcess(pid, startText ? Number(startText) : undefined);
}

/**
 * Stops the live processes whose environment names, as `ownerVar`, a Baton that is no longer alive
 * and whose other marks (`vars`) tie them to this repository (`ours`). A pid read from the log proves
 * nothing; the mark Baton gave the process, and its owner's death, do.
 */
async function stopDeadOwners<K extends string>(
  ownerVar: K,
  vars: readonly K[],
  ours: (env: Partial<Record<K, string>>) => boolean,
  graceMs: number,
): Promise<Straggler[]> {
  const found = startedSince(listProcesses(), undefined).filter((p) => {
    const env = processEnvVars(p.pid, [ownerVar, ...vars]);
    const owner = env[ownerVar];
    return owner !== undefined && ours(env) && !markOwnerAlive(owner);
  });
  return found.length > 0 ? stopProcesses(found, graceMs) : [];
}

/**
 * Stops what a dead integration of `repo` left running (a `kill -9` of Baton during its tests leaves
 * the test command's group running): the live processes carrying this repository's
 * `INTEGRATION_REPO_MARK` and an `INTEGRATION_MARK` naming a Baton that is no longer alive.
 */
export function stopDeadIntegrationTests(repo: string, graceMs = 1000): Promise<Straggler[]> {
  return stopDeadOwners(
    INTEGRATION_MARK,
    [INTEGRATION_REPO_MARK],
    (env) => env[INTEGRATION_REPO_MARK] === repo,
    graceMs,
  );
}

/**
 * Stops what a dead `baton verify` of the repository whose log is `logPath` left running (a `kill -9`
 * of it during a check leaves the check's group writing in the worktree): the live processes whose
 * `VERIFY_MARK` names a Baton no longer alive and whose `BATON_LOG` is this repository's log.
 */
export function stopDeadVerifyChecks(logPath: string, graceMs = 1000): Promise<Straggler[]> {
  return stopDeadOwners(VERIFY_MARK, ['BATON_LOG'], (env) => isLogOf(env.BATON_LOG, logPath), graceMs);
}

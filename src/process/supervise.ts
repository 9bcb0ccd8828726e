import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { checkoutEnvironment } from '../git/repository-env.js';
import { openStateFile } from '../state-write.js';
import { SHORTAGE_HINT, shortageWords } from './spawn-failure.js';

/** How a supervised process ended. */
export interface ProcessExit {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when Baton stopped it (interrupt, timeout), or the user did (`baton stop`, interactive agents). */
  stoppedBy?: 'timeout' | 'interrupt' | 'stop' | 'user';
  durationMs: number;
  /** Set when it could not be started for want of a resource (`too many open files (EMFILE)`); exit 127. */
  shortage?: string;
}

/** Options for a supervised process. */
export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Run `command` through the shell (`sh -c`); otherwise `command` is the file and `args` its argv. */
  shell?: boolean;
  args?: string[];
  /**
   * stdout and stderr are appended here (its folder made, no symbolic link followed: `openStateFile`),
   * or to `logFd`; otherwise they are captured in memory.
   */
  logFile?: string;
  /** A file already open for the output (the caller's, which it closes), in place of `logFile`. */
  logFd?: number;
  /** Text written to stdin, which is then closed; stdin is /dev/null otherwise. */
  input?: string;
  timeoutMs?: number;
  /**
   * Stops it as `timeoutMs` would once it has written nothing (stdout or stderr) for this long: a
   * program that talks while it works (git with `--progress`) keeps its time however long it takes.
   */
  silenceMs?: number;
  /** How long after SIGTERM the group gets SIGKILL. */
  killGraceMs?: number;
  /**
   * After the leader exits on its own, how long the rest of its group may keep running before it is
   * stopped: work an agent hands off as it exits (Codex runs its `notify` program fire-and-forget).
   */
  settleMs?: number;
}

/** A process running in its own process group, with its exit as a promise. */
export interface Supervised {
  pid: number | undefined;
  /** The process group id (equal to pid: every supervised process leads its own group). */
  pgid: number | undefined;
  exited: Promise<ProcessExit & { stdout: string; stderr: string }>;
  /** Stops the whole group: SIGTERM, then SIGKILL after the grace period. */
  stop(reason?: 'timeout' | 'interrupt' | 'stop'): Promise<void>;
}

/** Sends a signal to a whole process group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Groups sent SIGTERM and given their grace period, not yet gone: a second Ctrl-C ends them at once. */
const graceGroups = new Set<number>();

/**
 * Stops a group: SIGTERM, then SIGKILL when it outlives `graceMs` (or at once on `killGroupsInGrace`).
 * Resolves true when the group went within the grace period.
 */
export async function terminateGroup(
  pgid: number,
  graceMs: number,
  waitGone: (ms: number) => Promise<boolean>,
): Promise<boolean> {
  graceGroups.add(pgid);
  try {
    signalGroup(pgid, 'SIGTERM');
    if (await waitGone(graceMs)) return true;
    signalGroup(pgid, 'SIGKILL');
    return false;
  } finally {
    graceGroups.delete(pgid);
  }
}

/** Kills every group still within its grace period (the user asked twice); how many there were. */
export function killGroupsInGrace(): number {
  const groups = [...graceGroups];
  for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  return groups.length;
}

/**
 * Whether a process has finished exiting. A zombie main thread is not enough: a multi-threaded program
 * (node) shows `Z` once its main thread ends while its other threads still hold its sockets open, so the
 * process counts as gone only when no other thread is left.
 */
function exitedFully(pid: string, state: string | undefined): boolean {
  if (state === 'X') return true;
  if (state !== 'Z') return false;
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true; // reaped while we looked
  }
}

/** Live (non-zombie) members of a process group, read from /proc; undefined where there is no /proc. */
export function groupMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the parenthesised command name: state ppid pgrp …
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && !exitedFully(name, fields[0])) members.push(Number(name));
  }
  return members;
}

/**
 * Whether any process of the group is still alive. Zombies do not count: orphans are reaped by
 * PID 1 on its own schedule, and a zombie can no longer do anything.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const members = groupMembers(pgid);
  return members === undefined ? true : members.length > 0;
}

/** Describes an exit in words: `exit 1`, `killed by SIGKILL (exit 137)`, `timed out after 2 s`. */
export function describeExit(
  exit: Pick<ProcessExit, 'exitCode' | 'signal' | 'timedOut' | 'stoppedBy' | 'shortage'>,
  timeoutMs?: number,
): string {
  if (exit.stoppedBy === 'user') return 'stopped by the user (baton stop)';
  if (exit.timedOut) return `timed out after ${Math.round((timeoutMs ?? 0) / 100) / 10} s and was stopped`;
  if (exit.signal) {
    const codes: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
    const n = codes[exit.signal];
    return `killed by ${exit.signal}${n ? ` (exit ${128 + n})` : ''}`;
  }
  // A program whose end nobody saw (an interactive agent's window closed by hand).
  if (exit.exitCode === null) return 'ended without an exit code (by a signal, or its window was closed)';
  if (exit.exitCode === 127) {
    return exit.shortage ? `not started: ${exit.shortage}` : 'exit 127 (command not found)';
  }
  if (exit.exitCode === 126) return 'exit 126 (not executable)';
  if (exit.exitCode !== null && exit.exitCode > 128 && exit.exitCode < 160) {
    return `exit ${exit.exitCode} (killed by signal ${exit.exitCode - 128})`;
  }
  return `exit ${exit.exitCode}`;
}

/** Output kept in memory per stream when no log file is given (beyond it, the rest is dropped). */
const MAX_CAPTURE = 64 * 1024 * 1024;

/** Leaders still running, stopped (SIGTERM) if Baton itself exits before they do. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackUntilExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill();
    });
  }
  running.add(child);
}

/** Collects a pipe's bytes (up to `MAX_CAPTURE`) and gives them as text once the child's streams close. */
function capture(stream: Readable | null): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on('data', (b: Buffer) => {
    if (size >= MAX_CAPTURE) return;
    chunks.push(b);
    size += b.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

/**
 * Spawns the command as the leader of a new process group, its output to the log file or to pipes; a
 * spawn that throws at once (ENOMEM, E2BIG: an argument over 128 KiB) gives its error, as the 'error'
 * event gives the others.
 */
function startLeader(command: string, options: SpawnOptions): ChildProcess | Error {
  // The agent's log lies in Baton's state folder, where an agent may have planted a link in its place.
  const logFd =
    options.logFd === undefined && options.logFile
      ? openStateFile(dirname(options.logFile), options.logFile, 'append')
      : undefined;
  const out = options.logFd ?? logFd ?? 'pipe';
  try {
    return spawn(
      options.shell ? '/bin/sh' : command,
      options.shell ? ['-c', command] : (options.args ?? []),
      {
        cwd: options.cwd,
        // An agent, setup or check finds its repository from its folder, never from a git hook's
        // `GIT_DIR` or `GIT_INDEX_FILE` that Baton was started with; its git runs with `CHECKOUT_CONFIG`.
        env: checkoutEnvironment(options.env),
        detached: true,
        stdio: [options.input !== undefined ? 'pipe' : 'ignore', out, out],
      },
    );
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  } finally {
    // The child holds its own copy of the log file's descriptor.
    if (logFd !== undefined) closeSync(logFd);
  }
}

/** The leader's exit (or a failure to start it: `spawnError`), then the end of its output streams. */
function watchLeader(child: ChildProcess) {
  let spawnError: Error | undefined;
  const leaderDone = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      spawnError = err;
      resolve({ code: null, signal: null });
    });
  });
  const streamsDone = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  return { leaderDone, streamsDone, spawnError: () => spawnError };
}

/**
 * How long the output pipes may stay open once the leader's group is gone (or stopped): a process that
 * left the group (`setsid … &`, a detached daemon) and keeps them open is not waited for, or a check's
 * timeout and Ctrl-C would wait for as long as it lives. Its own finder names and stops it
 * (`leftByCheck`, the integrate test's `leftBehind`).
 */
export const PIPE_GRACE_MS = 1000;

/** Waits up to `ms` for the child's output streams to end, then closes them, keeping what was read. */
async function pipesDone(child: ChildProcess, streamsDone: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), ms);
  });
  const held = await Promise.race([streamsDone.then(() => false), late]);
  clearTimeout(timer);
  if (!held) return;
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** Waits up to `ms` for every process of the group led by `pid` to be gone; true once none is left. */
async function waitGroupGone(pid: number | undefined, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (pid === undefined || !groupAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return pid === undefined || !groupAlive(pid);
}

/**
 * Starts a process as the leader of a new process group, so stopping it stops everything it
 * started (dev servers, test runners, an agent's tools). Never rejects: the exit is a value.
 * Plain `node:child_process` (no wrapper): an agent or check is one fork, its output a file or a pipe.
 */
export function spawnSupervised(command: string, options: SpawnOptions): Supervised {
  const started = performance.now();
  const grace = options.killGraceMs ?? 3000;
  const child = startLeader(command, options);
  if (child instanceof Error) return notStarted(child, started);
  const pid = child.pid;
  if (pid !== undefined) trackUntilExit(child);
  const stdout = capture(child.stdout);
  const stderr = capture(child.stderr);
  if (options.input !== undefined && child.stdin) {
    child.stdin.on('error', () => {}); // a program that does not read its input closes the pipe early
    child.stdin.end(options.input);
  }
  const { leaderDone, streamsDone, spawnError } = watchLeader(child);
  let stoppedBy: ProcessExit['stoppedBy'];
  let timer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;

  const waitGone = (ms: number): Promise<boolean> => waitGroupGone(pid, ms);

  const stop = (reason: 'timeout' | 'interrupt' | 'stop' = 'stop'): Promise<void> => {
    stoppedBy ??= reason;
    stopping ??= (async () => {
      if (pid === undefined) return;
      if (!(await terminateGroup(pid, grace, waitGone))) await waitGone(2000);
    })();
    return stopping;
  };

  if (options.timeoutMs !== undefined) {
    timer = setTimeout(() => void stop('timeout'), options.timeoutMs);
    timer.unref();
  }
  const silence =
    options.silenceMs === undefined ? undefined : setTimeout(() => void stop('timeout'), options.silenceMs);
  silence?.unref();
  for (const s of silence ? [child.stdout, child.stderr] : []) s?.on('data', () => silence?.refresh());

  const exited = (async () => {
    const r = await leaderDone;
    running.delete(child);
    clearTimeout(timer);
    clearTimeout(silence);
    // The leader is gone; make sure nothing it started outlives it.
    if (
      pid !== undefined &&
      groupAlive(pid) &&
      !(stoppedBy === undefined && (await waitGone(options.settleMs ?? 0)))
    ) {
      await terminateGroup(pid, grace, waitGone);
    }
    await pipesDone(child, streamsDone, PIPE_GRACE_MS);
    const exit: ProcessExit & { stdout: string; stderr: string } = {
      exitCode: r.code,
      signal: r.signal,
      timedOut: stoppedBy === 'timeout',
      durationMs: Math.round(performance.now() - started),
      stdout: stdout(),
      stderr: stderr(),
      ...(stoppedBy ? { stoppedBy } : {}),
    };
    const failed = spawnError();
    if (failed) markNotStarted(exit, failed);
    return exit;
  })();

  return { pid, pgid: pid, exited, stop };
}

/**
 * Makes `exit` that of a program that could not be started at all (missing file, bad cwd, too many
 * open files): exit 127, the reason on stderr, a shortage named with what to do.
 */
function markNotStarted(exit: ProcessExit & { stderr: string }, failed: Error): void {
  const short = shortageWords(failed);
  exit.stderr += `Command failed to start: ${failed.message}${short ? `: ${short}. ${SHORTAGE_HINT}` : ''}`;
  exit.exitCode = 127;
  if (short) exit.shortage = short;
}

/** A process whose spawn threw at once: nothing runs, its exit is already known. */
function notStarted(failed: Error, started: number): Supervised {
  const durationMs = Math.round(performance.now() - started);
  const exit = { exitCode: null, signal: null, timedOut: false, durationMs, stdout: '', stderr: '' };
  markNotStarted(exit, failed);
  return { pid: undefined, pgid: undefined, exited: Promise.resolve(exit), stop: async () => {} };
}

/** The last `n` lines of a text, for events and error messages. */
export function tailLines(text: string, n = 20): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

/**
 * The orchestrator's side of the launcher process (`launcher-child.ts`): while one is started, the
 * scripts Baton runs many of (a feature's git sequences) are started by it instead of by a `spawn`
 * of the orchestrator itself, which forks the whole orchestrator and blocks its event loop until the
 * child runs `exec` (issue #17). Started by a run with several features (`startLauncher`), ended with
 * it; without one, or once it has gone, scripts are spawned here as before.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LaunchReply, LeaderRequest, ScriptRequest } from './launcher-child.js';
import {
  type LeaderHandle,
  leaderArgv,
  type SpawnOptions,
  type Supervised,
  spawnSupervised,
  supervise,
} from './supervise.js';

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** A leader the launcher started: its pid once known, its exit once it comes. */
interface Leading {
  started: (pid: number) => void;
  failed: (err: Error) => void;
  exited: (exit: Exit) => void;
  pid?: number;
}

/** Whether `pid` is still a live process (not gone, not a zombie), read from /proc. */
function processLive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** What a script left: its stdout and stderr, and what it wrote to each extra output (fd 3, 4, …). */
export interface ScriptOutput {
  stdout: string;
  stderr: string;
  outs: string[];
}

interface Pending {
  resolve: (out: ScriptOutput) => void;
  reject: (err: Error) => void;
}

class Launcher {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #leaders = new Map<number, Leading>();
  #next = 1;
  #gone = false;
  /** Until the launcher has started and said so, scripts are spawned by the orchestrator: none waits on its start. */
  #ready = false;

  constructor(script: string) {
    this.#child = fork(script, [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.#child.on('message', (m: LaunchReply) => this.#settle(m));
    const lost = (why: string) => {
      this.#gone = true;
      const err = new Error(`the process launcher ended (${why})`);
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      // A leader already started goes on without it: its end is seen in /proc (its exit code is lost).
      for (const l of this.#leaders.values()) {
        if (l.pid === undefined) l.failed(err);
        else void untilGone(l.pid).then(() => l.exited({ code: null, signal: null }));
      }
      this.#leaders.clear();
    };
    this.#child.on('error', (err) => lost(err.message));
    this.#child.on('exit', (code, signal) => lost(signal ?? `exit ${code}`));
    this.#idle();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get gone(): boolean {
    return this.#gone;
  }

  get usable(): boolean {
    return this.#ready && !this.#gone && this.#child.connected;
  }

  run(req: Omit<ScriptRequest, 'id'>): Promise<ScriptOutput> {
    const id = this.#next++;
    return new Promise<ScriptOutput>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#busy();
      this.#child.send({ ...req, id }, (err) => {
        if (!err) return;
        this.#pending.delete(id);
        this.#idle();
        reject(err);
      });
    });
  }

  /** Starts a process group leader (`LeaderRequest`); resolves once its pid is known. */
  leader(req: Omit<LeaderRequest, 'id' | 'leader'>): Promise<{ pid: number; exit: Promise<Exit> }> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      let onExit: (e: Exit) => void = () => {};
      const exit = new Promise<Exit>((r) => {
        onExit = r;
      });
      const leading: Leading = {
        started: (pid) => {
          leading.pid = pid;
          resolve({ pid, exit });
        },
        failed: reject,
        exited: onExit,
      };
      this.#leaders.set(id, leading);
      this.#busy();
      this.#child.send({ ...req, id, leader: true }, (err) => {
        if (!err) return;
        this.#leaders.delete(id);
        this.#idle();
        reject(err);
      });
    });
  }

  stop(): void {
    this.#gone = true;
    if (this.#child.connected) this.#child.disconnect();
  }

  #settle(m: LaunchReply): void {
    if ('ready' in m) {
      this.#ready = true;
      return;
    }
    const l = this.#leaders.get(m.id);
    if (l) {
      if ('pid' in m) l.started(m.pid);
      else if ('exit' in m || 'error' in m) {
        this.#leaders.delete(m.id);
        this.#idle();
        if ('exit' in m) l.exited(m.exit);
        else l.failed(new Error(m.error));
      }
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    this.#idle();
    if ('error' in m) p.reject(new Error(m.error));
    else if ('outs' in m) p.resolve({ stdout: m.stdout, stderr: m.stderr, outs: m.outs });
  }

  /** Waiting on a reply keeps the orchestrator alive; an idle launcher does not. */
  #busy(): void {
    this.#child.ref();
    this.#child.channel?.ref();
  }

  #idle(): void {
    if (this.#pending.size > 0 || this.#leaders.size > 0) return;
    this.#child.unref();
    this.#child.channel?.unref();
  }
}

let current: Launcher | undefined;

/** The launcher's own file, beside this module (built: dist/bundle/launcher-child.cjs or dist/process/launcher-child.js). */
function childScript(): string | undefined {
  const ext = extname(fileURLToPath(import.meta.url));
  const file = fileURLToPath(new URL(`./launcher-child${ext}`, import.meta.url));
  return ext === '.ts' || !existsSync(file) ? undefined : file;
}

/**
 * Starts the launcher (once per process; `script`: its built file) unless BATON_LAUNCHER=0; true when
 * one runs. It serves once it has said it is ready: scripts asked for before are spawned here. Its start (a
 * Node process) costs about what a handful of the orchestrator's own spawns do, so only runs with
 * several features start it.
 */
export function startLauncher(script = childScript()): boolean {
  if (current && !current.gone) return true;
  if (process.env.BATON_LAUNCHER === '0') return false;
  if (!script) return false;
  current = new Launcher(script);
  return true;
}

/** Ends the launcher; what it started goes on to its end. */
export function stopLauncher(): void {
  current?.stop();
  current = undefined;
}

/** Resolves once `pid` is no longer a live process (polled). */
async function untilGone(pid: number): Promise<void> {
  while (processLive(pid)) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Starts a process group leader through the launcher, its output appended to `logFile`: the handle
 * `supervise` takes. Undefined when no launcher serves (the caller spawns it itself); a program that
 * cannot start gives a handle whose `spawnError` says why, as a local spawn would.
 */
export async function launchLeader(
  req: Omit<LeaderRequest, 'id' | 'leader'>,
): Promise<LeaderHandle | undefined> {
  if (!current?.usable) return undefined;
  let started: { pid: number; exit: Promise<Exit> };
  try {
    started = await current.leader(req);
  } catch (err) {
    const error = err as Error;
    return {
      pid: undefined,
      leaderDone: Promise.resolve({ code: null, signal: null }),
      streamsDone: Promise.resolve(),
      spawnError: () => error,
      stdout: () => '',
      stderr: () => '',
      kill: () => {},
    };
  }
  const { pid, exit } = started;
  return {
    pid,
    leaderDone: exit,
    streamsDone: exit.then(() => undefined),
    spawnError: () => undefined,
    stdout: () => '',
    stderr: () => '',
    kill: () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
    },
  };
}

/**
 * `spawnSupervised`, through the launcher when one serves and the output goes to a log file (an
 * agent): the pid is known once the launcher has started it, so this resolves then.
 */
export async function startSupervised(command: string, options: SpawnOptions): Promise<Supervised> {
  if (options.logFile !== undefined && current?.usable) {
    const started = performance.now();
    const [file, args] = leaderArgv(command, options);
    const handle = await launchLeader({
      file,
      args,
      cwd: options.cwd,
      env: options.env,
      logFile: options.logFile,
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
    if (handle) return supervise(handle, options, started);
  }
  return spawnSupervised(command, options);
}

/** The launcher's process id while one runs and serves (for tests and `ps`: its name is `baton-launcher`). */
export function launcherPid(): number | undefined {
  return current?.usable ? current.pid : undefined;
}

function collect(child: ChildProcess, fd: number): Buffer[] {
  const chunks: Buffer[] = [];
  child.stdio[fd]?.on('data', (b: Buffer) => chunks.push(b));
  return chunks;
}

/**
 * Runs `script` with `/bin/sh` in `cwd`, with `fds` extra output pipes (file descriptors 3, 4, …), and
 * gives back everything it wrote: through the launcher when one serves, else spawned here. Rejects
 * only when the shell cannot be started (or the launcher went while it ran).
 */
export function runScript(
  cwd: string,
  script: string,
  fds: number,
  env: NodeJS.ProcessEnv,
): Promise<ScriptOutput> {
  if (current?.usable) return current.run({ cwd, script, env, fds });
  return new Promise<ScriptOutput>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', ...Array.from({ length: fds }, () => 'pipe' as const)],
    });
    const stdout = collect(child, 1);
    const stderr = collect(child, 2);
    const outs = Array.from({ length: fds }, (_, i) => collect(child, 3 + i));
    child.on('error', reject);
    child.on('close', () => {
      const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
      resolve({ stdout: text(stdout), stderr: text(stderr), outs: outs.map(text) });
    });
  });
}

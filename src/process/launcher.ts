/**
 * The orchestrator's side of the launcher process (`launcher-child.ts`): while one is started, the
 * scripts Baton runs many of (a feature's git sequences) are started by it instead of by a `spawn`
 * of the orchestrator itself, which forks the whole orchestrator and blocks its event loop until the
 * child runs `exec` (issue #17). Started by a run with several features (`startLauncher`), ended with
 * it; without one, or once it has gone, scripts are spawned here as before.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LaunchReply, ScriptRequest } from './launcher-child.js';

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
      for (const p of this.#pending.values()) p.reject(new Error(`the process launcher ended (${why})`));
      this.#pending.clear();
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

  stop(): void {
    this.#gone = true;
    if (this.#child.connected) this.#child.disconnect();
  }

  #settle(m: LaunchReply): void {
    if ('ready' in m) {
      this.#ready = true;
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    this.#idle();
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve({ stdout: m.stdout, stderr: m.stderr, outs: m.outs });
  }

  /** Waiting on a reply keeps the orchestrator alive; an idle launcher does not. */
  #busy(): void {
    this.#child.ref();
    this.#child.channel?.ref();
  }

  #idle(): void {
    if (this.#pending.size > 0) return;
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

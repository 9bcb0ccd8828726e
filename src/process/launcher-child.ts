/**
 * The launcher process (started by `launcher.ts`): a small Node process that starts the run's child
 * processes for the orchestrator. Node's `spawn` forks the calling process and waits until the child
 * has run `exec`: in the orchestrator (tens of MiB, a busy event loop) that costs milliseconds a child,
 * during which nothing else of the run happens (issue #17). This process stays small and idle, so its
 * forks are cheap, and the orchestrator's loop goes on meanwhile. It loads node's own modules only.
 *
 * Requests and replies are JSON messages on the IPC channel (`LaunchRequest`, `LaunchReply`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** Runs a shell script with `fds` extra output pipes (file descriptors 3, 4, …) and returns every output. */
export interface ScriptRequest {
  id: number;
  cwd: string;
  script: string;
  env: NodeJS.ProcessEnv;
  fds: number;
}

/**
 * Starts `file` with `args` as the leader of a new process group, its output appended to `logFile`
 * and `input` (if any) on its stdin: the reply names its pid at once, and its exit when it comes.
 */
export interface LeaderRequest {
  id: number;
  leader: true;
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  input?: string;
}

export type LaunchRequest = ScriptRequest | LeaderRequest;

export type LaunchReply =
  | { ready: true }
  | { id: number; error: string }
  | { id: number; stdout: string; stderr: string; outs: string[] }
  | { id: number; pid: number }
  | { id: number; exit: { code: number | null; signal: NodeJS.Signals | null } };

function collect(child: ChildProcess, fd: number): Buffer[] {
  const chunks: Buffer[] = [];
  child.stdio[fd]?.on('data', (b: Buffer) => chunks.push(b));
  return chunks;
}

function runScript(req: ScriptRequest, reply: (r: LaunchReply) => void): void {
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', req.script, 'sh'], {
      cwd: req.cwd,
      env: req.env,
      stdio: ['ignore', 'pipe', 'pipe', ...Array.from({ length: req.fds }, () => 'pipe' as const)],
    });
  } catch (err) {
    reply({ id: req.id, error: (err as Error).message });
    return;
  }
  const stdout = collect(child, 1);
  const stderr = collect(child, 2);
  const outs = Array.from({ length: req.fds }, (_, i) => collect(child, 3 + i));
  let failed: Error | undefined;
  child.on('error', (err) => {
    failed = err;
  });
  child.on('close', () => {
    if (failed) {
      reply({ id: req.id, error: failed.message });
      return;
    }
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
    reply({ id: req.id, stdout: text(stdout), stderr: text(stderr), outs: outs.map(text) });
  });
}

function startLeader(req: LeaderRequest, reply: (r: LaunchReply) => void): void {
  let child: ChildProcess;
  try {
    const fd = openSync(req.logFile, 'a');
    try {
      child = spawn(req.file, req.args, {
        cwd: req.cwd,
        env: req.env,
        detached: true,
        stdio: [req.input !== undefined ? 'pipe' : 'ignore', fd, fd],
      });
    } finally {
      // The child holds its own copy of the log file's descriptor.
      closeSync(fd);
    }
  } catch (err) {
    reply({ id: req.id, error: (err as Error).message });
    return;
  }
  if (req.input !== undefined && child.stdin) {
    child.stdin.on('error', () => {}); // a program that does not read its input closes the pipe early
    child.stdin.end(req.input);
  }
  const pid = child.pid;
  // A program that cannot start (a missing file, a bad cwd) has no pid and says so in 'error'.
  child.once('error', (err) => {
    if (pid === undefined) reply({ id: req.id, error: err.message });
  });
  if (pid === undefined) return;
  reply({ id: req.id, pid });
  child.once('exit', (code, signal) => reply({ id: req.id, exit: { code, signal } }));
}

/** Serves requests until the orchestrator goes: then ends, leaving whatever it started to finish. */
function serve(): void {
  const send = (r: LaunchReply) => {
    if (process.connected) process.send?.(r);
  };
  process.title = 'baton-launcher';
  // It lives as long as the orchestrator's channel: a Ctrl-C or a signal to the run's process group
  // reaches the scripts it runs, as it would if the orchestrator had started them, and the
  // orchestrator still has it for what it does on its way out (committing stopped agents' work).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});
  process.on('message', (m: LaunchRequest) => ('leader' in m ? startLeader(m, send) : runScript(m, send)));
  process.on('disconnect', () => process.exit(0));
  send({ ready: true });
}

if (process.send) serve();

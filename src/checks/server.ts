import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { CHECK_MARK, stopLeftByCheck } from '../guard/daemons.js';
import { procNowMs } from '../guard/proc.js';
import { type ProcessExit, spawnSupervised } from '../process/supervise.js';
import { capOutputFile, closeOutputFile, openOutputFile, outputOf } from './output-file.js';

/** Tries one TCP connection; true when something accepted it. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => {
      if (!connectedToItself(socket)) return done(true);
      // Nobody listens: reset, so the port is not left in TIME_WAIT for the server about to take it.
      socket.removeAllListeners();
      socket.resetAndDestroy();
      resolve(false);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Whether a connected socket is connected to itself: with nobody listening on a port inside the
 * system's ephemeral range (the default port blocks are), the kernel may give a connect to it that
 * very port as its source, and the connect succeeds with no server at all.
 */
export function connectedToItself(socket: Socket): boolean {
  return socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress;
}

/** Why waiting for a port ended. */
export type PortWait =
  | { state: 'open' }
  | { state: 'timeout' }
  | { state: 'exited'; exit: ProcessExit }
  | { state: 'aborted' };

/**
 * Polls a TCP connect to `host:port` until it succeeds, the deadline passes, `exited` settles
 * (the server died: no point waiting) or `signal` aborts.
 */
export async function waitForPort(opts: {
  host: string;
  port: number;
  timeoutMs: number;
  exited?: Promise<ProcessExit>;
  signal?: AbortSignal;
  intervalMs?: number;
}): Promise<PortWait> {
  let exit: ProcessExit | undefined;
  void opts.exited?.then((e) => {
    exit = e;
  });
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) return { state: 'aborted' };
    if (exit) return { state: 'exited', exit };
    const left = deadline - performance.now();
    if (left <= 0) return { state: 'timeout' };
    if (await canConnect(opts.host, opts.port, Math.min(500, left))) return { state: 'open' };
    await new Promise((r) =>
      setTimeout(r, Math.min(opts.intervalMs ?? 50, Math.max(0, deadline - performance.now()))),
    );
  }
}

/** A feature's server, started for one check. */
export interface RunningServer {
  pgid: number | undefined;
  exited: Promise<ProcessExit>;
  /** Its output so far (stdout and stderr interleaved). */
  output(): string;
  /** Stops the whole process group and waits until it is gone. */
  stop(): Promise<void>;
}

/** How to start a feature's server for one check. */
export interface StartServerOptions {
  serve: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  outputFile: string;
  /** The state folder holding `outputFile`: nothing below it is followed when it is a symbolic link. */
  stateDir: string;
  /** Told when the output file could not be written (a link planted on its way): the server starts all the same. */
  onWarning: (message: string) => void;
}

/**
 * Starts `serve` through the shell in its own process group, its output going to `outputFile` (or,
 * when Baton would not write that file, kept in memory). The file is closed once the server is stopped;
 * its output stays readable after.
 */
export function startServer(opts: StartServerOptions): RunningServer {
  const out = openOutputFile(opts.stateDir, opts.outputFile, opts.onWarning);
  const mark = randomUUID();
  const fromMs = procNowMs();
  let child: ReturnType<typeof spawnSupervised>;
  try {
    child = spawnSupervised(opts.serve, {
      cwd: opts.cwd,
      env: { ...opts.env, [CHECK_MARK]: mark },
      shell: true,
      ...('fd' in out ? { logFd: out.fd } : {}),
      killGraceMs: 2000,
    });
  } catch (err) {
    closeOutputFile(out);
    throw err;
  }
  let spawnError = '';
  let captured = '';
  const exited = child.exited.then((e) => {
    spawnError = e.stderr;
    captured = e.stdout + e.stderr;
    return e;
  });
  // Read once the file is closed, so `output()` still answers after `stop()`.
  let final: string | undefined;
  return {
    pgid: child.pgid,
    exited,
    output: () => final ?? outputOf(out, captured, spawnError),
    async stop() {
      if (final !== undefined) return;
      await child.stop('stop');
      await exited;
      // A server that daemonized (left its process group) is stopped too: nothing a check starts outlives it.
      await stopLeftByCheck(mark, fromMs);
      if (final !== undefined) return;
      capOutputFile(out);
      final = outputOf(out, captured, spawnError);
      closeOutputFile(out);
    },
  };
}

import { randomUUID } from 'node:crypto';
import { CHECK_MARK } from '../guard/daemons.js';
import { procNowMs } from '../guard/proc.js';
import { blockPorts } from '../ports.js';
import { spawnSupervised } from '../process/supervise.js';
import type { CommandResult } from './judge.js';
import { settleLeftRunning } from './left-running.js';
import { capOutputFile, closeOutputFile, type OutputFile, openOutputFile, outputOf } from './output-file.js';

/** How to run a `run` check's command. */
export interface RunCommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** stdout and stderr go here, interleaved, so the tail is what the user would have seen. */
  outputFile: string;
  /** The state folder holding `outputFile`: nothing below it is followed when it is a symbolic link. */
  stateDir: string;
  /** Told when the output file could not be written (a link planted on its way): the check runs all the same. */
  onWarning: (message: string) => void;
  signal?: AbortSignal;
}

/** The feature's block of ports, from the environment its checks get (`BATON_PORT_BASE`, else `PORT`). */
function portBlockOf(env: NodeJS.ProcessEnv): number[] {
  const base = Number(env.BATON_PORT_BASE ?? env.PORT);
  return Number.isInteger(base) && base > 0 ? blockPorts(base) : [];
}

/**
 * Runs a shell command in its own process group, stopping the whole group at the timeout or when
 * `signal` aborts; whatever it left running outside the group (`leftRunning`) is stopped when the
 * command ends. Resolves to what it did, never rejects.
 */
export async function runCommand(opts: RunCommandOptions): Promise<CommandResult & { interrupted: boolean }> {
  // A file that cannot be written safely leaves the output in memory: the verdict is never lost.
  const out = openOutputFile(opts.stateDir, opts.outputFile, opts.onWarning);
  try {
    return await runWithOutput(opts, out);
  } finally {
    closeOutputFile(out);
  }
}

/** `runCommand` once its output file is open (or refused, its output then piped). */
async function runWithOutput(
  opts: RunCommandOptions,
  out: OutputFile,
): Promise<CommandResult & { interrupted: boolean }> {
  const mark = randomUUID();
  const fromMs = procNowMs();
  // One stream for both, so the output reads in the order it was written.
  const child = spawnSupervised(`exec 2>&1\n${opts.command}`, {
    cwd: opts.cwd,
    env: { ...opts.env, [CHECK_MARK]: mark },
    shell: true,
    ...('fd' in out ? { logFd: out.fd } : {}),
    timeoutMs: opts.timeoutMs,
    killGraceMs: 2000,
  });
  const onAbort = () => void child.stop('interrupt');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await child.exited;
    // What it left outside its group runs on until this command ends (another feature's check may be
    // using a shared daemon it started), unless one holds a port of the feature's block: the next
    // check (or feature) would meet it there.
    const { running: left, heldPort } = await settleLeftRunning(mark, fromMs, portBlockOf(opts.env), true);
    capOutputFile(out);
    return {
      ...(left.length > 0 ? { leftRunning: left, ...(heldPort !== undefined ? { heldPort } : {}) } : {}),
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut: exit.timedOut,
      durationMs: exit.durationMs,
      output: outputOf(out, exit.stdout, exit.stderr),
      interrupted: exit.stoppedBy === 'interrupt',
    };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

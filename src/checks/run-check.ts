import { randomUUID } from 'node:crypto';
import { CHECK_MARK, stopLeftByCheck } from '../guard/daemons.js';
import { procNowMs } from '../guard/proc.js';
import { spawnSupervised } from '../process/supervise.js';
import type { CommandResult } from './judge.js';
import { capOutputFile, outputOf, resetOutputFile } from './output-file.js';

/** How to run a `run` check's command. */
export interface RunCommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** stdout and stderr go here, interleaved, so the tail is what the user would have seen. */
  outputFile: string;
  signal?: AbortSignal;
}

/**
 * Runs a shell command in its own process group, stopping the whole group at the timeout or when
 * `signal` aborts, and then whatever it left running outside the group (`leftRunning`); resolves to
 * what it did, never rejects.
 */
export async function runCommand(opts: RunCommandOptions): Promise<CommandResult & { interrupted: boolean }> {
  resetOutputFile(opts.outputFile);
  const mark = randomUUID();
  const fromMs = procNowMs();
  // One stream for both, so the output reads in the order it was written.
  const child = spawnSupervised(`exec 2>&1\n${opts.command}`, {
    cwd: opts.cwd,
    env: { ...opts.env, [CHECK_MARK]: mark },
    shell: true,
    logFile: opts.outputFile,
    timeoutMs: opts.timeoutMs,
    killGraceMs: 2000,
  });
  const onAbort = () => void child.stop('interrupt');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await child.exited;
    const left = await stopLeftByCheck(mark, fromMs);
    capOutputFile(opts.outputFile);
    return {
      ...(left.length > 0 ? { leftRunning: left } : {}),
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut: exit.timedOut,
      durationMs: exit.durationMs,
      output: outputOf(opts.outputFile, exit.stderr),
      interrupted: exit.stoppedBy === 'interrupt',
    };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';

/** Absolute path of the built CLI, for tests that need a real `baton` process. */
export const BATON_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'baton.js');

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function runBaton(
  args: string[],
  opts: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    clock?: () => Date;
    stdin?: string;
    interrupt?: (fire: () => void) => void;
    /** Sees stdout as it is written (for commands that keep running, like `status --watch`). */
    onStdout?: (text: string) => void;
    /** Sees stderr as it is written. */
    onStderr?: (text: string) => void;
  },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdout: {
      write: (s) => {
        stdout += s;
        opts.onStdout?.(stdout);
      },
      isTTY: false,
    },
    stderr: {
      write: (s) => {
        stderr += s;
        opts.onStderr?.(stderr);
      },
      isTTY: false,
    },
    clock: opts.clock ?? (() => new Date()),
    color: false,
    batonBin: BATON_BIN,
    readStdin: () => opts.stdin,
    onInterrupt(handler) {
      // Unsubscribed, the handler no longer fires: a later interrupt of the test's (a cleanup's) must
      // not reach a command that stopped listening, as a second Ctrl-C would (which kills every
      // process group still in its grace period, in this whole process).
      let listening = true;
      opts.interrupt?.(() => {
        if (listening) handler();
      });
      return () => {
        listening = false;
      };
    },
  };
  const code = await runCli(args, ctx);
  return { code, stdout, stderr };
}

/** Runs the built `bin/baton.js` as a real child process. */
export function runBatonProcess(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string },
): CliResult {
  const r = spawnSync(process.execPath, [BATON_BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    input: opts.input ?? '',
  });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the built `bin/baton.js` under a file-size limit (`ulimit -f`, in KiB): a write that would grow a
 * file past it writes what fits, then fails with EFBIG (Node ignores SIGXFSZ), as a write does on a full
 * disk. stdout and stderr are pipes, which the limit does not touch.
 */
export function runBatonWithFileLimit(args: string[], opts: { cwd: string; kib: number }): CliResult {
  const r = spawnSync(
    'bash',
    ['-c', 'ulimit -f "$0" && exec "$@"', String(opts.kib), process.execPath, BATON_BIN, ...args],
    { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', input: '' },
  );
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Path helper for fixtures shipped under test/fixtures. */
export const fixture = (...parts: string[]) => join(import.meta.dirname, '..', 'fixtures', ...parts);

/**
 * Runs `command` as a shell runs it when pasted (a command Baton printed for the user), `baton` being
 * the built CLI on the PATH; `cwd` is where the user pastes it.
 */
export function runAsPrinted(cwd: string, command: string): CliResult {
  const bin = join(cwd, '..', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'baton'), `#!/bin/sh\nexec '${process.execPath}' '${BATON_BIN}' "$@"\n`, {
    mode: 0o755,
  });
  const out = spawnSync('sh', ['-c', command], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH}` },
  });
  return { code: out.status ?? 1, stdout: out.stdout, stderr: out.stderr };
}

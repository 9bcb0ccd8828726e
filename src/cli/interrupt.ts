import { setMaxListeners } from 'node:events';
import { killGroupsInGrace } from '../process/supervise.js';
import type { CliContext } from './context.js';

/**
 * Resolves at the first Ctrl-C (or SIGTERM, SIGHUP) with the signal's name, and stops listening:
 * for commands that serve until the user stops them (dashboard, worker, `status --watch`).
 */
export function untilInterrupted(ctx: Pick<CliContext, 'onInterrupt'>): Promise<string | undefined> {
  return new Promise((resolve) => {
    const unsubscribe = ctx.onInterrupt((signal) => {
      unsubscribe();
      resolve(signal);
    });
  });
}

/** An abort that Ctrl-C (or SIGTERM, SIGHUP) triggers; `release` stops listening. */
export interface InterruptAbort {
  signal: AbortSignal;
  release(): void;
}

/**
 * An abort for commands that stop their work on Ctrl-C and then report (run, verify, a queued run),
 * which for as long also carry on when their output is closed (`keepRunningWithoutOutput`):
 * the signal's name is the abort's reason, so what was stopped can say why; `notice` is printed once,
 * at the first signal, through `around` when given (a live table that must be taken off the screen
 * first and redrawn under it, or its next redraw erases the wrong lines). A second signal does not
 * wait out the grace period any more: every process group still given one is killed at once.
 */
export function abortOnInterrupt(
  ctx: Pick<CliContext, 'onInterrupt' | 'stderr' | 'keepRunningWithoutOutput'>,
  notice?: string,
  around: (write: () => void) => void = (write) => write(),
): InterruptAbort {
  const abort = new AbortController();
  // Every check, agent and git command of a run listens to it: `-j 12` passes Node's default of 10.
  setMaxListeners(0, abort.signal);
  const keepRunning = ctx.keepRunningWithoutOutput?.();
  const unsubscribe = ctx.onInterrupt((signal) => {
    if (abort.signal.aborted) {
      const killed = killGroupsInGrace();
      around(() => ctx.stderr.write(`\nbaton: ${againNotice(killed)}\n`));
      return;
    }
    if (notice) around(() => ctx.stderr.write(`\nbaton: ${notice}\n`));
    abort.abort(signal ?? 'SIGINT');
  });
  const release = () => {
    unsubscribe();
    keepRunning?.();
  };
  return { signal: abort.signal, release };
}

/** What a second Ctrl-C does, in words. */
function againNotice(killed: number): string {
  if (killed === 0) return 'already stopping: recording what was stopped and keeping its work…';
  return `stopping now: killed ${killed} process group${killed === 1 ? '' : 's'} that had not ended on SIGTERM (SIGKILL)…`;
}

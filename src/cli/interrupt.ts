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
 * An abort for commands that stop their work on Ctrl-C and then report (run, verify, a queued run):
 * the signal's name is the abort's reason, so what was stopped can say why; `notice` is printed once,
 * at the first signal.
 */
export function abortOnInterrupt(
  ctx: Pick<CliContext, 'onInterrupt' | 'stderr'>,
  notice?: string,
): InterruptAbort {
  const abort = new AbortController();
  const release = ctx.onInterrupt((signal) => {
    if (abort.signal.aborted) return;
    if (notice) ctx.stderr.write(`\nbaton: ${notice}\n`);
    abort.abort(signal ?? 'SIGINT');
  });
  return { signal: abort.signal, release };
}

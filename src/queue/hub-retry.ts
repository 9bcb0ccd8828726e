/**
 * A hub that does not answer for a while (a restart, a network blip) is infrastructure, not the
 * feature's fault: what Baton fetches from it or pushes to it is tried again for a bounded time before
 * the failure counts. The worker waits it out in place (its agent's commit stays where it is); the
 * orchestrator tries again at its later readings of job state.
 */

import { UserError } from '../errors.js';
import { pause } from '../process/pause.js';
import { errorLine } from '../text/error-message.js';
import { escapeControl } from '../text/escape.js';
import { envMs } from './env-ms.js';

/** How long a hub's errors are tried through before they count, by default (ms); `BATON_HUB_RETRY_MS` sets it. */
export const HUB_RETRY_MS = 60_000;

/** The longest wait between two tries (ms). */
const MAX_DELAY_MS = 8000;

/** The hub retry window a command's environment asks for (`BATON_HUB_RETRY_MS`), else `HUB_RETRY_MS`. */
export function hubRetryMsOf(env: NodeJS.ProcessEnv): number {
  return envMs(env, 'BATON_HUB_RETRY_MS', HUB_RETRY_MS, 'allowed');
}

/** The window in words: `60 s`. */
export function describeWindow(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** An answer from the hub that asking again will not change (it has no such ref): never tried again. */
export class HubAnswered extends UserError {}

/** What `retryHub` needs besides the work. */
export interface HubRetry {
  /** How long after the first failure it keeps trying (ms). */
  windowMs: number;
  /** The work in words, for the lines it says: `push of refs/baton/attempts/…`. */
  what: string;
  say: (line: string) => void;
  /** Stops the waiting (the job's lock was lost): the last error is thrown at once. */
  signal?: AbortSignal;
}

/**
 * Runs `work` (one git fetch or push against the hub) until it succeeds, trying again after 0.5 s,
 * 1 s, 2 s… (at most 8 s apart) for up to `windowMs` after its first failure; then throws that
 * failure; a `HubAnswered` at once. Says once that it is waiting, and once that the hub answered again.
 */
export async function retryHub<T>(work: () => Promise<T>, opts: HubRetry): Promise<T> {
  let firstFailure: number | undefined;
  for (let n = 0; ; n++) {
    try {
      const value = await work();
      if (firstFailure !== undefined) opts.say(`${escapeControl(opts.what)}: the hub answers again`);
      return value;
    } catch (err) {
      const now = Date.now();
      firstFailure ??= now;
      const left = firstFailure + opts.windowMs - now;
      if (left <= 0 || opts.signal?.aborted || err instanceof HubAnswered) throw err;
      if (n === 0) {
        // The ref in `what` and git's words in `why` may hold what a job from Redis carried: escaped.
        const [what, why] = [escapeControl(opts.what), escapeControl(errorLine(err))];
        opts.say(`${what} failed (${why}); trying again for up to ${describeWindow(opts.windowMs)}`);
      }
      await pause(Math.min(500 * 2 ** n, MAX_DELAY_MS, left), opts.signal);
    }
  }
}

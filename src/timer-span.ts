/**
 * The one rule for a time Baton waits for with a timer (an agent's or a check's time limit, a server's
 * start, a delay between scans or retries): Node's timers take a 32-bit signed count of milliseconds, and
 * a longer wait fires at once (an agent "timed out" after 0 s). Such values are refused where they are
 * read, naming the field; a delay computed from them is held to the same bound.
 */
import { z } from './zod.js';

/** The longest wait a timer can take, in ms (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms`, held to what a timer can wait. */
export function timerMs(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}

/** The most whole units of `unitMs` a timer can wait (2147483 seconds): the bound the refusals name. */
export function maxTimerUnits(unitMs: number): number {
  return Math.floor(MAX_TIMER_MS / unitMs);
}

/** Whether a wait of `amount` units of `unitMs` is longer than a timer can take (it would fire at once). */
export function overflowsTimer(amount: number, unitMs: number): boolean {
  return amount * unitMs > MAX_TIMER_MS;
}

/**
 * A schema for a time in units of `unitMs` that a timer waits for: positive (or, `orZero`, ≥ 0) and at
 * most what a timer can take, in `unit`s.
 */
export function timerSpan(unitMs: number, unit: string, orZero = false) {
  const max = maxTimerUnits(unitMs);
  return z
    .number()
    .check(
      orZero ? z.nonnegative() : z.positive(),
      z.lte(max, `must be at most ${max} ${unit} (about 24 days): a longer wait overflows Node's timers`),
    );
}

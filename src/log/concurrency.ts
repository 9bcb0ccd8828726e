/**
 * Whether `n` can be a run's concurrency, how many agents it ran at once: a whole number of at least
 * 1 (pure; `--jobs`, the config's, and the one a resume or a report reads back from the log, where a
 * forged 0, 1.5 or -2 is no concurrency at all). Kept free of zod: the fold reads it.
 */
export function isConcurrency(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

import { UserError } from '../errors.js';
import { isConcurrency } from '../log/concurrency.js';

/** `--jobs <n>` read (a whole number ≥ 1), `fallback` when absent, or a usage error (exit 2) `<command>/bad-jobs`. */
export function readJobsFlag<T extends number | undefined>(
  command: string,
  raw: string | undefined,
  fallback: T,
): number | T {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!isConcurrency(n)) {
    throw new UserError(`${command}/bad-jobs`, `--jobs must be a whole number of at least 1, got "${raw}"`, {
      exitCode: 2,
    });
  }
  return n;
}

/**
 * Whether `n` can be a run's concurrency, how many agents it ran at once: a whole number of at least
 * 1 (pure; `--jobs`, the config's, and the one a resume or a report reads back from the log, where a
 * forged 0, 1.5 or -2 is no concurrency at all). Kept free of zod: the fold reads it.
 */
export function isConcurrency(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

/** What `chosenConcurrency` reads of a `run.started`. */
export interface RecordedConcurrency {
  concurrency: number;
  concurrency_chosen?: boolean | undefined;
  feature_ids: readonly string[];
  attempts?: Readonly<Record<string, number>> | undefined;
}

/**
 * The concurrency a `run.started` records as chosen (`-j`, the config's, or one a resume carried over
 * from a run where it was), or undefined when it was only the run's unit count, `-j` unset (pure): what
 * a resume of the run carries over. A line from before 2026-12-07 has no `concurrency_chosen`; its figure
 * is read as chosen when it differs from the run's unit count (each listed feature, a best-of-N one
 * counting its attempts), and as unset when equal, a run that started every unit at once.
 */
export function chosenConcurrency(ev: RecordedConcurrency): number | undefined {
  if (!isConcurrency(ev.concurrency)) return undefined;
  if (ev.concurrency_chosen !== undefined) return ev.concurrency_chosen ? ev.concurrency : undefined;
  const attempts = ev.attempts;
  const units = ev.feature_ids.reduce(
    (n, id) => n + (attempts && Object.hasOwn(attempts, id) ? (attempts[id] ?? 1) : 1),
    0,
  );
  return ev.concurrency === units ? undefined : ev.concurrency;
}

/**
 * A one-at-a-time lock inside one process: each call runs after the previous one has settled, and a
 * failure is handed to its own caller without blocking the next (git work on a shared repository's
 * admin files: worktrees, refs, a cached clone).
 */
export function createMutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

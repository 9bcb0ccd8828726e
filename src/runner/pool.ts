/**
 * Runs `work` for each item with at most `concurrency` in flight, started in order; stops taking new
 * items once `signal` is aborted. Resolves when every started item has settled: one item's failure
 * never leaves the others running detached (each is awaited), and the first failure is rethrown
 * only after all have settled.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const failures: unknown[] = [];
  const worker = async () => {
    for (;;) {
      const item = queue.shift();
      if (item === undefined || signal.aborted) return;
      try {
        await work(item);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
  if (failures.length > 0) throw failures[0];
}

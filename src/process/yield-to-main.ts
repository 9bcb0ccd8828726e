/**
 * Background threads that must not slow the thread they work for. `status`'s first read of a large log
 * folds it on the main thread while a worker loads the contracts and another hashes the log for the next
 * read's check: three busy threads on a 2-core machine, and the main thread, the one the user waits for,
 * got about two thirds of a core while the other two ran. A worker that calls this runs at the lowest
 * priority (nice 19), so it takes a core the main thread leaves idle and never one it needs; the workers'
 * results are needed only once the fold is over, and waiting for them then frees the core they lacked.
 *
 * Linux only: there `setpriority(PRIO_PROCESS, 0)` changes the calling thread alone (each thread is a
 * task of its own); elsewhere it changes the whole process, main thread included, so nothing is done.
 */
import { setPriority } from 'node:os';

/** The lowest scheduling priority a process can give itself without privileges. */
const LOWEST = 19;

/** Lowers the calling worker thread's priority (see the top of this file); never throws. */
export function yieldToMainThread(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, LOWEST);
  } catch {
    // A system that refuses only leaves the thread at its priority.
  }
}

/** `yieldToMainThread` for a worker whose code is a string (`new Worker(code, { eval: true })`). */
export const YIELD_TO_MAIN_THREAD_CODE = `if (process.platform === 'linux') { try { require('node:os').setPriority(0, ${LOWEST}); } catch {} }`;

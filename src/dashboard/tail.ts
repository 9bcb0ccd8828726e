import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Options for watching the log. */
export interface WatchLogOptions {
  /** Period of the stat fallback, for file systems where change notifications are lost or absent. */
  intervalMs?: number;
}

/**
 * Calls `onNews` soon after the log may have changed: on a change notification for the log's folder
 * (the folder, not the file, so a log created or replaced later is still seen) and on a low-frequency
 * timer as a fallback. Bursts of notifications are coalesced into one call. Returns a stop function.
 */
export function watchLog(logPath: string, onNews: () => void, options: WatchLogOptions = {}): () => void {
  const dir = dirname(logPath);
  const name = basename(logPath);
  let watcher: FSWatcher | undefined;
  let scheduled = false;
  let stopped = false;

  const schedule = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!stopped) onNews();
    });
  };

  const attach = () => {
    if (watcher || stopped) return;
    try {
      watcher = watch(dir, { persistent: false }, (_type, file) => {
        if (file === null || file === name) schedule();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      // The folder does not exist yet (no run so far): the timer tries again.
      watcher = undefined;
    }
  };

  attach();
  const timer = setInterval(() => {
    attach();
    schedule();
  }, options.intervalMs ?? 250);
  timer.unref();

  return () => {
    stopped = true;
    clearInterval(timer);
    watcher?.close();
    watcher = undefined;
  };
}

/**
 * The run a command that acts on the current run (`baton stop`) goes by: the one the run lock proves
 * live (its holder names its run id, written just before its `run.started`), not whatever
 * `run.started` was appended last — any process can append one, and a forged one would hide the live
 * run's agents. With no live run, the log's last `run.started`.
 */
import { findLastRunStart, type LastRunStart } from '../log/last-run.js';
import { liveLockHolder } from './baton-lock.js';

/** The live run's own (latest) `run.started`, else the log's last one; undefined when the log has none. */
export function currentRunStart(root: string, logPath: string): LastRunStart | undefined {
  const last = findLastRunStart(logPath);
  const live = liveLockHolder(root, 'run')?.run_id;
  if (live === undefined || last === undefined || last.run_id === live) return last;
  for (let at = last.offset; ; ) {
    const earlier = findLastRunStart(logPath, at);
    if (earlier === undefined) return last;
    if (earlier.run_id === live) return earlier;
    at = earlier.offset;
  }
}

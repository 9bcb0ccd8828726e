/** What a `baton run --queue … --resume` takes up from the log: the run, its base, its features that ended. */
import { UserError } from '../errors.js';
import type { BatonEvent, FeatureEnded, RunStarted } from '../log/events.js';
import { readLog } from '../log/read.js';

/**
 * The run this `--resume` re-attaches to: the log's last run that put jobs on a queue, and its features
 * that ended. A feature that ended because Redis lost its job (its last `queue.job` says `lost`) has
 * not: the resume enqueues it again.
 */
export function previousQueuedRun(logPath: string): {
  runId: string;
  baseCommit: string;
  ended: Map<string, FeatureEnded['status']>;
} {
  const events = readLog(logPath, undefined, { final: true }).events as BatonEvent[];
  const last = [...events].reverse().find((e): e is RunStarted => e.type === 'run.started');
  if (!last || !events.some((e) => e.type === 'queue.job' && e.run_id === last.run_id)) {
    throw new UserError('queue/nothing-to-resume', 'the log has no queued run to resume', {
      hint: 'Start one with `baton run --queue redis://… --hub <git url>`.',
    });
  }
  const ended = new Map<string, FeatureEnded['status']>();
  const lost = new Set<string>();
  for (const e of events) {
    if (e.run_id !== last.run_id) continue;
    if (e.type === 'feature.ended') ended.set(e.feature_id, e.status);
    if (e.type === 'queue.job') {
      if (e.lost) lost.add(e.feature_id);
      else lost.delete(e.feature_id);
    }
  }
  for (const id of lost) ended.delete(id);
  return { runId: last.run_id, baseCommit: last.base_commit, ended };
}

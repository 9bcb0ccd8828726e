/**
 * A queued run's state in Redis once nothing needs it: each job keeps its result for promotion and a
 * resume, and the run's event stream its workers' lines, until the run has ended and been reconciled.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { errorLine } from '../text/error-message.js';
import { eventStreamKey } from './names.js';
import type { Tracked } from './reconcile.js';

/**
 * Removes from Redis the jobs of the run's features that ended, except one whose completed attempt the
 * hub never gave (`unpromoted`: a resume promotes it from the job's result), then the run's event
 * stream once no job of the run is kept, nor any feature of the run left to another resume
 * (`others`: its worker's lines wait there). A run detached with Ctrl-C keeps everything (its jobs go on).
 * A failure leaves the rest as it is and is said in one line: the run's outcome does not depend on it.
 */
export async function forgetEndedRun(run: {
  redis: Redis;
  runId: string;
  tracked: ReadonlyMap<string, Tracked>;
  others: ReadonlySet<string>;
  queues: ReadonlyMap<string, Queue>;
  say: (line: string) => void;
}): Promise<void> {
  const ended = [...run.tracked.values()].filter((t) => t.ended && !t.unpromoted);
  try {
    for (const t of ended) await run.queues.get(t.agent)?.remove(t.jobId);
    if (ended.length === run.tracked.size && run.others.size === 0)
      await run.redis.del(eventStreamKey(run.runId));
  } catch (err) {
    const why = errorLine(err);
    run.say(`could not remove run ${run.runId}'s jobs from the queue (${why}); they stay there`);
  }
}

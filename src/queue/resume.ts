/** What a `baton run --queue … --resume` takes up from the log: the run, its base, its features that ended. */
import { UserError } from '../errors.js';
import type { Plan } from '../graph/types.js';
import { resumeCommand } from '../guard/liveness.js';
import type { BatonEvent, FeatureEnded, RunStarted } from '../log/events.js';
import { readLog } from '../log/read.js';
import type { RunQueue } from '../log/state.js';
import { isPhaseOpen } from '../metrics/intervals.js';
import { selectFeatures } from '../project.js';
import { escapeControl } from '../text/escape.js';
import { redactUrl } from './names.js';

/**
 * The run this `--resume` re-attaches to: the log's last run that put jobs on a queue, its features,
 * and those that ended. A feature that ended because Redis lost its job (its last `queue.job` says `lost`) has
 * not: the resume enqueues it again; nor has one whose completed attempt the hub never gave (`unpromoted`):
 * the resume tries its promotion again.
 */
export function previousQueuedRun(
  logPath: string,
  given?: RunQueue,
): {
  runId: string;
  baseCommit: string;
  /** The run's features: those its starts listed (its first start lists them all; a resume, those it followed). */
  featureIds: string[];
  ended: Map<string, FeatureEnded['status']>;
  /** Whether the run's implementation phase is still open (its orchestrator died): the resume goes on in it. */
  implementationOpen: boolean;
} {
  const events = readLog(logPath, undefined, { final: true }).events as BatonEvent[];
  const last = [...events].reverse().find((e): e is RunStarted => e.type === 'run.started');
  if (!last || !events.some((e) => e.type === 'queue.job' && e.run_id === last.run_id)) {
    throw new UserError('queue/nothing-to-resume', 'the log has no queued run to resume', {
      hint: 'Start one with `baton run --queue redis://… --hub <git url>`.',
    });
  }
  if (given) assertSameQueue(last, given);
  const ended = new Map<string, FeatureEnded['status']>();
  const again = new Set<string>();
  const featureIds = new Set<string>();
  for (const e of events) {
    if (e.run_id !== last.run_id) continue;
    if (e.type === 'run.started') for (const id of e.feature_ids) featureIds.add(id);
    if (e.type === 'feature.ended') ended.set(e.feature_id, e.status);
    if (e.type === 'queue.job') {
      if (e.lost || e.unpromoted) again.add(e.feature_id);
      else again.delete(e.feature_id);
    }
  }
  for (const id of again) ended.delete(id);
  const own = events.filter((e) => e.run_id === last.run_id);
  return {
    runId: last.run_id,
    baseCommit: last.base_commit,
    featureIds: [...featureIds],
    ended,
    implementationOpen: isPhaseOpen(own, 'implementation'),
  };
}

/**
 * Refuses a resume given another queue or hub than its run's (`run.started` records both: the URL
 * redacted, the hub as `absoluteHub` spelled it): its jobs are not on that queue, so it would enqueue
 * them again where no worker of the run's hub takes them, and drop the real attempts' events.
 */
function assertSameQueue(run: RunStarted, given: RunQueue): void {
  const recorded = run.queue;
  if (!recorded) return;
  const url = redactUrl(given.url);
  const other = [
    ...(url !== recorded.url ? [`the queue ${url}`] : []),
    ...(given.hub !== recorded.hub ? [`the hub ${given.hub}`] : []),
  ];
  if (other.length === 0) return;
  throw new UserError(
    'queue/resume-elsewhere',
    escapeControl(
      `run ${run.run_id} put its jobs on the queue ${recorded.url} with the hub ${recorded.hub}; this resume was given ${other.join(' and ')}`,
    ),
    { hint: `Re-attach with ${resumeCommand(recorded)}.` },
  );
}

/**
 * The features a `baton run --queue … --resume` re-attaches to: those named, else the run's own
 * (`previousQueuedRun`), never the rest of the plan: a resume enqueues nothing the run did not. The
 * run's ids go through `selectFeatures`, so one whose contract is gone is named as a local run names it.
 */
export function queuedResumeFeatures(logPath: string, plan: Plan, ids: readonly string[]): string[] {
  return selectFeatures(plan, ids.length > 0 ? ids : previousQueuedRun(logPath).featureIds);
}

/**
 * The features a start of the run lists: all of them, and on a resume only those that have not ended.
 * The fold starts a resume's listed features that are not complete over as `pending`, which is right
 * for a local resume (it runs them again) but not here: a queued resume re-attaches to jobs, runs
 * nothing again, and writes no second `feature.ended` for a feature that failed before it.
 */
export function followedFeatures(
  featureIds: readonly string[],
  ended: ReadonlyMap<string, FeatureEnded['status']> | undefined,
): string[] {
  return featureIds.filter((id) => !ended?.has(id));
}

/**
 * The run's features that a resume naming only some of them leaves to another (`featureIds`, those it
 * follows) and that have not ended: their jobs still run, so their lines stay in the run's event stream
 * (unread here) and the stream stays in Redis when this resume ends. None for a fresh run: it follows all.
 */
export function unfollowedFeatures(
  run: { featureIds: readonly string[]; ended: ReadonlyMap<string, unknown> } | undefined,
  featureIds: readonly string[],
): Set<string> {
  const followed = new Set(featureIds);
  return new Set(run?.featureIds.filter((id) => !followed.has(id) && !run.ended.has(id)) ?? []);
}

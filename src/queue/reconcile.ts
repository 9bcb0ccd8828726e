import type { Job, Queue } from 'bullmq';
import { plannedCriteria } from '../checks/criteria.js';
import type { Contract } from '../contracts/schema.js';
import { git, gitRaw } from '../git/git.js';
import { attemptRef, featureBranch } from '../git/refs.js';
import { parseRawDiff } from '../git/sequence.js';
import { checkFailuresReason, criteriaWithoutResult, noResultReason } from '../log/check-reason.js';
import type { FeatureEnded, NewEvent, QueueJob } from '../log/events.js';
import { featureAt } from '../log/fold.js';
import { foldForFeatures } from '../log/fold-from-end.js';
import { logPathFor } from '../log/paths.js';
import { findUnmergeable, unmergeableReason } from '../runner/unmergeable.js';
import { errorMessage } from '../text/error-message.js';
import { compareAndSwapBranch, fetchRef, type HubRemote } from './hub.js';
import { describeWindow } from './hub-retry.js';
import { type JobClaim, parseJobResult } from './job.js';
import { jobInstanceOf } from './names.js';
import { checkOwnsHere, type OwnsHere } from './owns-here.js';

/** What the orchestrator knows of one feature's job between two readings of its state. */
export interface Tracked {
  featureId: string;
  jobId: string;
  agent: string;
  agentLabel: string;
  /** Whether its `feature.ended` is in the log (this run, or before a resume). */
  ended: boolean;
  /** The tag of the job's enqueue on the queue now (`jobInstanceOf`): only its attempts speak for the feature. */
  enqueue?: string | undefined;
  state?: QueueJob['state'] | undefined;
  attempt?: number | undefined;
  /** The latest attempt known to have started (its claim, or an event of its own): the job's current one. */
  latestAttempt?: number | undefined;
  /** How many attempts the queue has started of the job as enqueued now, at the last reading. */
  attemptsStarted?: number | undefined;
  host?: string | undefined;
  status?: FeatureEnded['status'] | undefined;
  reason?: string | undefined;
  /** When the fetch of its completed attempt first failed (ms): tried again until `hubRetryMs` later. */
  unfetchedSince?: number | undefined;
  /** It ended because the hub never gave its completed attempt: its job is kept for a resume to promote. */
  unpromoted?: true | undefined;
}

/** What reconciling needs from the run. */
export interface ReconcileContext {
  queue: Queue;
  root: string;
  /** The hub, its fetches stopped by Ctrl-C: a run that detaches does not wait for one. */
  hub: HubRemote;
  baseCommit: string;
  emit: (event: NewEvent) => void;
  /** Appends every worker event already in the stream, before the feature's end is written. */
  drain: () => Promise<unknown>;
  /** The command that re-attaches to the run (and enqueues again a job Redis lost), as a user types it. */
  resume: string;
  /** How long a hub that does not answer at promotion is tried again, over later readings (ms). */
  hubRetryMs: number;
  /** Lines for the person at the terminal (a hub outage waited out). */
  say: (line: string) => void;
  /** Each feature's contract: what the orchestrator checks itself on a promoted commit (`checkOwnsHere`). */
  contractOf: (featureId: string) => Contract | undefined;
}

/** The enqueue tag in a job's data (`JobData.enqueue`); undefined for a job some other program put there. */
export function enqueueOf(job: Job): string | undefined {
  const tag = (job.data as { enqueue?: unknown } | undefined)?.enqueue;
  return typeof tag === 'string' ? tag : undefined;
}

/** Maps BullMQ's job states onto the few the log records. */
function queueState(state: string, previous: QueueJob['state'] | undefined): QueueJob['state'] {
  if (state === 'completed' || state === 'failed' || state === 'active') return state;
  // Back to waiting after being active without finishing: its worker stopped renewing the lock.
  return previous === 'active' || previous === 'stalled' ? 'stalled' : 'waiting';
}

/**
 * What promoting an attempt gave: the attempt ref `baton/<id>` now names and the ownership checked here
 * on its commit, or why it was not promoted; `unfetched` names the ref when the hub did not give it (an
 * outage, worth trying again).
 */
type Promotion =
  | { ok: true; ref: string; owns?: OwnsHere }
  | { ok: false; reason: string; unfetched?: string };

/**
 * Promotes a completed attempt: fetches its ref from the hub and creates `baton/<id>` at it with a
 * compare-and-swap. Only the attempt BullMQ recorded as the job's return value is considered, and
 * its ref name is rebuilt from the job id and attempt rather than taken from the worker. Whatever
 * status the worker reports, its work reaches the branch as a local run's would (failed agents and
 * checks included), except what no branch may carry, checked here on the commit itself.
 */
async function promote(
  t: Tracked,
  ctx: ReconcileContext,
  result: { attempt: number; commit: string },
): Promise<Promotion> {
  if (t.enqueue === undefined)
    return { ok: false, reason: `job ${t.jobId} carries no enqueue tag Baton put there` };
  const ref = attemptRef(t.featureId, jobInstanceOf(t.jobId, t.enqueue), result.attempt);
  let commit: string;
  try {
    commit = await fetchRef(ctx.root, ctx.hub, ref);
  } catch (err) {
    return { ok: false, reason: errorMessage(err), unfetched: ref };
  }
  if (commit !== result.commit) {
    return {
      ok: false,
      reason: `${ref} names ${commit.slice(0, 12)}, not the reported ${result.commit.slice(0, 12)}`,
    };
  }
  const isAncestor = await gitRaw(ctx.root, ['merge-base', '--is-ancestor', ctx.baseCommit, commit]);
  if (isAncestor.exitCode !== 0)
    return { ok: false, reason: `${ref} does not build on the run's base commit` };
  const refused = await unmergeableSince(ctx.root, ctx.baseCommit, commit);
  if (refused) return { ok: false, reason: `${refused}; the attempt's work is kept at ${ref}` };
  const contract = ctx.contractOf(t.featureId);
  const owns = contract && (await checkOwnsHere(ctx.root, contract, ctx.baseCommit, commit));
  const promoted = await createFeatureBranch(ctx.root, t.featureId, commit, ref);
  return promoted.ok && owns ? { ...promoted, owns } : promoted;
}

/**
 * Why the changes from `base` to `commit` cannot be on a feature's branch (Baton's state, a nested
 * repository), by the local runner's rule; undefined when nothing is in the way. A worker checks this
 * too, but its status is only its word: the orchestrator reads the commit it is about to promote.
 */
async function unmergeableSince(root: string, base: string, commit: string): Promise<string | undefined> {
  const changed = parseRawDiff(await git(root, ['diff', '--raw', '-z', '--no-renames', base, commit]));
  return unmergeableReason(await findUnmergeable(root, changed, commit));
}

/**
 * Creates `baton/<id>` at `commit` only while it does not exist: a queued run makes no feature branch
 * before promoting (its preflight refused any that existed), so a branch there now was made or moved
 * by something else, and is left as it is. The comparison is with what the run expects, not with a
 * value read just before, which would let the swap overwrite anything.
 */
async function createFeatureBranch(
  root: string,
  featureId: string,
  commit: string,
  ref: string,
): Promise<Promotion> {
  const branch = featureBranch(featureId);
  const swapped = await compareAndSwapBranch(root, branch, commit, undefined);
  if (swapped.ok) return { ok: true, ref };
  const current = await gitRaw(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  const now = current.exitCode === 0 ? current.stdout.trim() : undefined;
  // This run promoted it already, then stopped before writing the feature's end (a crash, Ctrl-C).
  if (now === commit) return { ok: true, ref };
  return {
    ok: false,
    reason: `${branch} was ${now ? `made at ${now.slice(0, 12)}` : 'changed'} outside this run, which promotes only to a branch it has not made yet (${swapped.reason}); ${branch} is left as it is and the attempt's work is kept at ${ref}`,
  };
}

/**
 * Why a worker event of `attempt` cannot be the job's: the queue never started that attempt (the job
 * is read again when the last reading is behind, as when the event outruns it); undefined when it did.
 * An id claiming a later attempt must not become the job's current one, which would silence the rest.
 */
export async function unstartedAttempt(
  t: Tracked,
  queue: Queue,
  attempt: number,
): Promise<string | undefined> {
  if (attempt <= (t.attemptsStarted ?? 0)) return undefined;
  const job = await queue.getJob(t.jobId);
  if (job && enqueueOf(job) === t.enqueue) t.attemptsStarted = job.attemptsStarted;
  if (attempt <= (t.attemptsStarted ?? 0)) return undefined;
  return `attempt ${attempt} of job ${t.jobId} was never started (the queue has started ${t.attemptsStarted ?? 0})`;
}

/**
 * Whether a completed attempt the hub did not give is tried again at a later reading: until `hubRetryMs`
 * after the first failure, saying once that it waits. Past that the caller ends the feature failed.
 */
function fetchAgainLater(t: Tracked, ctx: ReconcileContext, reason: string): boolean {
  const now = Date.now();
  if (t.unfetchedSince === undefined) {
    t.unfetchedSince = now;
    if (ctx.hubRetryMs > 0)
      ctx.say(`${t.featureId}: ${reason}; trying again for up to ${describeWindow(ctx.hubRetryMs)}`);
  }
  return now - t.unfetchedSince < ctx.hubRetryMs;
}

/**
 * A job that is no longer on the queue (Redis restarted without persistence, its key deleted) will
 * never end there: the feature ends `failed` now, saying so, and the `queue.job` says `lost`, so a
 * resume of the run enqueues it again rather than counting it as ended.
 */
async function endLostJob(t: Tracked, ctx: ReconcileContext): Promise<void> {
  await ctx.drain();
  const reason = `job ${t.jobId} is no longer on the queue (Redis lost it?); ${ctx.resume} enqueues it again`;
  ctx.emit({
    type: 'queue.job',
    feature_id: t.featureId,
    job_id: t.jobId,
    state: 'failed',
    lost: true,
    reason,
  });
  t.state = 'failed';
  t.ended = true;
  t.status = 'failed';
  t.reason = reason;
  ctx.emit({ type: 'feature.ended', feature_id: t.featureId, status: 'failed', reason });
}

/**
 * Why a worker's `complete` is not taken although nothing failed: the run asked for checks (the job's
 * `verify`), yet a worktree criterion of the feature's contract has no result in the log — neither from
 * the worker's check events nor from the orchestrator's own `owns` — by integrate's rule
 * (`criteriaWithoutResult`): it ran nowhere. Undefined when each has one (a worker's result being its
 * word, judged later: `workerChecksReason`), or with `--no-verify` (shown `complete (unverified)`).
 */
function uncheckedCriteria(t: Tracked, ctx: ReconcileContext, job: Job): string | undefined {
  const contract = ctx.contractOf(t.featureId);
  if (contract === undefined || (job.data as { verify?: unknown } | undefined)?.verify === false)
    return undefined;
  const f = featureAt(foldForFeatures(logPathFor(ctx.root), [t.featureId]), t.featureId);
  const missing = criteriaWithoutResult(plannedCriteria(contract), f?.checks ?? {});
  if (missing.length === 0) return undefined;
  const ids = missing.map((c) => c.id);
  return `the worker reported it complete, but ${noResultReason(t.featureId, ids)}`;
}

/** The fields every `queue.job` event of one job shares. */
type QueueJobBase = { type: 'queue.job'; feature_id: string; job_id: string };

/** A completed job's end: its promotion (and the owns check here), or why not; `later` to fetch again. */
async function settleCompleted(
  t: Tracked,
  ctx: ReconcileContext,
  final: Job,
  base: QueueJobBase,
): Promise<{ status: FeatureEnded['status']; reason?: string | undefined } | 'later'> {
  let status: FeatureEnded['status'];
  let reason: string | undefined;
  const result = parseJobResult(final.returnvalue);
  if (!result) {
    status = 'failed';
    reason = `job ${t.jobId} completed without a result Baton can read: ${JSON.stringify(final.returnvalue ?? null).slice(0, 200)}`;
    ctx.emit({ ...base, state: 'failed', reason });
  } else {
    const promoted = await promote(t, ctx, result);
    if (!promoted.ok && promoted.unfetched && fetchAgainLater(t, ctx, promoted.reason)) return 'later';
    if (promoted.ok) {
      ctx.emit({
        ...base,
        state: 'completed',
        host: result.host,
        worker: result.worker,
        attempt: result.attempt,
        attempt_ref: promoted.ref,
        commit: result.commit,
      });
      for (const e of promoted.owns?.events ?? []) ctx.emit(e);
      // Work outside `owns` fails its checks whatever the worker said, as in a local run; and a
      // `complete` with a criterion no check ran (here or on the worker) has not passed them.
      const notPassed =
        result.status === 'complete'
          ? (checkFailuresReason(promoted.owns?.failures ?? []) ?? uncheckedCriteria(t, ctx, final))
          : undefined;
      status = notPassed ? 'failed-checks' : result.status;
      reason = notPassed ?? result.reason;
    } else {
      status = 'failed';
      // The hub never gave the attempt: its work is still there, and a resume tries the promotion again.
      const kept = promoted.unfetched
        ? ` (tried for ${describeWindow(ctx.hubRetryMs)}); the attempt's work is kept at ${promoted.unfetched} in the hub, and ${ctx.resume} promotes it`
        : '';
      reason = `attempt ${result.attempt} was not promoted: ${promoted.reason}${kept}`;
      if (promoted.unfetched) t.unpromoted = true;
      ctx.emit({ ...base, state: 'failed', reason, ...(promoted.unfetched ? { unpromoted: true } : {}) });
    }
  }
  return { status, reason };
}

/**
 * Reads one job's state from BullMQ and records what changed: a `queue.job` event per new state
 * (with host and attempt), and on `completed` or `failed` the promotion and the one `feature.ended`.
 */
export async function reconcileJob(t: Tracked, ctx: ReconcileContext): Promise<void> {
  const job = await ctx.queue.getJob(t.jobId);
  if (!job) return endLostJob(t, ctx);
  const enqueue = enqueueOf(job);
  if (enqueue !== t.enqueue) {
    // Enqueued again meanwhile (another orchestrator's resume): its attempts count from 1 again.
    t.enqueue = enqueue;
    t.latestAttempt = undefined;
  }
  t.attemptsStarted = job.attemptsStarted;
  const raw = await job.getState();
  const state = queueState(raw, t.state);
  const claim = (job.progress ?? {}) as Partial<JobClaim>;
  const attempt = typeof claim.attempt === 'number' ? claim.attempt : undefined;
  const host = typeof claim.host === 'string' ? claim.host : undefined;
  const base = { type: 'queue.job' as const, feature_id: t.featureId, job_id: t.jobId };
  if (state === 'active' || state === 'stalled' || state === 'waiting') {
    if (state === t.state && attempt === t.attempt) return;
    if (state === 'stalled' && t.state === 'stalled') return;
    t.state = state;
    t.attempt = attempt;
    if (attempt !== undefined) t.latestAttempt = Math.max(t.latestAttempt ?? 0, attempt);
    t.host = host;
    ctx.emit({
      ...base,
      state,
      ...(state === 'active' && host ? { host, worker: claim.worker ?? '' } : {}),
      ...(state === 'active' && attempt !== undefined ? { attempt } : {}),
    });
    return;
  }
  await ctx.drain();
  // The job was read before its state: read it again so the return value matches the final state.
  const final = (await ctx.queue.getJob(t.jobId)) ?? job;
  let status: FeatureEnded['status'];
  let reason: string | undefined;
  if (state === 'completed') {
    const settled = await settleCompleted(t, ctx, final, base);
    if (settled === 'later') return;
    ({ status, reason } = settled);
  } else {
    status = 'failed';
    reason = `job ${t.jobId} failed on the queue: ${final.failedReason || 'no reason given'}`;
    ctx.emit({ ...base, state: 'failed', reason });
  }
  t.state = state;
  t.ended = true;
  t.status = status;
  t.reason = reason;
  ctx.emit({ type: 'feature.ended', feature_id: t.featureId, status, ...(reason ? { reason } : {}) });
}

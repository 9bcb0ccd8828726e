/**
 * Runs that died look dead: the log of an orchestrator that was killed never gets its `run.ended`,
 * so at read time each run that has not ended is proven live or not (`runLiveness`), and a dead
 * run's unfinished features are shown `interrupted`. Status, the report, the dashboard and
 * integrate call `interruptionEvents`; resume, doctor and clean ask `findLiveRun`.
 */
import { printableArg } from '../agents/shell-words.js';
import { unrunAttempt } from '../attempts/unrun.js';
import { holderAlive, runLockHolder } from '../lock/baton-lock.js';
import type { AttemptEnded, BatonEvent, FeatureEnded, RunEnded } from '../log/events.js';
import type { BatonState, FeatureState } from '../log/fold.js';
import type { OpenRun, RunQueue } from '../log/state.js';
import { passwordCaveat } from '../queue/names.js';
import { sameProcessAlive } from './proc.js';

/** A run the log says was started: its id, its orchestrator's pid and when it started. */
export interface RunClaim {
  run_id: string;
  pid: number;
  started_at?: string | undefined;
}

/** Tells whether a run the log records is live: its orchestrator is running it now. */
export type OrchestratorProbe = (run: RunClaim) => boolean;

/**
 * The one rule for a live run. Any process can append a `run.started` naming any pid, so the log's
 * claim is not enough: the run lock (`.baton/run.lock`) must name that run and that pid, its holder
 * must be the live process that took it (pid and process start time), and that process must have
 * started no later than the run did (not a recycled pid). A run `baton run` started records its id
 * on the lock before its `run.started` (`recordRunInLock`); every other `run.started` is dead.
 */
export function runLiveness(root: string): OrchestratorProbe {
  return (run) => {
    const holder = runLockHolder(root);
    if (holder === undefined || holder.run_id !== run.run_id || holder.pid !== run.pid) return false;
    // This process holding the lock for that run is that run (a dashboard it serves asks too).
    if (holder.pid !== process.pid && !holderAlive(holder)) return false;
    const at = Date.parse(run.started_at ?? '');
    return sameProcessAlive(run.pid, Number.isFinite(at) ? at : undefined);
  };
}

/**
 * `alive`'s answers for the runs open in `state`, taken now, before the caller reads what the log
 * gained since: a run found dead now wrote its last line before that read, so the read brings its
 * end if it ended, and only a run that truly stopped short is inferred interrupted. A run that
 * begins in that read is taken for live until the next look.
 */
export function livenessNow(state: BatonState, alive: OrchestratorProbe): OrchestratorProbe {
  const answers = new Map(openRuns(state).map((r) => [r.run_id, alive(r)]));
  return (run) => answers.get(run.run_id) ?? true;
}

/**
 * The command that resumes a run, in backticks, as every message shows it: a queued run re-attaches
 * to its jobs on the workers with `--queue` (a plain `--resume` would run every feature again on this
 * machine and leave the jobs' results unpromoted). Its URL and hub come from the log: quoted where the
 * shell needs it and written `$'…'` when they hold control characters, so the line pastes as it is;
 * the password the log keeps as `***` is named as the one part to put back.
 */
export function resumeCommand(queue: RunQueue | undefined): string {
  if (!queue) return '`baton run --resume`';
  const words = ['baton', 'run', '--queue', queue.url, '--hub', queue.hub, '--resume'];
  return `\`${words.map(printableArg).join(' ')}\`${passwordCaveat(queue.url)}`;
}

/** Every run that has not ended, from the fold (the last run when the fold predates `open_runs`). */
function openRuns(state: BatonState): Array<Omit<OpenRun, 'started_at'> & { started_at?: string }> {
  if (state.open_runs) return state.open_runs;
  if (state.run_id && !state.run_ended_at && state.orchestrator_pid !== undefined) {
    return [
      {
        run_id: state.run_id,
        pid: state.orchestrator_pid,
        ...(state.run_started_at ? { started_at: state.run_started_at } : {}),
      },
    ];
  }
  return [];
}

/**
 * The last run when its features are jobs on a queue and it has not finished: not ended (its
 * orchestrator alive or dead) or ended interrupted (detached). Its jobs go on on the workers, so
 * resuming it means re-attaching to them (pure).
 */
export function queuedRunToResume(state: BatonState): { run_id: string; queue: RunQueue } | undefined {
  if (!state.run_id || !state.run_queue) return undefined;
  if (state.run_ended_at !== undefined && state.run_outcome !== 'interrupted') return undefined;
  return { run_id: state.run_id, queue: state.run_queue };
}

/** Whether some run that has not ended has lost its orchestrator: its end is still to be inferred. */
export function hasDeadOpenRun(state: BatonState, alive: OrchestratorProbe): boolean {
  return openRuns(state).some((r) => !alive(r));
}

/** A run that has not ended and whose orchestrator is alive (any of them, not only the last). */
export function findLiveRun(state: BatonState, alive: OrchestratorProbe): RunClaim | undefined {
  return openRuns(state).find((r) => alive(r));
}

/** The log's last run when it has not ended and is live (`runLiveness`): the run in progress. */
export function liveLastRun(state: BatonState, alive: OrchestratorProbe): RunClaim | undefined {
  return openRuns(state).find((r) => r.run_id === state.run_id && alive(r));
}

/** The statuses of a feature a run has not finished with: queued, its agent or its checks under way. */
export const UNFINISHED: ReadonlySet<string> = new Set(['pending', 'running', 'verifying', 'needs-input']);

/** A run in progress: its id, its orchestrator's pid, and its features it has not finished with. */
export interface RunInProgress {
  run_id: string;
  pid: number;
  unfinished: string[];
}

/**
 * The live last run (`liveLastRun`) and those of its features it has not finished with (`UNFINISHED`):
 * what integrate says is still under way rather than "not passed".
 */
export function runInProgress(state: BatonState, alive: OrchestratorProbe): RunInProgress | undefined {
  const run = liveLastRun(state, alive);
  if (!run) return undefined;
  const unfinished = state.run_feature_ids.filter((id) => {
    const f = Object.hasOwn(state.features, id) ? state.features[id] : undefined;
    return f === undefined || UNFINISHED.has(f.status);
  });
  return { run_id: run.run_id, pid: run.pid, unfinished };
}

/** The latest time the fold recorded for a feature (its last event, start or end), if any. */
function latestTime(f: FeatureState): string | undefined {
  let latest: string | undefined;
  for (const ts of [f.last_event?.ts, f.started_at, f.ended_at])
    if (ts && (!latest || ts > latest)) latest = ts;
  return latest;
}

/**
 * How far a dead run got with a feature it listed and never recorded as started (its agent's
 * `feature.started`), in words to follow "the run's orchestrator is gone": its setup running, its
 * worktree made (an agent may have been spawned just before its line was written), or nothing.
 */
function notStarted(f: FeatureState, runStartedAt: string): string {
  const last = f.last_event;
  if (last?.ts === undefined || last.ts < runStartedAt) return ' and never started this feature';
  if (last.type === 'setup.started')
    return '; it was setting up this feature (its setup command may still be running)';
  if (last.type === 'setup.ended' || last.type === 'worktree.created')
    return '; it was preparing this feature (its worktree made; an agent may have started unrecorded)';
  return ' and never started this feature';
}

/**
 * The ends a dead run never wrote of the best-of-N attempts it started and did not finish: an
 * `attempt.ended` `interrupted` for each (no duration, files or checks: the fold takes its status and
 * reason only), and a `feature.ended` for its unit (`<id>.a<n>`), so neither stays running.
 */
function attemptInterruptions(state: BatonState, runId: string, reason: string): BatonEvent[] {
  const out: BatonEvent[] = [];
  for (const f of Object.values(state.features)) {
    for (const a of Object.values(f.attempts ?? {})) {
      if (a.run_id !== runId || !UNFINISHED.has(a.status)) continue;
      const ts = a.started_at ?? new Date(0).toISOString();
      const ended: AttemptEnded & { inferred: true } = {
        v: 1,
        ts,
        run_id: runId,
        type: 'attempt.ended',
        feature_id: f.feature_id,
        ...unrunAttempt(a.attempt, 'interrupted', reason),
        inferred: true,
      };
      out.push(ended);
    }
  }
  for (const unit of Object.values(state.attempt_units ?? {})) {
    if (unit.run_id !== runId || !UNFINISHED.has(unit.status)) continue;
    const ts = latestTime(unit) ?? new Date(0).toISOString();
    const ended: FeatureEnded & { inferred: true } = {
      v: 1,
      ts,
      run_id: runId,
      type: 'feature.ended',
      feature_id: unit.feature_id,
      status: 'interrupted',
      reason,
      inferred: true,
    };
    out.push(ended);
  }
  return out;
}

/**
 * The events a dead run never wrote, inferred at read time (never appended to the log): a
 * `feature.ended` `interrupted` for each of its unfinished features — those it started and those
 * the last run's start listed and it never got to — and its `run.ended` `interrupted`. They carry
 * `inferred: true`; the run's end is stamped with the last time any of its features recorded, so
 * it is never earlier than what the run did. Apply them to the fold (status, dashboard, integrate)
 * or append them to the events (report).
 */
export function interruptionEvents(state: BatonState, alive: OrchestratorProbe): BatonEvent[] {
  const out: BatonEvent[] = [];
  for (const run of openRuns(state)) {
    if (alive(run)) continue;
    const isLast = run.run_id === state.run_id;
    const startedAt = run.started_at ?? state.run_started_at ?? new Date(0).toISOString();
    let lastTs = startedAt;
    const gone = `the run's orchestrator (baton pid ${run.pid}) is gone`;
    const resume = `resume with ${resumeCommand(run.queue)}`;
    for (const f of Object.values(state.features)) {
      const own = f.run_id === run.run_id;
      // A feature the start listed that this run never started still carries an earlier run's id.
      const listed = isLast && state.run_feature_ids.includes(f.feature_id);
      if (!own && !listed) continue;
      const seen = latestTime(f);
      const ts = seen !== undefined && (own || seen > startedAt) ? seen : startedAt;
      if (ts > lastTs) lastTs = ts;
      if (!UNFINISHED.has(f.status)) continue;
      const ended: FeatureEnded & { inferred: true } = {
        v: 1,
        ts,
        run_id: run.run_id,
        type: 'feature.ended',
        feature_id: f.feature_id,
        status: 'interrupted',
        reason: own ? `${gone}; ${resume}` : `${gone}${notStarted(f, startedAt)}; ${resume}`,
        inferred: true,
      };
      out.push(ended);
    }
    out.push(...attemptInterruptions(state, run.run_id, `${gone}; ${resume}`));
    // The fold's `run.ended` speaks for the last run only; an older dead run is closed by its features.
    if (!isLast) continue;
    const started = Date.parse(run.started_at ?? '');
    const duration = Number.isFinite(started) ? Math.max(0, Date.parse(lastTs) - started) : 0;
    const ended: RunEnded & { inferred: true } = {
      v: 1,
      ts: lastTs,
      run_id: run.run_id,
      type: 'run.ended',
      outcome: 'interrupted',
      duration_ms: duration,
      inferred: true,
    };
    out.push(ended);
  }
  return out;
}

/**
 * Runs that died look dead: the log of an orchestrator that was killed never gets its `run.ended`,
 * so at read time its recorded pid and start are checked, and a dead run's unfinished features are
 * shown `interrupted`. Status, the report and the dashboard all call `interruptionEvents`.
 */
import { printableArg } from '../agents/shell-words.js';
import type { BatonEvent, FeatureEnded, RunEnded } from '../log/events.js';
import type { BatonState } from '../log/fold.js';
import type { OpenRun, RunQueue } from '../log/state.js';
import { passwordCaveat } from '../queue/names.js';
import { sameProcessAlive } from './proc.js';

/** Tells whether a run's orchestrator (pid, start time of the run) is still alive. */
export type OrchestratorProbe = (pid: number, runStartedAt: string | undefined) => boolean;

/** The default probe: the pid is alive and started no later than the run did (not a recycled pid). */
export const orchestratorAlive: OrchestratorProbe = (pid, startedAt) => {
  const at = startedAt === undefined ? Number.NaN : Date.parse(startedAt);
  return sameProcessAlive(pid, Number.isFinite(at) ? at : undefined);
};

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

/** A run that has not ended and whose orchestrator is alive (any of them, not only the last). */
export function findLiveRun(
  state: BatonState,
  alive: OrchestratorProbe = orchestratorAlive,
): { run_id: string; pid: number; started_at?: string } | undefined {
  return openRuns(state).find((r) => alive(r.pid, r.started_at));
}

const UNFINISHED = new Set(['pending', 'running', 'verifying', 'needs-input']);

/**
 * The events a dead run never wrote, inferred at read time (never appended to the log): a
 * `feature.ended` `interrupted` for each of its unfinished features and its `run.ended`
 * `interrupted`. They carry `inferred: true` and are stamped with the run's last known time.
 * Apply them to the fold (status, dashboard) or append them to the events (report).
 */
export function interruptionEvents(
  state: BatonState,
  alive: OrchestratorProbe = orchestratorAlive,
): BatonEvent[] {
  const out: BatonEvent[] = [];
  for (const run of openRuns(state)) {
    if (alive(run.pid, run.started_at)) continue;
    const isLast = run.run_id === state.run_id;
    let lastTs = run.started_at ?? state.run_started_at ?? new Date(0).toISOString();
    const reason = `the run's orchestrator (baton pid ${run.pid}) is gone; resume with ${resumeCommand(run.queue)}`;
    for (const f of Object.values(state.features)) {
      const ofRun =
        f.run_id === run.run_id ||
        (f.run_id === undefined && isLast && state.run_feature_ids.includes(f.feature_id));
      if (!ofRun || !UNFINISHED.has(f.status)) continue;
      const ts = f.last_event?.ts ?? f.started_at ?? lastTs;
      if (ts > lastTs) lastTs = ts;
      const ended: FeatureEnded & { inferred: true } = {
        v: 1,
        ts,
        run_id: run.run_id,
        type: 'feature.ended',
        feature_id: f.feature_id,
        status: 'interrupted',
        reason,
        inferred: true,
      };
      out.push(ended);
    }
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

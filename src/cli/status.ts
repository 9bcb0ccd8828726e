import { type DiskUsage, formatBytes } from '../clean/disk-usage.js';
import { queuedRunToResume, resumeCommand, runLiveness } from '../guard/liveness.js';
import { describeLoadProblem } from '../load-problem.js';
import { liveLockHolder } from '../lock/baton-lock.js';
import { countChecks, unverifiedReason, type WorkerTrust } from '../log/check-reason.js';
import { describeEscapes, escapesByFeature, unattributedEscapes } from '../log/escapes.js';
import { type BatonState, type FeatureState, initialState } from '../log/fold.js';
import { shownAttempts } from '../log/fold-attempts.js';
import { foldCachePath, loadFoldSnapshot } from '../log/fold-snapshot.js';
import { featureAgentLog, logPathFor } from '../log/paths.js';
import { emptyTally, type ProblemTally, skippedLogLines, takeTally } from '../log/problem-tally.js';
import { agentTimeFields } from '../metrics/intervals.js';
import { featureRows, outsideRun } from '../metrics/run-rows.js';
import { nothingAt } from '../open-regular.js';
import type { StatusFacts } from '../project.js';
import { jobIdOf } from '../queue/names.js';
import { formatDuration, type Palette, palette, renderTable } from '../terminal/style.js';
import { escapeControl, stringifyJson } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';
import type { CliContext } from './context.js';
import {
  agentLogLook,
  attemptRows,
  attemptsOf,
  FEATURE_HEADER,
  type FeatureRowLook,
  featureRow,
  type PlannedLook,
  plannedCriteriaOf,
  REASON_WIDTH,
  shownReason,
} from './feature-rows.js';
import { diskSizer, listOwnWorktrees } from './status-disk.js';
import { StatusFold } from './status-fold.js';
import { integrationJson, integrationNote, lookAtIntegration, type Stopped } from './status-integration.js';
import { locatePlan } from './status-plan-load.js';
import { outsideRunNote } from './status-rows.js';
import { followUntilInterrupt } from './status-watch.js';

/** The `--json` shape of one feature (documented in the README). */
function featureJson(
  f: FeatureState,
  disk: DiskUsage | undefined,
  escaped: readonly string[],
  look: { runStartedAt: string | undefined; trust: WorkerTrust } & PlannedLook &
    Pick<BatonState, 'attempt_units'>,
) {
  const time = agentTimeFields(f, look.runStartedAt);
  const criteria = plannedCriteriaOf(look.criteria, f.feature_id);
  const afterIntegration = plannedCriteriaOf(look.integrationCriteria, f.feature_id);
  // `complete` with a criterion without a result, or passed only on a worker: integrate leaves it out.
  const unverified = unverifiedReason(f, criteria, look.trust);
  return {
    feature_id: f.feature_id,
    status: f.status,
    unverified: unverified !== undefined,
    unverified_reason: unverified ?? null,
    agent: f.agent ?? null,
    started_at: f.started_at ?? null,
    ended_at: f.ended_at ?? null,
    // A negative duration (forged or skewed timestamps) is given as 0 and flagged; an impossible one as null.
    ...time,
    duration_ms: time.duration_ms ?? null,
    exit_code: f.exit_code ?? null,
    branch: f.branch ?? null,
    commit: f.commit ?? null,
    worktree: f.worktree ?? null,
    log_file: f.log_file ?? null,
    files: f.files,
    escaped,
    collisions: f.collisions,
    reason: f.reason ?? null,
    // `total` is the criteria its checks run (its contract's, `owns` included), as the table's n/m.
    checks: countChecks(f, 'worktree', criteria),
    // What its criteria said of the last integration's merged result (all zero before one ran them).
    integration_checks: countChecks(f, 'integration', afterIntegration),
    usage: f.usage ?? null,
    /**
     * Best-of-N: every attempt, in attempt order, each with the status the table shows (`needs-input`
     * while its agent waits), and the one on the feature's branch (docs/best-of-n.md).
     */
    attempts: f.attempts ? attemptsOf({ ...f, attempts: shownAttempts(f, look) }) : null,
    winner: f.winner ?? null,
    /** With `baton run --queue`: job state, worker host and attempt (docs/distributed.md). */
    queue: f.queue ?? null,
    last_event: f.last_event ?? null,
    disk_bytes: disk?.bytes ?? null,
    disk_complete: disk ? disk.complete : null,
  };
}

function formatDisk(u: DiskUsage | undefined): string {
  return u ? `${u.complete ? '' : '≥ '}${formatBytes(u.bytes)}` : '—';
}

/**
 * One look at the log: a fresh snapshot as it is (nothing appended, nothing to parse); otherwise the
 * snapshot plus the appended bytes, read and checked by `fold-cache.ts`, loaded only then.
 */
async function foldOnce(logPath: string): Promise<ProblemTally & { state: BatonState }> {
  if (nothingAt(logPath)) return { state: initialState(), ...emptyTally() };
  const snap = loadFoldSnapshot(logPath);
  if (snap !== undefined && snap.logSize === snap.offset) return snap;
  const { foldLogCached } = await import('../log/fold-cache.js');
  // The snapshot as checked above: checking it again would hash the log's prefix twice.
  return foldLogCached(logPath, 'show', foldCachePath(logPath), { snap });
}

/** ` · 1m 05s elapsed` since the run started, for the watched view's ticking header. */
function runClock(startedAt: string, ctx: CliContext): string {
  const ms = ctx.clock().getTime() - Date.parse(startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ` · ${formatDuration(ms)} elapsed` : '';
}

/** The status view's first line: the run, its outcome, and (watched, in progress) its clock. */
function statusHead(state: BatonState, watched: boolean, ctx: CliContext): string {
  const clock =
    watched && state.run_started_at && !state.run_outcome ? runClock(state.run_started_at, ctx) : '';
  return state.run_id
    ? `run ${escapeControl(state.run_id)}${state.run_outcome ? ` (${state.run_outcome})` : ' (in progress)'}${clock}\n`
    : 'no run yet\n';
}

/**
 * When the run the lock proves live is not the log's last `run.started` (a line any process could
 * append, naming another run): says so under the head, since the table shows that other run.
 */
function shadowedRunNote(state: BatonState, root: string, p: Palette): string {
  const live = liveLockHolder(root, 'run');
  if (live?.run_id === undefined || state.run_id === undefined || live.run_id === state.run_id) return '';
  return `${p.yellow(
    escapeControl(
      `run ${live.run_id} is live (the run lock names it, baton pid ${live.pid}), but the log's last run.started is ${state.run_id}'s, which that run did not write: the table shows ${state.run_id}; baton stop goes by ${live.run_id}`,
    ),
  )}
`;
}

/** The feature table, each feature's best-of-N attempts under it, with a disk column when sized. */
function statusTable(
  state: BatonState,
  rows: readonly FeatureState[],
  sizes: Map<string, DiskUsage>,
  p: Palette,
  ctx: CliContext,
  logs: FeatureRowLook,
): string {
  // The disk column goes before the last one (last event), which has no fixed width.
  const withDisk = sizes.size > 0;
  const header = withDisk
    ? [...FEATURE_HEADER.slice(0, -1), 'disk', ...FEATURE_HEADER.slice(-1)]
    : FEATURE_HEADER;
  return renderTable(
    header,
    rows.flatMap((f) => {
      const now = ctx.clock().getTime();
      const row = featureRow(f, p, now, logs);
      const own = withDisk
        ? [...row.slice(0, -1), formatDisk(sizes.get(f.feature_id)), ...row.slice(-1)]
        : row;
      // Best-of-N attempts go under their feature.
      const attempts = attemptRows(f, p, now, state).map((r) =>
        withDisk ? [...r.slice(0, -1), '', ...r.slice(-1)] : r,
      );
      return [own, ...attempts];
    }),
  );
}

/**
 * Where a feature's agent log is: for a job of a queued run (its job id is its run's, `jobIdOf`), on the
 * machine of the worker that ran it, at the path that worker reported (nothing is there on this one);
 * else where Baton writes it under `root`.
 */
function agentLogNote(root: string, f: FeatureState): string | undefined {
  const queued =
    f.queue !== undefined && f.run_id !== undefined && f.queue.job_id === jobIdOf(f.run_id, f.feature_id);
  if (!queued) return featureAgentLog(root, f);
  return f.log_file === undefined
    ? undefined
    : `on worker host ${f.queue?.host ?? 'unknown'}, at ${f.log_file}`;
}

/**
 * The lists under the table: agent logs, escapes, collisions and refused tool calls (each line escaped).
 * An agent log is named where Baton writes it under `root` (`featureAgentLog`), never by the `log_file`
 * a line of the log claims.
 */
function statusNotes(
  state: BatonState,
  rows: readonly FeatureState[],
  p: Palette,
  o: { root: string; trustWorkers: boolean | undefined } & PlannedLook,
): string {
  const { root } = o;
  const logs = rows.flatMap((f) => {
    const where = agentLogNote(root, f);
    return where === undefined ? [] : [`  ${f.feature_id}: ${where}`];
  });
  const byFeature = escapesByFeature(state);
  const escaped = describeEscapes(
    rows.map((f) => ({ feature_id: f.feature_id, escaped: byFeature.get(f.feature_id) ?? [] })),
    unattributedEscapes(state),
  ).map((line) => `  ${line}`);
  const collisions = rows.flatMap((f) =>
    Object.values(f.collisions)
      .filter((c) => f.feature_id < c.with)
      .map(
        (c) =>
          `  ${f.feature_id} × ${c.with}: ${c.kind} on ${c.paths.join(', ')} (since ${formatDuration(Date.now() - Date.parse(c.since))} ago)`,
      ),
  );
  // A reason the row cut ends with what to do about it as often as not: given here in full.
  const reasons = rows.flatMap((f) => {
    const why = shownReason(f, o);
    return why !== undefined && why.length > REASON_WIDTH ? [`  ${f.feature_id}: ${why}`] : [];
  });
  const denied = rows
    .filter((f) => f.usage?.permission_denials?.length)
    .map(
      (f) =>
        `  ${f.feature_id}: ${f.usage!.permission_denials!.map((d) => `${d.tool}${d.detail ? ` (${d.detail})` : ''}`).join(', ')}`,
    );
  // Paths, ids and tool details come from the log: each listed line is escaped whole (none is painted,
  // so an ESC sequence in them that looks like one of the palette's colours is escaped too).
  for (const list of [reasons, logs, escaped, collisions, denied])
    list.splice(0, list.length, ...list.map((line) => escapeControl(line)));
  return `${reasons.length ? `why, in full:\n${reasons.join('\n')}\n` : ''}${logs.length ? `agent logs:\n${logs.join('\n')}\n` : ''}${escaped.length ? `${p.yellow('escapes:')}\n${escaped.join('\n')}\n` : ''}${collisions.length ? `${p.yellow('collisions seen while the agents work:')}\n${collisions.join('\n')}\n` : ''}${denied.length ? `${p.yellow('tool calls the agent was refused (it may need input or a wider permission mode):')}\n${denied.join('\n')}\n` : ''}`;
}

/** Under an interrupted queued run: its jobs go on on the workers, and the command that re-attaches (the row's reason is cut). */
function requeueNote(state: BatonState): string {
  const queued = state.run_outcome === 'interrupted' ? queuedRunToResume(state) : undefined;
  return queued ? `its jobs stay on the queue; re-attach with ${resumeCommand(queued.queue)}\n` : '';
}

/** The warning for a project whose contracts or config did not load: what status shows instead. */
function notLoaded(problem: NonNullable<StatusFacts['problem']>): string {
  const shown =
    problem.part === 'config'
      ? 'the log and the default specs folder (specs/) name'
      : 'the log and the specs folder name';
  return `${describeLoadProblem(problem)}: showing the features ${shown}; run \`baton lint\` for every problem`;
}

/**
 * `status --json`: the run id, each feature with its disk size and escapes, the unattributed escapes,
 * and the last integration when it is unfinished.
 */
function statusJson(
  state: BatonState,
  rows: ReturnType<typeof featureRows>,
  sizes: ReadonlyMap<string, DiskUsage>,
  look: { trust: WorkerTrust; integration: Stopped } & PlannedLook,
): string {
  const escaped = escapesByFeature(state);
  const features = rows.map((f) =>
    featureJson(f, sizes.get(f.feature_id), escaped.get(f.feature_id) ?? [], {
      ...look,
      runStartedAt: state.run_started_at,
      attempt_units: state.attempt_units,
    }),
  );
  const doc = {
    run_id: state.run_id ?? null,
    features,
    escaped_unknown: unattributedEscapes(state),
    not_in_run: outsideRun(state),
    integration: integrationJson(look.integration),
  };
  return `${stringifyJson(doc, 2)}\n`;
}

/** `baton status`: the state of every feature, folded from the log. */
export const registerStatus: RegisterCommand = (program, ctx) => {
  program
    .command('status')
    .description(
      'show every feature: status, agent, elapsed, exit code, checks, cost, last event or why it failed (folded from .baton/log.jsonl)',
    )
    .option('--json', 'print { run_id, features: [...], escaped_unknown, not_in_run, integration } as JSON')
    .option(
      '--watch',
      'keep following the log: on a terminal one table redrawn in place, elapsed times ticking, rows cut to ' +
        'the width; elsewhere a table per change (reads only what was appended)',
    )
    .option(
      '--no-disk',
      'do not measure the disk space each worktree uses (measured once, not on each redraw)',
    )
    .action(async (flags: { json?: boolean; watch?: boolean; disk: boolean }) => {
      const located = await locatePlan(ctx);
      const logPath = logPathFor(located.root);
      // One look starts at once (from the fold snapshot in .baton/cache/, reading only what was
      // appended), while a stale plan loads in a worker; its errors are thrown where it is awaited.
      const once = flags.watch ? undefined : foldOnce(logPath);
      once?.catch(() => {});
      // The worktrees git lists, to size the features' own (never a path the log names), asked meanwhile.
      const listed = flags.disk ? listOwnWorktrees(located.root) : undefined;
      const { ids, problem, criteria, integrationCriteria, trustWorkers } = await located.plan;
      const planned = { criteria, integrationCriteria };
      const trust = { trustWorkers: trustWorkers === true };
      // Never a silent partial table: say what did not load, and where to see all of it.
      if (problem) ctx.stderr.write(`baton: ${escapeControl(notLoaded(problem))}\n`);
      const p = palette(ctx.color);
      const logLook = agentLogLook(located.root);
      // The tailer (and with it the log reader and its schemas) is loaded for --watch only.
      const tail = flags.watch ? await import('../log/tail.js') : undefined;
      const problems = emptyTally();
      const fold = new StatusFold(
        runLiveness(located.root),
        problems,
        tail ? new tail.LogTailer(logPath) : undefined,
      );
      const pull = () => fold.pull();
      const diskOf = diskSizer(await listed);
      // Watching: one block kept on screen and redrawn in place on a terminal (appended elsewhere).
      const view = flags.watch ? (await import('./live-view.js')).createLiveView(ctx.stdout) : undefined;
      const stopped = lookAtIntegration(located.root);
      const render = () => {
        const state = fold.settled();
        const integration = stopped.shown(state, flags.watch ? render : undefined);
        const rows = featureRows(state, ids);
        const sizes = diskOf(rows);
        if (flags.json) {
          ctx.stdout.write(statusJson(state, rows, sizes, { ...planned, trust, integration }));
          return;
        }
        const text = `${statusHead(state, view !== undefined, ctx)}${shadowedRunNote(state, located.root, p)}${statusTable(state, rows, sizes, p, ctx, { ...logLook, ...planned, runStartedAt: state.run_started_at, trustWorkers })}\n${statusNotes(state, rows, p, { ...planned, root: located.root, trustWorkers })}${outsideRunNote(state)}${requeueNote(state)}${integrationNote(integration)}`;
        if (view) view.update(text);
        else ctx.stdout.write(text);
      };
      if (flags.watch) pull();
      else {
        const folded = await once!;
        fold.state = folded.state;
        Object.assign(problems, takeTally(folded));
      }
      await stopped.look(fold.state);
      for (const line of skippedLogLines(logPath, takeTally(problems))) ctx.stderr.write(`${line}\n`);
      render();
      if (!flags.watch) return;
      const deadRunOpen = () => fold.deadRunOpen();
      await followUntilInterrupt(
        { ctx, watchLog: tail!.watchLog, logPath, view, render, deadRunOpen },
        pull,
        () => skippedLogLines(logPath, takeTally(problems)),
      );
    });
};

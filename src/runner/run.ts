/**
 * `baton run`'s orchestration: the run's context, its waves, its start and end events and the
 * checks of the repository around it. It stays one file because these share the run context and
 * its lifetime; each feature's lifecycle is in feature.ts, worktrees in prepare.ts, launches in
 * launch.ts, best-of-N in attempts.ts.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveAdapter } from '../agents/registry.js';
import { featureOfUnit, parseAttemptUnitId } from '../contracts/feature-id.js';
import { UserError } from '../errors.js';
import { autoMaintenance } from '../git/git.js';
import { stopDeadWorktreeBatches } from '../guard/daemons.js';
import {
  deadRunIds,
  type Orphan,
  orphanClaim,
  type RefusedGroup,
  scanOrphans,
  stopOrphans,
  withAttemptUnits,
} from '../guard/orphans.js';
import {
  type AdoptionPlan,
  adoptionCandidates,
  NO_ADOPTION,
  scanAdoptableWindows,
} from '../interactive/adopt.js';
import { runHasWindows } from '../interactive/launch.js';
import { recordRunInLock } from '../lock/baton-lock.js';
import type { FeatureEnded, FeatureStatus } from '../log/events.js';
import type { BatonState } from '../log/fold.js';
import { foldLogCached } from '../log/fold-cache.js';
import { withRunId } from '../log/sink.js';
import type { AttemptState } from '../log/state.js';
import { makeFolders } from '../make-folders.js';
import { writeStateFile } from '../state-write.js';
import { createAttemptCoordinator, type FeatureAttempts, planFeatureAttempts } from './attempts.js';
import { createRunContext, featurePaths, type RunContext } from './context.js';
import { createRunControl } from './control.js';
import { dryRun } from './dry-run.js';
import { reportEscapes } from './escapes.js';
import { runFeature } from './feature.js';
import { runOutcome } from './outcome.js';
import { runPool } from './pool.js';
import { lookBeforeRun, preflight, resolveAgents } from './preflight.js';
import {
  agentsCutOff,
  assertNoLiveRun,
  assertNotQueuedRun,
  type FinishedAgent,
  finishedAgents,
  restartUnits,
} from './resume.js';
import {
  endDroppedAttempts,
  interruptedBestOfN,
  refuseFewerAttempts,
  resumedSelects,
  unbackedAttempts,
} from './resume-attempts.js';
import { runAgainFlags } from './resume-command.js';
import type { RunOptions } from './run-options.js';
import { planUnits } from './units.js';

export type { RunOptions, Verifier } from './run-options.js';

/** How each feature ended, and the run's overall outcome. */
export interface RunSummary {
  runId: string;
  outcome: 'complete' | 'failed' | 'interrupted';
  features: Array<{
    feature_id: string;
    status: FeatureEnded['status'] | 'pending';
    reason?: string;
    /** The user stopped its agent (`baton stop`). */
    stopped_by_user?: true;
    /** Not started because a dependency was stopped by the user (`baton stop`). */
    waits_on_stop?: true;
  }>;
  durationMs: number;
}

/** Makes a run id: sortable time plus a random suffix. */
export function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates `.baton/` with a `.gitignore` of its own, so its files never show up in `git status`. Made
 * afresh only (a link planted in its place, even one to nothing, is never written through).
 */
export function ensureStateDir(root: string): string {
  const dir = join(root, '.baton');
  makeFolders(dir);
  try {
    writeStateFile(dir, join(dir, '.gitignore'), '*\n', { how: 'create' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return dir;
}

/** What a resume found of the run before it: statuses, orphans stopped, groups left alone, windows to follow. */
interface Previous {
  previous: Map<string, FeatureStatus>;
  orphans: Orphan[];
  refused: RefusedGroup[];
  adoption: AdoptionPlan;
}

/** What the log says of the runs before this one: the fold, and each feature's status and attempts. */
interface Earlier {
  folded: BatonState;
  previous: Map<string, FeatureStatus>;
  finished: Map<string, FinishedAgent>;
  cutOff: Map<string, string>;
  attempts: Map<string, Record<string, AttemptState>>;
}

/** The log before a resumed run, read without changing anything (undefined for a fresh run). */
function readEarlier(opts: RunOptions): Earlier | undefined {
  if (!opts.resume) return undefined;
  // Statuses span runs: the whole fold, from the log's start (the status snapshot decides nothing).
  const folded = foldLogCached(opts.logPath, 'decide').state;
  const previous = new Map(Object.values(folded.features).map((f) => [f.feature_id, f.status]));
  const attempts = new Map(
    Object.values(folded.features).flatMap((f) => (f.attempts ? [[f.feature_id, f.attempts] as const] : [])),
  );
  return { folded, previous, attempts, finished: finishedAgents(folded), cutOff: agentsCutOff(folded) };
}

/**
 * Best-of-N picks its winner by the acceptance checks; with `--no-verify` none runs, and the winner would
 * be chosen by lines changed alone, a choice no later `verify` takes back. Refused before anything starts.
 */
function refuseUncheckedBestOfN(opts: RunOptions, bestOfN: ReadonlyMap<string, unknown>): void {
  if (opts.verifier || opts.dryRun || bestOfN.size === 0) return;
  const ids = [...bestOfN.keys()];
  throw uncheckedBestOfN(`${ids.join(', ')} ${ids.length === 1 ? 'runs' : 'run'} best-of-N`);
}

/**
 * The refusal of best-of-N with `--no-verify` (`what`: who asks for best-of-N), also given by a run with
 * nothing left to run when its `--attempts` asks for it (`refuseFlagsOfNoRun`).
 */
export function uncheckedBestOfN(what: string): UserError {
  return new UserError(
    'run/attempts-unchecked',
    `${what}, whose winner the acceptance checks pick, and --no-verify runs none`,
    { hint: 'Drop --no-verify, or run one attempt each with --attempts 1.' },
  );
}

/**
 * The run's units, best-of-N features' attempts in place of them; a resume continues an interrupted
 * best-of-N run with its count and rule (resume-attempts.ts). Refused before anything starts when not runnable.
 */
async function planRun(
  options: RunOptions,
  earlier: Earlier | undefined,
): Promise<ReturnType<typeof planUnits>> {
  const planned = planUnits({
    ...options,
    resumedAttempts: await interruptedBestOfN(options, earlier?.folded),
    resumedSelect: resumedSelects(earlier?.folded, options),
  });
  refuseUncheckedBestOfN(options, planned.bestOfN);
  refuseFewerAttempts(options, earlier?.folded, planned.bestOfN);
  return planned;
}

/**
 * `--restart`'s names checked against what the resume will run (`restartUnits`), a best-of-N feature's
 * attempts added; `kept`: the best-of-N features' attempts at the start of the run (`planFeatureAttempts`).
 */
function withRestart(
  opts: RunOptions,
  plan: ReturnType<typeof planUnits>,
  earlier: Earlier | undefined,
  kept: ReadonlyMap<string, FeatureAttempts>,
): RunOptions {
  if (!opts.restart?.length) return opts;
  // Without --resume too: a feature complete in an earlier run is refused for that, not sent to a resume.
  const features = (earlier?.folded ?? foldLogCached(opts.logPath, 'decide').state).features;
  const restart = restartUnits({
    resume: Boolean(opts.resume),
    restart: opts.restart,
    featureIds: opts.featureIds,
    planIds: opts.plan.order,
    units: plan.units,
    complete: (id) => Object.hasOwn(features, id) && features[id]?.status === 'complete',
    kept: (id) => {
      const parsed = parseAttemptUnitId(id);
      return parsed !== undefined && (kept.get(parsed.featureId)?.ended.has(parsed.attempt) ?? false);
    },
    again: runAgainFlags(opts),
  });
  return { ...opts, restart };
}

/** Each feature's status in the log before this run, the windows to re-attach to, and the other orphans (stopped). */
async function readPrevious(opts: RunOptions, earlier: Earlier | undefined): Promise<Previous> {
  if (!earlier) return { previous: new Map(), orphans: [], refused: [], adoption: NO_ADOPTION };
  const { folded, previous } = earlier;
  if (opts.dryRun) return { previous, orphans: [], refused: [], adoption: NO_ADOPTION };
  // Best-of-N attempts' agents are units of their own: their groups are looked for like features'.
  const state = withAttemptUnits(folded);
  assertNoLiveRun(state, opts.root);
  assertNotQueuedRun(state);
  // Interactive agents of a dead orchestrator still in its tmux session are followed, not restarted.
  const adoption = await scanAdoptableWindows(state, opts.env, {
    candidates: adoptionCandidates(opts),
    logPath: opts.logPath,
  });
  const adopted = new Set(adoption.adopted.map((a) => a.feature_id));
  // Agents of a dead orchestrator keep running in their own groups; stop them before restarting,
  // but only groups proven to be that run's in this repository (the log's pgid and run id are claims).
  // Every attempt of a feature the run has counts, not only those it runs: the dead run's others are
  // ended (`endDroppedAttempts`), and nothing else would ever stop their agents.
  const scan = scanOrphans(state, opts.logPath);
  const ours = (unit: string) => opts.featureIds.includes(featureOfUnit(unit));
  const orphans = scan.orphans.filter((o) => ours(o.feature_id) && !adopted.has(o.feature_id));
  // A dead run's worktree checkouts run on too, into the worktrees this resume reuses.
  await Promise.all([
    stopOrphans(orphans, orphanClaim(state, opts.logPath)),
    stopDeadWorktreeBatches(deadRunIds(state), opts.logPath),
  ]);
  // A window not adopted whose group was proven the dead run's was just stopped, not left alone.
  const refused = [...scan.refused];
  for (const r of adoption.refused) {
    const known = [...refused, ...orphans].some((g) => g.feature_id === r.feature_id && g.pgid === r.pgid);
    if (!known) refused.push(r);
  }
  return { previous, orphans, refused, adoption };
}

/**
 * Runs the selected features: a worktree and branch each, agents in parallel up to the
 * concurrency, completion recorded in the log, checks after each agent, one `feature.ended` each,
 * and `run.ended` at the end whatever happened to the features.
 */
export async function runFeatures(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const earlier = readEarlier(options);
  const planned = await planRun(options, earlier);
  const { units, bestOfN } = planned;
  const unitIds = units.map((u) => u.id);
  // A resume keeps the attempts that ended, but those whose recorded commit left their branch.
  const unbacked = earlier && (await unbackedAttempts(options.root, earlier.attempts, options.featureIds));
  const attemptsAtStart = planFeatureAttempts(bestOfN, earlier?.attempts, unbacked);
  // Best-of-N stops attempts through the run control, so a run always has one. A `--restart` that
  // would do nothing is refused before anything changes.
  const opts: RunOptions = {
    ...withRestart(options, planned, earlier, attemptsAtStart),
    control: options.control ?? createRunControl(),
    waitForDeps: options.waitForDeps ?? earlier?.folded.mode === 'wait-for-deps',
  };
  const stateDir = ensureStateDir(opts.root);
  const agents = await resolveAgents(opts, opts.resolveAdapter ?? resolveAdapter, units);
  // One shell asks git for the refs, the worktrees and the main checkout's status: the preflight's
  // checks and the escape watches' baselines. A resume stops or adopts a dead run's agents first, so
  // its watches take their own baselines after.
  const look = opts.resume ? undefined : await lookBeforeRun(opts);
  // Preflight looks at each unit's branch and worktree only, which do not depend on the run id.
  const pre = await preflight(
    opts,
    (id) => featurePaths(opts.config.worktrees, stateDir, 'preflight', id),
    [...new Set([...opts.featureIds, ...unitIds])],
    look,
  );
  const found = await readPrevious(opts, earlier);
  // Re-attaching continues the dead run: its windows' hooks, session and run folder carry its id.
  const runId = found.adoption.runId ?? newRunId(opts.clock());
  const ctx = await createRunContext({
    opts,
    runId,
    sink: withRunId(opts.sink, runId),
    stateDir,
    baseCommit: pre.baseCommit,
    depsInBase: pre.depsInBase,
    agents,
    previous: found.previous,
    ...(earlier ? { finishedAgents: earlier.finished, cutOffAgents: earlier.cutOff } : {}),
    adopted: new Map(found.adoption.adopted.map((a) => [a.feature_id, a])),
    bestOfN,
    unitIds,
    ...(look ? { repoBaseline: look.snapshot } : {}),
    ...(pre.checkout ? { checkoutBaseline: pre.checkout } : {}),
  });
  if (opts.dryRun) return dryRun(ctx, stateDir, unitIds);
  // `-j`, else the concurrency the run a resume continues chose (not its unit count), else the
  // config's; unset, every unit runs at once: a best-of-N feature's attempts are units of their own.
  const resumed = earlier?.folded.concurrency_chosen ? earlier.folded.concurrency : undefined;
  const chosen = opts.concurrency ?? resumed ?? opts.config.concurrency;
  const concurrency = Math.max(1, chosen ?? units.length);
  emitRunStarted(ctx, { concurrency, chosen: chosen !== undefined, base: pre.base, found });
  endDroppedAttempts(ctx.sink, earlier?.folded, opts, unitIds);
  const stopAll = () => {
    for (const child of ctx.running) void child.stop('interrupt');
  };
  opts.signal.addEventListener('abort', stopAll, { once: true });
  try {
    const coordinator = createAttemptCoordinator(ctx, attemptsAtStart);
    try {
      await runPool(units, concurrency, opts.signal, (unit) =>
        unit.attempt === undefined ? runFeature(ctx, unit.id) : coordinator.runAttempt(unit),
      );
    } finally {
      coordinator.finishAll();
    }
  } finally {
    opts.signal.removeEventListener('abort', stopAll);
    // An agent whose feature ended before its settle step (a branch problem) left its wave unlooked at.
    // The maintenance the features' commits did not start (`commitOnBranch`) runs once, meanwhile.
    await Promise.all([reportEscapes(ctx).catch(() => undefined), autoMaintenance(opts.root)]);
  }
  return endRun(ctx, performance.now() - started);
}

/** `run.started` (with what a resume stopped, left alone or re-attached to) and the implementation phase. */
function emitRunStarted(
  ctx: RunContext,
  o: { concurrency: number; chosen: boolean; base: string; found: Previous },
): void {
  const { opts, sink, runId } = ctx;
  const { orphans, refused, adoption } = o.found;
  // The lock names the run first: a `run.started` no lock names is not a live run (`runLiveness`).
  recordRunInLock(opts.root, runId);
  sink.emit({
    type: 'run.started',
    run_id: runId,
    feature_ids: [...opts.featureIds],
    concurrency: o.concurrency,
    concurrency_chosen: o.chosen,
    base: o.base,
    base_commit: ctx.baseCommit,
    mode: opts.waitForDeps ? 'wait-for-deps' : 'contract-first',
    pid: process.pid,
    ...(opts.resume ? { resume: true } : {}),
    ...(keptComplete(opts, o.found).length > 0 ? { kept: keptComplete(opts, o.found) } : {}),
    ...(ctx.bestOfN.size > 0
      ? {
          attempts: Object.fromEntries([...ctx.bestOfN].map(([id, p]) => [id, p.agents.length])),
          select: Object.fromEntries([...ctx.bestOfN].map(([id, p]) => [id, p.select])),
        }
      : {}),
    ...(orphans.length
      ? { stopped_orphans: orphans.map((o) => ({ feature_id: o.feature_id, pgid: o.pgid })) }
      : {}),
    ...(refused.length ? { refused_orphans: refused } : {}),
    ...(adoption.adopted.length
      ? { adopted_windows: adoption.adopted.map((a) => ({ feature_id: a.feature_id, pgid: a.pgid })) }
      : {}),
    // `baton stop` reads it: a run without it has no tmux window to end; with it, where its windows are.
    ...(runHasWindows(opts.featureIds, ctx.contractOf, opts.config)
      ? {
          interactive: true,
          ...(opts.env.BATON_TMUX_SOCKET ? { tmux_socket: opts.env.BATON_TMUX_SOCKET } : {}),
        }
      : {}),
  });
  // A continued run's implementation phase is still open in the log: its agents worked on while no orchestrator watched.
  if (!adoption.runId) sink.emit({ type: 'phase.started', phase: 'implementation' });
}

/** The features a resume keeps as an earlier run completed them (the lifecycle's `kept`), in run order. */
function keptComplete(opts: RunOptions, found: Previous): string[] {
  return opts.resume ? opts.featureIds.filter((id) => found.previous.get(id) === 'complete') : [];
}

/** Writes the end of the implementation phase and `run.ended`, and sums the run up. */
function endRun(ctx: RunContext, elapsedMs: number): RunSummary {
  const features = ctx.opts.featureIds.map((id) => {
    const r = ctx.results.get(id);
    return {
      feature_id: id,
      status: r?.status ?? ('pending' as const),
      ...(r?.reason ? { reason: r.reason } : {}),
      ...(r?.stoppedByUser ? { stopped_by_user: true as const } : {}),
      ...(r?.waitsOnStop ? { waits_on_stop: true as const } : {}),
    };
  });
  const outcome = runOutcome(features, ctx.opts.signal.aborted);
  const durationMs = Math.round(elapsedMs);
  ctx.sink.emit({ type: 'phase.ended', phase: 'implementation' });
  ctx.sink.emit({ type: 'run.ended', run_id: ctx.runId, outcome, duration_ms: durationMs });
  return { runId: ctx.runId, outcome, features, durationMs };
}

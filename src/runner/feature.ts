/**
 * One feature's lifecycle in a run: prepare (worktree, setup) → launch (the agent, with retries) →
 * settle (commit, changed files, `agent.exited`, escapes: settle.ts) → check (acceptance criteria) → end. The
 * end is written in `finally`: whatever throws on the way, the feature gets its one `feature.ended`
 * and no process of its own is left running.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config-schema.js';
import { featureOfUnit } from '../contracts/feature-id.js';
import type { Contract } from '../contracts/schema.js';
import { formatUserError, UserError } from '../errors.js';
import { procNowMs } from '../guard/proc.js';
import { describeExit, type Supervised } from '../process/supervise.js';
import { writeStateFile } from '../state-write.js';
import { errorMessage } from '../text/error-message.js';
import { oneLine } from '../text/one-line.js';
import { endAgentWindow } from './agent-end.js';
import type { FeatureResult, RunContext } from './context.js';
import { makeFeatureDir } from './context.js';
import { featureEnvironment } from './feature-env.js';
import { launchAgent } from './launch.js';
import {
  type CheckCounts,
  decideOutcome,
  dependencyNotComplete,
  featureTimeLimit,
  stoppedBy,
  type TimeLimit,
} from './outcome.js';
import { agentCannotDo, type FeaturePaths } from './preflight.js';
import { type Prepared, prepareWorktree, runSetup } from './prepare.js';
import type { FinishedAgent } from './resume.js';
import { runAgainFlags } from './resume-command.js';
import { type Settled, settle, worktreeGone } from './settle.js';

/** What a unit's lifecycle learnt on the way, for best-of-N to compare attempts (filled as it goes). */
export interface UnitFacts {
  forkPoint?: string;
  settled?: Settled;
  checks?: CheckCounts;
  /** Set when `RunControl` stopped the agent. */
  stoppedFor?: string;
}

/** Why a unit failed, as the run shows it on one line: a user error with its code, as the CLI prints it. */
function errorText(err: unknown): string {
  if (err instanceof UserError) return oneLine(formatUserError(err));
  // git's own messages span lines (index.lock's does): a reason is shown on one row.
  return oneLine(errorMessage(err));
}

/**
 * Runs one unit (a feature, or a best-of-N attempt) from start to end; never rejects (a throw ends
 * it `failed`, with the error) and leaves no process of its own running.
 */
export async function runUnit(
  ctx: RunContext,
  id: string,
  facts: UnitFacts = {},
): Promise<FeatureResult | 'kept' | undefined> {
  const owned = new Set<Supervised>();
  try {
    return await lifecycle(ctx, id, owned, facts);
  } catch (err) {
    return { status: 'failed', reason: `Baton could not run this feature: ${errorText(err)}` };
  } finally {
    // A throw mid-launch must not leave this feature's agent running detached.
    await Promise.all([...owned].map((child) => child.stop('stop')));
    for (const child of owned) ctx.running.delete(child);
  }
}

/** Runs one feature from start to end; never rejects (a throw ends the feature `failed`, with the error). */
export async function runFeature(ctx: RunContext, id: string): Promise<void> {
  let result: FeatureResult | 'kept' | undefined;
  try {
    result = await runUnit(ctx, id);
  } finally {
    if (result === 'kept') {
      ctx.settle(id, { status: 'complete', reason: 'complete in an earlier run' });
    } else if (result !== undefined) {
      ctx.settle(id, result);
      ctx.sink.emit({
        type: 'feature.ended',
        feature_id: id,
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
      });
    }
  }
}

/** A feature's worktree made (or reused) and set up, and the environment its agent starts with. */
interface Ready {
  prepared: Prepared;
  env: NodeJS.ProcessEnv;
  /** When the feature's own processes began (undefined for a re-attached agent's). */
  featureFromMs: number | undefined;
}

/**
 * Makes the feature's worktree and runs its setup, or says how it ended before its agent: a failure, a
 * resumed feature whose finished agent only needs its checks again, or a Ctrl-C (looked for before each step).
 */
async function readyForAgent(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  owned: Set<Supervised>,
  facts: UnitFacts,
): Promise<Ready | FeatureResult> {
  const { opts } = ctx;
  const id = feature.feature_id;
  makeFeatureDir(p);
  let prepared: Prepared;
  try {
    prepared = await prepareWorktree(ctx, feature, p);
    facts.forkPoint = prepared.forkPoint;
  } catch (err) {
    return { status: 'failed', reason: errorText(err) };
  }
  // A resumed feature whose agent had finished, its work committed: its checks again, no second session.
  if (prepared.finished) return recheckFinished(ctx, feature, p, prepared, prepared.finished);
  if (opts.signal.aborted) return stoppedBeforeAgent(opts.signal);
  // Every process with the feature's environment starts after this (setup, agent, their daemons),
  // except a re-attached agent's, which a dead orchestrator started.
  const featureFromMs = ctx.adopted.has(id) ? undefined : procNowMs();
  const env = featureEnv(ctx, id, p);
  // A re-attached agent is already at work in its worktree: its setup ran before the orchestrator died.
  const setup = ctx.adopted.has(id) ? prepared : await runSetup(ctx, feature, { p, env, owned, prepared });
  if ('status' in setup) return setup;
  if (opts.signal.aborted) return stoppedBeforeAgent(opts.signal);
  return { prepared: setup, env, featureFromMs };
}

/** The steps; `kept` for a feature complete in an earlier run, undefined when the run stopped before it began. */
async function lifecycle(
  ctx: RunContext,
  id: string,
  owned: Set<Supervised>,
  facts: UnitFacts,
): Promise<FeatureResult | 'kept' | undefined> {
  const { opts } = ctx;
  const feature = ctx.contractOf(id);
  if (opts.resume && ctx.previous.get(id) === 'complete') return 'kept';
  // An agent that cannot do the feature at all (the demo agent without its recipe) is not started.
  const cannot = agentCannotDo(opts, ctx.agents.get(id)!.adapter, id);
  if (cannot)
    return { status: 'failed', reason: `${cannot}; not started (give it a real agent: \`baton agents\`)` };
  if (opts.waitForDeps) {
    const blocked = await waitForDependencies(ctx, feature);
    if (blocked) return blocked;
  }
  if (opts.signal.aborted) return undefined;
  const p = ctx.pathsOf(id);
  const ready = await readyForAgent(ctx, feature, p, owned, facts);
  if (!('env' in ready)) return ready;
  const { prepared, env, featureFromMs } = ready;
  const task = ctx.taskOf(id, p.scratchDir, env);
  writeStateFile(p.stateDir, p.taskFile, task.prompt);
  ctx.repoGuard.agentStarted(id);
  const run = await launchAgent(ctx, feature, task, p, owned, prepared.base);
  const stoppedDaemons = await endAgentWindow(ctx, task, run, featureFromMs);
  // `baton stop` ends an interactive agent as Ctrl-C ends every one: its worktree is kept as it is.
  const stoppedByUser = run.exit.stoppedBy === 'user';
  const interrupted = (opts.signal.aborted && run.exit.stoppedBy === 'interrupt') || stoppedByUser;
  let settled: Settled;
  try {
    const r = await settle(ctx, feature, p, prepared, { ...run, stoppedDaemons }, interrupted);
    // An agent that switched branch, deleted its branch or reset below the base cannot end complete.
    if ('problem' in r) return { status: 'failed', reason: r.problem };
    settled = r;
    facts.settled = settled;
  } catch (err) {
    // git's error would only say its program could not start in a folder that is gone.
    if (!existsSync(p.worktree))
      return { status: 'failed', reason: worktreeGone(featureOfUnit(id), p, runAgainFlags(ctx.opts)) };
    return { status: 'failed', reason: `could not record the agent's work: ${errorText(err)}` };
  }
  const collision = opts.control?.stoppedFor(feature.feature_id);
  if (collision) facts.stoppedFor = collision;
  const agentOk =
    !interrupted && !collision && !run.exit.timedOut && run.exit.exitCode === 0 && settled.files.length > 0;
  const checks = agentOk ? await check(ctx, feature, p, prepared, settled) : undefined;
  if (checks) facts.checks = checks;
  const outcome = decideOutcome({
    interrupted,
    ...(stoppedByUser
      ? { interruptedBy: 'user' }
      : typeof opts.signal.reason === 'string'
        ? { interruptedBy: opts.signal.reason }
        : {}),
    ...(collision ? { collision } : {}),
    timedOut: run.exit.timedOut,
    ...timeLimitOf(feature, opts.config),
    exitCode: run.exit.exitCode,
    changedFiles: settled.files.length,
    ...(checks ? { checks } : {}),
  });
  if (outcome.status === 'failed') {
    return {
      status: 'failed',
      reason: `the agent failed: ${describeExit(run.exit, run.timeoutMs)}; see ${p.logFile}`,
    };
  }
  return outcome;
}

/**
 * How a unit ends when the run was stopped (Ctrl-C) while its worktree was being made or set up: no
 * setup or agent starts after it, so `lifecycle` looks before each.
 */
function stoppedBeforeAgent(signal: AbortSignal): FeatureResult {
  const by = stoppedBy(typeof signal.reason === 'string' ? signal.reason : undefined);
  return { status: 'interrupted', reason: `${by} before its agent started; the worktree is kept` };
}

/**
 * A resumed feature whose agent finished in an earlier run, its work committed by Baton and still its
 * branch's tip (`FinishedAgent`): only its checks run, on that commit, and decide how it ends.
 */
async function recheckFinished(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  prepared: Prepared,
  finished: FinishedAgent,
): Promise<FeatureResult> {
  const checks = await check(ctx, feature, p, prepared, finished);
  const { signal } = ctx.opts;
  return decideOutcome({
    interrupted: signal.aborted && !checks?.interrupted,
    ...(typeof signal.reason === 'string' ? { interruptedBy: signal.reason } : {}),
    timedOut: false,
    exitCode: 0,
    changedFiles: finished.files.length,
    ...(checks ? { checks } : {}),
  });
}

/** With `--wait-for-deps`: waits for the feature's selected dependencies; a result when one did not complete. */
async function waitForDependencies(ctx: RunContext, feature: Contract): Promise<FeatureResult | undefined> {
  for (const dep of feature.depends_on.features.filter((d) => ctx.selected.has(d))) {
    await ctx.waitFor(dep);
    if (ctx.opts.signal.aborted) return undefined;
    const r = ctx.results.get(dep);
    if (r?.status !== 'complete') return dependencyNotComplete(dep, r);
  }
  return undefined;
}

/** The feature's time limit, as `decideOutcome`'s facts take it. */
function timeLimitOf(feature: Contract, config: Config): { timeLimit?: TimeLimit } {
  const timeLimit = featureTimeLimit(feature, config);
  return timeLimit ? { timeLimit } : {};
}

/** The environment every process of the feature gets: who it is, where its files are, its ports. */
/** The environment of the feature's setup and agent: the one rule, `featureEnvironment`, with this run's facts. */
function featureEnv(ctx: RunContext, id: string, p: FeaturePaths): NodeJS.ProcessEnv {
  const block = ctx.portOf(id);
  return featureEnvironment(ctx.opts.env, {
    featureId: id,
    runId: ctx.runId,
    taskFile: p.taskFile,
    logPath: ctx.opts.logPath,
    worktree: p.worktree,
    branch: p.branch,
    port: block.port,
    portBase: block.base,
  });
}

/** Runs the feature's worktree checks through the run's sink, when a verifier is set. */
async function check(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  { forkPoint, carried }: Prepared,
  settled: Settled,
): Promise<CheckCounts | undefined> {
  if (!ctx.opts.verifier) return undefined;
  return ctx.opts.verifier({
    feature,
    worktree: p.worktree,
    port: ctx.portOf(feature.feature_id).port,
    base: forkPoint,
    branch: p.branch,
    runId: ctx.runId,
    changed: settled.files,
    ...(carried ? { carried } : {}),
    ...(settled.commit ? { commit: settled.commit } : {}),
    signal: ctx.opts.signal,
    sink: ctx.sink,
  });
}

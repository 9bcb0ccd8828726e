/**
 * One feature's lifecycle in a run: prepare (worktree, setup) → launch (the agent, with retries) →
 * settle (commit, changed files, `agent.exited`, escapes) → check (acceptance criteria) → end. The
 * end is written in `finally`: whatever throws on the way, the feature gets its one `feature.ended`
 * and no process of its own is left running.
 */
import { writeFileSync } from 'node:fs';
import { agentLabel } from '../agents/registry.js';
import type { Config } from '../config-schema.js';
import type { Contract } from '../contracts/schema.js';
import { formatUserError, UserError } from '../errors.js';
import { changedFiles, commonGitDir, git, statusEntries } from '../git/git.js';
import { commitOnBranch } from '../git/sequence.js';
import { checkFeatureBranch } from '../guard/branch-check.js';
import type { Straggler } from '../guard/daemons.js';
import { procNowMs } from '../guard/proc.js';
import type { AgentUsage } from '../log/events.js';
import { describeExit, type Supervised } from '../process/supervise.js';
import { errorMessage } from '../text/error-message.js';
import { oneLine } from '../text/one-line.js';
import { endAgentWindow } from './agent-end.js';
import { agentExitTrailer, batonCommitMessage } from './baton-commit.js';
import type { FeatureResult, RunContext } from './context.js';
import { makeFeatureDir } from './context.js';
import { emitEscapes } from './escapes.js';
import { featureEnvironment } from './feature-env.js';
import { type AgentRun, launchAgent } from './launch.js';
import { type CheckCounts, decideOutcome, featureTimeLimit, stoppedBy, type TimeLimit } from './outcome.js';
import { agentCannotDo, type FeaturePaths } from './preflight.js';
import { type Prepared, prepareWorktree, runSetup } from './prepare.js';
import type { FinishedAgent } from './resume.js';
import { findUnmergeable, takeBackCommit, unmergeableReason } from './unmergeable.js';

/** What the agent left on its branch. */
interface Settled {
  commit?: string;
  files: string[];
  usage?: AgentUsage;
}

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
  if (prepared.finished) return recheckFinished(ctx, feature, p, prepared.forkPoint, prepared.finished);
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
  const { forkPoint } = prepared;
  const task = ctx.taskOf(id, p.scratchDir, env);
  writeFileSync(p.taskFile, task.prompt);
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
    return { status: 'failed', reason: `could not record the agent's work: ${errorText(err)}` };
  }
  const collision = opts.control?.stoppedFor(feature.feature_id);
  if (collision) facts.stoppedFor = collision;
  const agentOk =
    !interrupted && !collision && !run.exit.timedOut && run.exit.exitCode === 0 && settled.files.length > 0;
  const checks = agentOk ? await check(ctx, feature, p, forkPoint, settled) : undefined;
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
  forkPoint: string,
  finished: FinishedAgent,
): Promise<FeatureResult> {
  const checks = await check(ctx, feature, p, forkPoint, finished);
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
    if (r?.status !== 'complete') {
      return { status: 'failed', reason: `dependency ${dep} ended ${r?.status ?? 'unknown'}; not started` };
    }
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

/** Commits what the agent left, lists the files the branch changed, and records the exit and any escapes. */
async function settle(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  { forkPoint, base }: Prepared,
  run: AgentRun & { stoppedDaemons: readonly Straggler[] },
  interrupted: boolean,
): Promise<Settled | { problem: string }> {
  const id = feature.feature_id;
  const { spec } = ctx.agents.get(id)!;
  let commit: string;
  let files: string[];
  let uncommitted: number | undefined;
  if (interrupted) {
    commit = await git(p.worktree, ['rev-parse', 'HEAD']);
    files = await changedFiles(p.worktree, forkPoint, 'HEAD', false);
    uncommitted = (await statusEntries(p.worktree).catch(() => [])).length;
  } else {
    // Committed only while the worktree is still on its branch above the base it was cut from (a
    // resumed branch's own, not this run's), checked in the same process as the commit; when it is
    // not, the step-by-step check says why, and whether the agent's work was left uncommitted.
    // Its trailers let a resume tell this commit from any other when the run dies before `agent.exited`.
    const message = batonCommitMessage(
      `${feature.title}\n\nBaton: feature ${id}, run ${ctx.runId}, agent ${agentLabel(spec)}`,
      {
        run: ctx.runId,
        unit: id,
        agentExit: agentExitTrailer(run.exit, ctx.opts.control?.stoppedFor(id) !== undefined),
      },
    );
    const onBranch = {
      ref: `refs/heads/${p.branch}`,
      base,
      commonDir: await commonGitDir(ctx.opts.root),
    };
    const done = await commitOnBranch(p.worktree, message, forkPoint, onBranch);
    if (!done) {
      const problem =
        (await checkFeatureBranch(p.worktree, { branch: p.branch, baseCommit: base })) ??
        `${p.branch} moved while Baton committed`;
      return { problem: `${problem}${await uncommittedNote(p.worktree)}` };
    }
    // Baton's own state or a nested repository on the branch: the feature fails, and Baton's commit
    // is taken back, so the branch never carries them and the agent's work stays in the worktree.
    const refused = unmergeableReason(await findUnmergeable(p.worktree, done));
    if (refused) {
      if (done.commit) await takeBackCommit(p.worktree, done.commit);
      return { problem: `${refused}${await uncommittedNote(p.worktree)}` };
    }
    ({ head: commit, files } = done);
  }
  const { usage } = run;
  const { exit } = run;
  ctx.sink.emit({
    type: 'agent.exited',
    feature_id: id,
    exit_code: exit.exitCode,
    signal: exit.signal,
    duration_ms: run.durationMs,
    files,
    ...(commit ? { commit } : {}),
    ...(exit.timedOut ? { timed_out: true } : {}),
    ...(interrupted ? { interrupted: true, uncommitted } : {}),
    ...(usage ? { usage } : {}),
    ...(exit.exitCode !== 0 ? { reason: describeExit(exit, run.timeoutMs) } : {}),
    ...(run.stoppedDaemons.length ? { stopped_daemons: [...run.stoppedDaemons] } : {}),
  });
  // The main checkout, the shared git config and other refs, looked at once the wave's last agent
  // ended; each change named once, attributed; reported, never silently kept or reverted.
  emitEscapes(ctx.sink, await ctx.findEscapes(), id);
  return { ...(commit ? { commit } : {}), files, ...(usage ? { usage } : {}) };
}

/** What a failure reason adds when Baton committed nothing and the agent's changes are still in the worktree. */
async function uncommittedNote(worktree: string): Promise<string> {
  const left = await statusEntries(worktree).catch(() => []);
  return left.length > 0
    ? `; Baton committed nothing: the agent's ${left.length} changed path(s) are left uncommitted in ${worktree}`
    : '';
}

/** Runs the feature's worktree checks through the run's sink, when a verifier is set. */
async function check(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  forkPoint: string,
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
    ...(settled.commit ? { commit: settled.commit } : {}),
    signal: ctx.opts.signal,
    sink: ctx.sink,
  });
}

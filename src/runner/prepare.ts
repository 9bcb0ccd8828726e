import { join } from 'node:path';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { dependenciesMissingFrom, forkPointOf, mergeDependencies } from '../git/feature-branch.js';
import { branchExists, git } from '../git/git.js';
import { clearStaleIndexLock } from '../git/index-lock.js';
import { addWorktreeForBranch } from '../git/merge.js';
import { statusEntries } from '../git/status.js';
import { checkOutSubmodules } from '../git/submodule-checkout.js';
import { finishUnfinishedCheckout } from '../git/worktree-batch.js';
import { listWorktrees, worktreeAt } from '../git/worktree-list.js';
import { type ProvenWorktree, proveFeatureWorktree } from '../git/worktree-proof.js';
import { carriedOutsideOwns, dependencyBranches, ownWorkStartOf } from '../integrate/own-work-start.js';
import {
  describeExit,
  type ProcessExit,
  type Supervised,
  spawnSupervised,
  tailLines,
} from '../process/supervise.js';
import { writeStateFile } from '../state-write.js';
import { provenBatonCommit } from './baton-commit.js';
import type { FeatureResult, RunContext } from './context.js';
import { describeTimeLimit, featureTimeLimit, type TimeLimit } from './outcome.js';
import type { FeaturePaths } from './preflight.js';
import { inspectResumedBranch } from './restart.js';
import type { FinishedAgent, ResumedBranch } from './resume.js';
import { resumeRunCommand, runAgainFlags } from './resume-command.js';
import { addFeatureWorktree, copyIntoWorktree, readWorktreeInclude } from './worktree.js';

function recordWorktree(
  ctx: RunContext,
  id: string,
  p: FeaturePaths,
  forkPoint: string,
  reused: boolean,
  resumed?: ResumedBranch,
) {
  ctx.sink.emit({
    type: 'worktree.created',
    feature_id: id,
    path: p.worktree,
    branch: p.branch,
    base_commit: forkPoint,
    reused,
    ...resumed,
  });
}

/** Where a prepared feature's branch stands. */
export interface Prepared {
  /** The commit the feature's own work is measured from: its changed files, its checks, the radar. */
  forkPoint: string;
  /**
   * The commit its branch was cut from, which the branch must still descend from when Baton commits
   * the agent's work: the run's base for a new branch, the branch's own fork point for a resumed one.
   */
  base: string;
  /** A resumed feature whose agent had finished, its work still the branch's tip: only its checks run again. */
  finished?: FinishedAgent;
  /**
   * Files the work its branch carries from its dependencies brings that none of them owns
   * (`carriedOutsideOwns`): its owns check counts them as its own.
   */
  carried?: string[];
}

/**
 * Creates the feature's worktree and branch (or reuses them when resuming), merges its
 * dependencies' branches in with `--wait-for-deps`, copies untracked files in, and returns where
 * the feature's own work is measured from and the base its branch must keep.
 */
export async function prepareWorktree(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
): Promise<Prepared> {
  const { opts } = ctx;
  const id = feature.feature_id;
  if (opts.resume && (await branchExists(opts.root, p.branch))) return reuseBranch(ctx, feature, p);
  // Only the ref and the admin files need the lock; the checkout itself runs in parallel.
  await addFeatureWorktree(
    opts.root,
    { path: p.worktree, branch: p.branch, base: ctx.baseCommit },
    ctx.gitLock,
    { runId: ctx.runId, logPath: opts.logPath },
  );
  ctx.repoGuard.worktreeMade(p.worktree);
  // Cut from the base, the branch has no work yet: its own starts at the base.
  const own = opts.waitForDeps ? await stackOnDependencies(ctx, feature, p) : { forkPoint: ctx.baseCommit };
  recordWorktree(ctx, id, p, own.forkPoint, false);
  // Before the copy: a submodule's folder is checked out only while it is as `worktree add` left it.
  await checkOutWorktreeSubmodules(ctx, id, p.worktree);
  const copied = await copyIntoWorktree(opts.root, p.worktree, [
    ...opts.config.copy,
    ...readWorktreeInclude(opts.root),
  ]);
  if (copied.length > 0) writeStateFile(p.stateDir, join(p.dir, 'copied.txt'), `${copied.join('\n')}\n`);
  return { ...own, base: ctx.baseCommit };
}

/**
 * Checks out, in a worktree just made, the submodules the main checkout has populated
 * (`checkOutSubmodules`); one that could not be is a warning of the run's, never a failure.
 */
async function checkOutWorktreeSubmodules(ctx: RunContext, id: string, worktree: string): Promise<void> {
  for (const warning of await checkOutSubmodules(ctx.opts.root, worktree))
    ctx.opts.onWarning?.(`${id}: ${warning}`);
}

/**
 * With `--wait-for-deps`, builds on the dependencies' real code: merges their branches into the
 * feature's branch, fresh from the base. Each is complete: one of this run's was waited for, any
 * other was proved complete before the run began; one whose work the base holds, its branch gone
 * (`ctx.depsInBase`), is there already.
 */
async function mergeDependenciesInto(ctx: RunContext, feature: Contract, p: FeaturePaths): Promise<void> {
  const deps = onBranches(ctx, feature);
  const merged = await mergeDependencies(p.worktree, feature.feature_id, deps);
  if (!merged.ok) {
    throw new UserError(
      'run/dependency-merge',
      `could not merge dependency ${merged.dependency} into ${p.branch}: ${tailLines(merged.output, 5)}`,
    );
  }
}

/**
 * Cuts the feature's branch on top of its dependencies (`mergeDependenciesInto`) and returns where its
 * own work starts by the one rule (`ownWorkStart`): the merges' head, each proven to bring nothing of
 * its own, as `baton verify` and `baton integrate` will find it.
 */
async function stackOnDependencies(ctx: RunContext, feature: Contract, p: FeaturePaths): Promise<OwnStart> {
  await mergeDependenciesInto(ctx, feature, p);
  return ownWorkStart(ctx, feature, p);
}

/** Where a feature's own work starts, and what its carried work brings that no dependency owns. */
type OwnStart = Pick<Prepared, 'forkPoint' | 'carried'>;

/**
 * Where the feature's own work starts on its branch above the run's base (`ownWorkStartOf`, the rule
 * `baton verify` and `baton integrate` measure by): for a branch cut on top of its dependencies, beyond
 * their work and the merges that stacked it on them, not from the base, which would count their files
 * as its own; with the files that work brings that none of them owns (`carriedOutsideOwns`).
 * `present`: its dependencies that have a branch, when already found.
 */
async function ownWorkStart(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  present?: readonly string[],
): Promise<OwnStart> {
  const id = feature.feature_id;
  const { root, plan } = ctx.opts;
  const own = await ownWorkStartOf(
    root,
    ctx.baseCommit,
    { ...feature, branch: p.branch },
    plan.features,
    present,
  );
  if (own.start !== undefined) {
    const carried = await carriedOutsideOwns(root, ctx.baseCommit, own, plan.features);
    return { forkPoint: own.start, ...(carried.length > 0 ? { carried } : {}) };
  }
  throw new UserError(
    'run/resume-unrelated',
    `${p.branch} shares no history with the base ${ctx.baseCommit.slice(0, 8)}, so Baton cannot tell where its work starts; its agent was not started. Resume with --base <the commit it was cut from>, or start it over with --restart ${id}`,
  );
}

/**
 * Where a kept branch's own work starts: by the one rule (`ownWorkStart`) when a dependency of its has
 * a branch whose work it may carry, else at `forkPoint`, where it meets the base (no more git asked).
 */
async function keptStart(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  forkPoint: string,
): Promise<OwnStart> {
  const present = await dependencyBranches(ctx.opts.root, feature, ctx.opts.plan.features);
  return present.length > 0 ? ownWorkStart(ctx, feature, p, present) : { forkPoint };
}

/** The feature's dependencies that have a branch to merge: all but those whose work the base holds. */
function onBranches(ctx: RunContext, feature: Contract): string[] {
  return feature.depends_on.features.filter((d) => !ctx.depsInBase.has(d)).sort();
}

/**
 * With `--wait-for-deps`, a resumed branch kept as it is must hold its dependencies' code: one cut
 * before a dependency completed (a run that forgot the mode), or behind a dependency that moved on
 * since, is refused before its agent starts, saying how to start it over on top of them.
 */
async function refuseMissingDependencies(ctx: RunContext, feature: Contract, p: FeaturePaths): Promise<void> {
  const id = feature.feature_id;
  const missing = await dependenciesMissingFrom(ctx.opts.root, p.branch, onBranches(ctx, feature));
  if (missing.length === 0) return;
  // Started over from the base: this run's, which a resume takes from its command line only.
  const restart = resumeRunCommand([], runAgainFlags(ctx.opts), { waitForDeps: true, restart: [id] });
  throw new UserError(
    'run/resume-missing-dependency',
    `${p.branch} lacks the latest code of its dependency ${missing.join(', ')} (cut before it was complete, or it moved on since), so its agent was not started; start it over on top of them with \`${restart}\``,
    {
      hint: `Start it over on top of its dependencies: ${restart} (its commits are kept under refs/baton/restart-backup/)`,
    },
  );
}

/**
 * A resumed feature: its branch and worktree reused (the worktree re-added if its folder was removed),
 * the dead run's commits kept. The branch keeps the base an earlier run cut it from, found by git as
 * where it meets this run's base: commits on the main branch since then do not move it. `--restart
 * <id>` starts it over from this run's base, keeping the dropped commits under a backup ref and
 * refusing a worktree with anything uncommitted. A branch that shares no history with the base is
 * refused before its agent starts.
 */
async function reuseBranch(ctx: RunContext, feature: Contract, p: FeaturePaths): Promise<Prepared> {
  const { opts } = ctx;
  const id = feature.feature_id;
  const restart = opts.restart?.includes(id) ?? false;
  const base = restart ? ctx.baseCommit : await forkPointOf(opts.root, ctx.baseCommit, p.branch);
  if (base === undefined) {
    throw new UserError(
      'run/resume-unrelated',
      `${p.branch} shares no history with the base ${ctx.baseCommit.slice(0, 8)}, so Baton cannot tell what it was cut from; its agent was not started. Resume with --base <the commit it was cut from>, or start it over with --restart ${id}`,
    );
  }
  if (opts.waitForDeps && !restart) await refuseMissingDependencies(ctx, feature, p);
  const existing = worktreeAt(await listWorktrees(opts.root), p.worktree);
  const readded = !existing || existing.prunable;
  if (readded) {
    await ctx.gitLock(async () => {
      // Its folder was deleted by hand: forget the stale registration so the branch can be checked out again.
      if (existing) await git(opts.root, ['worktree', 'prune']);
      await addWorktreeForBranch(opts.root, p.worktree, p.branch);
      ctx.repoGuard.worktreeMade(p.worktree);
    });
  }
  // Nothing runs in the folder before it is proven the branch's worktree: a symlink or another
  // repository put there would have the agent, a checkout or a restart work in the user's checkout.
  const worktree = await proveFeatureWorktree(opts.root, p.worktree, p.branch);
  // A worktree the dead run added but never checked out (no agent ever ran in it) is checked out now.
  const checkedOut = await finishUnfinishedCheckout(worktree.path);
  // Made again, or checked out only now: its submodules are as `worktree add` left them.
  if (readded || checkedOut) await checkOutWorktreeSubmodules(ctx, id, worktree.path);
  // A git killed with the dead run (its `git add --all`) left its lock: the agent's work could not be
  // recorded. A re-attached agent works on in the worktree: its lock is its own.
  const lockRemoved =
    !ctx.adopted.has(id) && clearStaleIndexLock(worktree, `baton run --resume ${id}`)
      ? { index_lock_removed: true as const }
      : {};
  // Kept, its work is measured from where its own starts (a stacked branch: beyond its dependencies').
  const kept = restart ? undefined : await keptStart(ctx, feature, p, base);
  const finished =
    kept === undefined
      ? undefined
      : await finishedAgent(ctx, id, worktree, { base, forkPoint: kept.forkPoint });
  const resumed = await inspectResumedBranch(worktree, {
    unitId: id,
    baseCommit: base,
    restart,
    ...(finished ? { finished } : {}),
  });
  // Started over, it is cut afresh: on top of its dependencies, with `--wait-for-deps`.
  const own = kept ?? (opts.waitForDeps ? await stackOnDependencies(ctx, feature, p) : { forkPoint: base });
  const { forkPoint } = own;
  recordWorktree(ctx, id, p, forkPoint, true, {
    ...resumed,
    ...(readded ? { readded: true } : {}),
    ...(checkedOut ? { checked_out_again: true } : {}),
    ...lockRemoved,
  });
  return { ...own, base, ...(resumed.agent_finished && finished ? { finished } : {}) };
}

/**
 * The agent of a resumed feature that had finished: one the log saw end (`finishedAgents`), else one
 * whose run died before logging its end but whose work Baton had committed (`provenBatonCommit`). A
 * re-attached agent is at work in its window: never one that finished.
 */
async function finishedAgent(
  ctx: RunContext,
  id: string,
  worktree: ProvenWorktree,
  cut: { base: string; forkPoint: string },
): Promise<FinishedAgent | undefined> {
  const logged = ctx.finishedAgents.get(id);
  if (logged) return logged;
  const runId = ctx.cutOffAgents.get(id);
  if (runId === undefined || ctx.adopted.has(id)) return undefined;
  return provenBatonCommit(worktree, { runId, unitId: id, ...cut });
}

/** What `runSetup` is given besides the run and the contract. */
export interface SetupInput {
  p: FeaturePaths;
  env: NodeJS.ProcessEnv;
  /** The feature's processes, stopped when it ends whatever happens. */
  owned: Set<Supervised>;
  prepared: Prepared;
}

/**
 * Runs the config's `setup` command in the new worktree, under the feature's time limit
 * (`timeout_minutes`), between `setup.started` and `setup.ended` (so `baton status` shows it running).
 * What it changes that git does not ignore (a rewritten lockfile) is said in `setup.ended` and the
 * run's output, and is left in the worktree: it is committed with the feature's work and `owns`
 * judges it, as before. Committing it apart would pass anything in the worktree by then (a resumed
 * agent's work, a copied `.env`, a port written per worktree) as setup's, past `owns` and into
 * integration. Returns the feature as prepared, or a result when setup failed, timed out or was
 * interrupted.
 */
export async function runSetup(
  ctx: RunContext,
  feature: Contract,
  { p, env, owned, prepared }: SetupInput,
): Promise<Prepared | FeatureResult> {
  const command = ctx.opts.config.setup;
  if (!command) return prepared;
  const id = feature.feature_id;
  const limit = featureTimeLimit(feature, ctx.opts.config);
  ctx.sink.emit({
    type: 'setup.started',
    feature_id: id,
    command,
    ...(limit ? { timeout_ms: limit.ms } : {}),
  });
  // What was already changed (a resumed worktree, files `copy` brought) is not setup's to report.
  const before = new Set((await statusEntries(p.worktree)).map((e) => e.path));
  const setup = spawnSupervised(command, {
    cwd: p.worktree,
    env,
    shell: true,
    logFile: p.logFile,
    ...(limit ? { timeoutMs: limit.ms } : {}),
  });
  owned.add(setup);
  ctx.running.add(setup);
  // A Ctrl-C that came while setup was being started found it not yet among the running.
  if (ctx.opts.signal.aborted) void setup.stop('interrupt');
  const exit = await setup.exited;
  ctx.running.delete(setup);
  owned.delete(setup);
  const ended = { type: 'setup.ended' as const, feature_id: id, exit_code: exit.exitCode };
  const failure = setupFailure(ctx, command, exit, limit, p.logFile);
  if (failure) {
    ctx.sink.emit({
      ...ended,
      duration_ms: Math.round(exit.durationMs),
      files: [],
      ...(exit.timedOut ? { timed_out: true } : {}),
      ...(failure.reason ? { reason: failure.reason } : {}),
    });
    return failure;
  }
  const changed = (await statusEntries(p.worktree)).map((e) => e.path).filter((f) => !before.has(f));
  ctx.sink.emit({ ...ended, duration_ms: Math.round(exit.durationMs), files: changed });
  return prepared;
}

/** How a setup that did not succeed ends the feature: interrupted, timed out (with its limit) or failed. */
function setupFailure(
  ctx: RunContext,
  command: string,
  exit: ProcessExit,
  limit: TimeLimit | undefined,
  logFile: string,
): FeatureResult | undefined {
  if (ctx.opts.signal.aborted) return { status: 'interrupted', reason: 'stopped during setup' };
  if (exit.timedOut) {
    const of = limit ? ` of ${describeTimeLimit(limit)}` : '';
    return {
      status: 'timeout',
      reason: `setup command "${command}" ran past its timeout${of} and was stopped; its agent was not started (see ${logFile})`,
    };
  }
  if (exit.exitCode === 0) return undefined;
  return {
    status: 'failed',
    reason: `setup command "${command}" failed: ${describeExit(exit)} (see ${logFile})`,
  };
}

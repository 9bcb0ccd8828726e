import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Contract } from '../contracts/schema.js';
import { UserError } from '../errors.js';
import { addWorktreeForBranch, forkPointOf, mergeDependencies } from '../git/feature-branch.js';
import { branchExists, git, listWorktrees } from '../git/git.js';
import { finishUnfinishedCheckout } from '../git/worktree-batch.js';
import { describeExit, type Supervised, spawnSupervised, tailLines } from '../process/supervise.js';
import type { FeatureResult, RunContext } from './context.js';
import { type FeaturePaths, worktreeAt } from './preflight.js';
import { type FinishedAgent, inspectResumedBranch, type ResumedBranch } from './resume.js';
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
  if (opts.resume && (await branchExists(opts.root, p.branch))) return reuseBranch(ctx, id, p);
  // Only the ref and the admin files need the lock; the checkout itself runs in parallel.
  await addFeatureWorktree(
    opts.root,
    { path: p.worktree, branch: p.branch, base: ctx.baseCommit },
    ctx.gitLock,
    ctx.runId,
  );
  let forkPoint = ctx.baseCommit;
  if (opts.waitForDeps) {
    // Build on the dependencies' real code: merge their branches into the fresh branch.
    const deps = feature.depends_on.features.filter((d) => ctx.selected.has(d)).sort();
    const merged = await mergeDependencies(p.worktree, id, deps);
    if (!merged.ok) {
      throw new UserError(
        'run/dependency-merge',
        `could not merge dependency ${merged.dependency} into ${p.branch}: ${tailLines(merged.output, 5)}`,
      );
    }
    forkPoint = merged.head;
  }
  recordWorktree(ctx, id, p, forkPoint, false);
  const copied = await copyIntoWorktree(opts.root, p.worktree, [
    ...opts.config.copy,
    ...readWorktreeInclude(opts.root),
  ]);
  if (copied.length > 0) writeFileSync(join(p.dir, 'copied.txt'), `${copied.join('\n')}\n`);
  return { forkPoint, base: ctx.baseCommit };
}

/**
 * A resumed feature: its branch and worktree reused (the worktree re-added if its folder was removed),
 * the dead run's commits kept. The branch keeps the base an earlier run cut it from, found by git as
 * where it meets this run's base: commits on the main branch since then do not move it. `--restart
 * <id>` starts it over from this run's base, keeping the dropped commits under a backup ref and
 * refusing a worktree with anything uncommitted. A branch that shares no history with the base is
 * refused before its agent starts.
 */
async function reuseBranch(ctx: RunContext, id: string, p: FeaturePaths): Promise<Prepared> {
  const { opts } = ctx;
  const restart = opts.restart?.includes(id) ?? false;
  const finished = ctx.finishedAgents.get(id);
  const base = restart ? ctx.baseCommit : await forkPointOf(opts.root, ctx.baseCommit, p.branch);
  if (base === undefined) {
    throw new UserError(
      'run/resume-unrelated',
      `${p.branch} shares no history with the base ${ctx.baseCommit.slice(0, 8)}, so Baton cannot tell what it was cut from; its agent was not started. Resume with --base <the commit it was cut from>, or start it over with --restart ${id}`,
    );
  }
  const existing = worktreeAt(await listWorktrees(opts.root), p.worktree);
  if (!existing || existing.prunable) {
    await ctx.gitLock(async () => {
      // Its folder was deleted by hand: forget the stale registration so the branch can be checked out again.
      if (existing) await git(opts.root, ['worktree', 'prune']);
      await addWorktreeForBranch(opts.root, p.worktree, p.branch);
    });
  }
  // A worktree the dead run added but never checked out (no agent ever ran in it) is checked out now.
  const checkedOut = await finishUnfinishedCheckout(p.worktree);
  const resumed = await inspectResumedBranch(p.worktree, {
    unitId: id,
    branch: p.branch,
    baseCommit: base,
    restart,
    ...(finished ? { finished } : {}),
  });
  recordWorktree(ctx, id, p, base, true, checkedOut ? { ...resumed, checked_out_again: true } : resumed);
  return { forkPoint: base, base, ...(resumed.agent_finished && finished ? { finished } : {}) };
}

/** Runs the config's `setup` command in the new worktree; a result when it failed or was interrupted. */
export async function runSetup(
  ctx: RunContext,
  p: FeaturePaths,
  env: NodeJS.ProcessEnv,
  owned: Set<Supervised>,
): Promise<FeatureResult | undefined> {
  const setupCommand = ctx.opts.config.setup;
  if (!setupCommand) return undefined;
  const setup = spawnSupervised(setupCommand, { cwd: p.worktree, env, shell: true, logFile: p.logFile });
  owned.add(setup);
  ctx.running.add(setup);
  const exit = await setup.exited;
  ctx.running.delete(setup);
  owned.delete(setup);
  if (ctx.opts.signal.aborted) return { status: 'interrupted', reason: 'stopped during setup' };
  if (exit.exitCode !== 0) {
    return {
      status: 'failed',
      reason: `setup command "${setupCommand}" failed: ${describeExit(exit)} (see ${p.logFile})`,
    };
  }
  return undefined;
}

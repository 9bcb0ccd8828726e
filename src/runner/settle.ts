/**
 * The settle step of a unit's lifecycle (feature.ts), once its agent has ended: Baton's commit of
 * what the agent left (on its branch only, above its base, and never Baton's own state or a nested
 * repository), the files the branch changed, the `agent.exited` event and the escapes seen since.
 */
import { agentLabel } from '../agents/registry.js';
import type { Contract } from '../contracts/schema.js';
import { GitDeadlineError, gitDeadlineMs } from '../git/deadline.js';
import { changedFiles, commonGitDir, git } from '../git/git.js';
import { gitInfoFilesProblem } from '../git/info-files.js';
import { type Committed, commitOnBranch, type OnBranch } from '../git/sequence.js';
import { statusEntries } from '../git/status.js';
import { submodulesWithChanges } from '../git/submodule-checkout.js';
import { checkFeatureBranch } from '../guard/branch-check.js';
import type { Straggler } from '../guard/daemons.js';
import type { AgentUsage } from '../log/events.js';
import { describeExit } from '../process/supervise.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import { agentExitTrailer, batonCommitMessage } from './baton-commit.js';
import type { RunContext } from './context.js';
import { emitEscapes } from './escapes.js';
import type { AgentRun } from './launch.js';
import type { FeaturePaths } from './preflight.js';
import type { Prepared } from './prepare.js';
import { type RunAgainFlags, resumeRunCommand } from './resume-command.js';
import { findUnmergeable, takeBackCommit, unmergeableReason } from './unmergeable.js';

/** What the agent left on its branch. */
export interface Settled {
  commit?: string;
  files: string[];
  usage?: AgentUsage;
}

/** Commits what the agent left, lists the files the branch changed, and records the exit and any escapes. */
export async function settle(
  ctx: RunContext,
  feature: Contract,
  p: FeaturePaths,
  { forkPoint, base }: Prepared,
  run: AgentRun & { stoppedDaemons: readonly Straggler[] },
  interrupted: boolean,
): Promise<Settled | { problem: string }> {
  const id = feature.feature_id;
  const { spec } = ctx.agents.get(id)!;
  // An `info/exclude` or `info/attributes` an agent replaced with a FIFO would hang every git below.
  const blocked = gitInfoFilesProblem(await commonGitDir(ctx.opts.root));
  if (blocked) return { problem: blocked };
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
    const done = await commitUnderDeadline(ctx, p.worktree, message, forkPoint, onBranch);
    if (done instanceof GitDeadlineError) return { problem: done.message };
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
    await reportSubmoduleChanges(ctx, id, p);
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

/**
 * Baton's commit of the agent's work (`commitOnBranch`) under a deadline: a FIFO `.gitignore` or
 * `.gitattributes` the agent left blocks `git add` for ever. Past it, the `GitDeadlineError` that says
 * so, for the feature to fail with, no more git run in that worktree.
 */
function commitUnderDeadline(
  ctx: RunContext,
  worktree: string,
  message: string,
  from: string,
  onBranch: OnBranch,
): Promise<Committed | undefined | GitDeadlineError> {
  const limits = {
    deadlineMs: gitDeadlineMs(),
    signal: ctx.opts.signal,
    what: "Baton's commit of the agent's work (git add --all, git commit)",
  };
  return commitOnBranch(worktree, message, from, onBranch, limits).catch((err: unknown) => {
    if (err instanceof GitDeadlineError) return err;
    throw err;
  });
}

/**
 * Says, as a warning of the run's, which checked-out submodules hold changes Baton's commit could not
 * take (`submodulesWithChanges`): they are work of the agent's that is not on the branch, kept in the
 * worktree, and `baton clean` refuses to remove it while they are there.
 */
async function reportSubmoduleChanges(ctx: RunContext, id: string, p: FeaturePaths): Promise<void> {
  const subs = (await submodulesWithChanges(p.worktree)).map((s) => escapeControl(s));
  if (subs.length === 0) return;
  const one = subs.length === 1;
  ctx.opts.onWarning?.(
    `${id}: changes inside submodule${one ? '' : 's'} ${someOf(subs, 5)} are not on ${p.branch} (Baton commits the worktree's own files, and a submodule's only as the commit its HEAD is at); they are kept in ${escapeControl(p.worktree)}: commit them inside the submodule, then commit the submodule in the worktree, if the work needs them`,
  );
}

/** What a failure reason adds when Baton committed nothing and the agent's changes are still in the worktree. */
async function uncommittedNote(worktree: string): Promise<string> {
  const left = await statusEntries(worktree).catch(() => []);
  return left.length > 0
    ? `; Baton committed nothing: the agent's ${left.length} changed path(s) are left uncommitted in ${worktree}`
    : '';
}

/**
 * Why a feature whose worktree folder was removed while its agent ran (by the agent, or by hand)
 * failed; the resume it names carries the run's `--base` and `--agent` (`again`).
 */
export function worktreeGone(id: string, p: FeaturePaths, again: RunAgainFlags = {}): string {
  return `its worktree ${p.worktree} was removed while the agent ran, so none of its uncommitted work could be recorded (what it committed is on ${p.branch}); run it again with \`${resumeRunCommand([id], again)}\`, which makes the worktree again`;
}

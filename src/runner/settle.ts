/**
 * The settle step of a unit's lifecycle (feature.ts), once its agent has ended: Baton's commit of
 * what the agent left (on its branch only, above its base, and never Baton's own state or a nested
 * repository), the files the branch changed, the `agent.exited` event and the escapes seen since.
 */
import { agentLabel } from '../agents/registry.js';
import { featureOfUnit } from '../contracts/feature-id.js';
import type { Contract } from '../contracts/schema.js';
import { deadlineAsValue, GitDeadlineError, gitDeadlineMs } from '../git/deadline.js';
import { changedFilesArgs, changedFilesOf, commonGitDir } from '../git/git.js';
import { gitInfoFilesProblem } from '../git/info-files.js';
import {
  type Committed,
  commitOnBranch,
  gitSequence,
  type OnBranch,
  type SequenceLimits,
  throwOnFailure,
} from '../git/sequence.js';
import { parsePorcelainStatus, STATUS_ARGS, type StatusEntry } from '../git/status.js';
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
import { type RunAgainFlags, resumeRunCommand, runAgainFlags } from './resume-command.js';
import { addFailureReason, findUnmergeable, takeBackCommit, unmergeableReason } from './unmergeable.js';

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
    const read = await readInterrupted(ctx, p.worktree, forkPoint);
    if (read instanceof GitDeadlineError) return { problem: read.message };
    ({ commit, files, uncommitted } = read);
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
    if (done && 'problem' in done) return done;
    if (!done) {
      // A best-of-N attempt's unit goes on with its feature.
      const owner = featureOfUnit(id);
      const resume = resumeRunCommand([owner], runAgainFlags(ctx.opts));
      const problem =
        (await checkFeatureBranch(p.worktree, { branch: p.branch, baseCommit: base, resume })) ??
        `${p.branch} moved while Baton committed`;
      return { problem: `${problem}${await uncommittedNote(ctx, p.worktree)}` };
    }
    // Baton's own state or a nested repository on the branch: the feature fails, and Baton's commit
    // is taken back, so the branch never carries them and the agent's work stays in the worktree.
    const refused = unmergeableReason(await findUnmergeable(p.worktree, done));
    if (refused) return { problem: await refuseCommit(ctx, p.worktree, done, refused) };
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
 * Why a feature whose branch Baton refused (`refused`) failed, once Baton's commit is taken back
 * (`takeBackCommit`) under the git deadline. Past it no more git is run in that worktree (the note's
 * `git status` would wait as long): the reason then says the take-back was stopped.
 */
async function refuseCommit(
  ctx: RunContext,
  worktree: string,
  done: Committed,
  refused: string,
): Promise<string> {
  if (done.commit) {
    const limits = gitLimits(ctx, "Baton's take-back of its refused commit (git reset)");
    const back = await deadlineAsValue(takeBackCommit(worktree, done.commit, limits));
    if (back instanceof GitDeadlineError) return `${refused}; ${back.message}`;
  }
  return `${refused}${await uncommittedNote(ctx, worktree)}`;
}

/**
 * Baton's commit of the agent's work (`commitOnBranch`) under a deadline: a FIFO `.gitignore` or
 * `.gitattributes` the agent left blocks `git add` for ever. Past it, the `GitDeadlineError` that says
 * so, for the feature to fail with, no more git run in that worktree. A `git add` refused for a nested
 * repository with no commit is a problem in words (`addFailureReason`).
 */
async function commitUnderDeadline(
  ctx: RunContext,
  worktree: string,
  message: string,
  from: string,
  onBranch: OnBranch,
): Promise<Committed | undefined | GitDeadlineError | { problem: string }> {
  const limits = gitLimits(ctx, "Baton's commit of the agent's work (git add --all, git commit)");
  try {
    return await deadlineAsValue(commitOnBranch(worktree, message, from, onBranch, limits));
  } catch (err) {
    // A nested repository with no commit makes `git add --all` fail: say so, not git's words.
    const reason = addFailureReason(worktree, await statusUnderDeadline(ctx, worktree), err);
    return { problem: `${reason}${await uncommittedNote(ctx, worktree)}` };
  }
}

/**
 * Says, as a warning of the run's, which checked-out submodules hold changes Baton's commit could not
 * take (`submodulesWithChanges`): they are work of the agent's that is not on the branch, kept in the
 * worktree, and `baton clean` refuses to remove it while they are there. Under the git deadline: a FIFO
 * `.gitignore` the agent left in a submodule blocks `git status`; past it, the warning says so instead.
 */
async function reportSubmoduleChanges(ctx: RunContext, id: string, p: FeaturePaths): Promise<void> {
  const limits = gitLimits(ctx, "Baton's look at the worktree's submodules (git status)");
  const found = await deadlineAsValue(submodulesWithChanges(p.worktree, limits));
  if (found instanceof GitDeadlineError) {
    ctx.opts.onWarning?.(`${id}: ${found.message}`);
    return;
  }
  const subs = found.map((s) => escapeControl(s));
  if (subs.length === 0) return;
  const one = subs.length === 1;
  ctx.opts.onWarning?.(
    `${id}: changes inside submodule${one ? '' : 's'} ${someOf(subs, 5)} are not on ${p.branch} (Baton commits the worktree's own files, and a submodule's only as the commit its HEAD is at); they are kept in ${escapeControl(p.worktree)}: commit them inside the submodule, then commit the submodule in the worktree, if the work needs them`,
  );
}

/**
 * The git deadline's limits for a settle's git calls in the worktree (`what` names them): a FIFO
 * `.gitignore` or `.gitattributes` the agent left blocks `git status` as it blocks `git add`.
 */
function gitLimits(ctx: RunContext, what: string): SequenceLimits {
  return { deadlineMs: gitDeadlineMs(), signal: ctx.opts.signal, what };
}

/** The worktree's changed paths (`statusEntries`' status) under the git deadline; none when git fails. */
async function statusUnderDeadline(ctx: RunContext, worktree: string): Promise<StatusEntry[]> {
  const [status] = await gitSequence(
    worktree,
    [{ args: STATUS_ARGS, mayFail: true }],
    gitLimits(ctx, "Baton's look at the agent's uncommitted work (git status)"),
  );
  return status?.exitCode === 0 ? parsePorcelainStatus(status.stdout) : [];
}

/**
 * What an interrupted agent left: HEAD, the files changed since the fork point, and how many paths are
 * uncommitted (read, nothing committed), in one process under the git deadline; past it, the
 * `GitDeadlineError` for the feature to fail with.
 */
async function readInterrupted(
  ctx: RunContext,
  worktree: string,
  forkPoint: string,
): Promise<{ commit: string; files: string[]; uncommitted: number } | GitDeadlineError> {
  const steps = [
    { args: ['rev-parse', 'HEAD'] },
    { args: changedFilesArgs(forkPoint, 'HEAD', false) },
    { args: STATUS_ARGS, mayFail: true },
  ];
  const limits = gitLimits(ctx, "Baton's look at the interrupted agent's work (git rev-parse, diff, status)");
  const out = await deadlineAsValue(gitSequence(worktree, steps, limits));
  if (out instanceof GitDeadlineError) return out;
  throwOnFailure(steps, out);
  const [head, diff, status] = out;
  return {
    commit: head?.stdout.trim() ?? '',
    files: changedFilesOf(diff?.stdout ?? ''),
    uncommitted: status?.exitCode === 0 ? parsePorcelainStatus(status.stdout).length : 0,
  };
}

/**
 * What a failure reason adds when Baton committed nothing and the agent's changes are still in the
 * worktree; nothing when git could not say within its deadline (the reason stands without the note).
 */
async function uncommittedNote(ctx: RunContext, worktree: string): Promise<string> {
  const left = await statusUnderDeadline(ctx, worktree).catch(() => []);
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

import { featureOfUnit, parseAttemptUnitId } from '../contracts/feature-id.js';
import { UserError } from '../errors.js';
import type { Plan } from '../graph/types.js';
import { findLiveRun, queuedRunToResume, resumeCommand, runLiveness } from '../guard/liveness.js';
import type { Orphan, RefusedGroup } from '../guard/orphans.js';
import { sessionName } from '../interactive/tmux.js';
import { lockPath, runLockHolder, stopHolderHint } from '../lock/baton-lock.js';
import type { BatonState } from '../log/fold.js';
import { foldLastRun } from '../log/last-run.js';
import type { FeatureState } from '../log/state.js';
import { selectFeatures } from '../project.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import { type RunAgainFlags, resumeRunCommand, runCommand } from './resume-command.js';

/** Refuses to resume while the orchestrator of any run that has not ended is still alive. */
export function assertNoLiveRun(state: BatonState, root: string): void {
  const live = findLiveRun(state, runLiveness(root));
  if (live && live.pid !== process.pid) {
    // A live run is one the run lock names (`runLiveness`): how to stop it is the lock's one rule, which
    // offers `kill -INT` only for a holder proven to be Baton (the pid comes from files anyone can write).
    const holder = runLockHolder(root);
    const stop = holder
      ? stopHolderHint(holder, lockPath(root, 'run'))
      : 'stop it with Ctrl-C in its terminal';
    throw new UserError(
      'run/in-progress',
      `run ${escapeControl(live.run_id)} is still in progress (baton pid ${live.pid})`,
      { hint: `Wait for it, or ${stop}, before resuming.` },
    );
  }
}

/**
 * Refuses a resume on this machine of a queued run that did not finish: it would run every feature
 * again in local worktrees and leave the workers' finished jobs unpromoted; `--queue … --resume` re-attaches.
 */
export function assertNotQueuedRun(state: BatonState): void {
  const queued = queuedRunToResume(state);
  if (!queued) return;
  throw new UserError(
    'run/resume-queued',
    // The run id and URL come from the log: shown with their control characters escaped.
    `run ${escapeControl(queued.run_id)} put its features on the queue ${escapeControl(queued.queue.url)}; \`baton run --resume\` here would run them all again on this machine`,
    { hint: `Re-attach to its jobs with ${resumeCommand(queued.queue)}.` },
  );
}

/** An earlier run's agent that ended on its own, exit 0, its work committed by Baton, its checks not finished. */
export interface FinishedAgent {
  /** The commit Baton made of its work (`agent.exited`, or its trailers when the run died first: `provenBatonCommit`). */
  commit: string;
  /** The files its branch changed. */
  files: string[];
}

/** The statuses of a feature whose checks an earlier run began and did not finish (killed, or Ctrl-C). */
const CHECKS_CUT_SHORT = new Set(['verifying', 'interrupted']);

/**
 * Every unit a resume may run an agent in: the features, and best-of-N attempts (`<id>.a<n>`, folded
 * apart in `attempt_units`), each keyed by its unit id in `feature_id`.
 */
function resumableUnits(state: BatonState): FeatureState[] {
  return [...Object.values(state.features), ...Object.values(state.attempt_units ?? {})];
}

/**
 * The units (features and best-of-N attempts) whose agent an earlier run saw end on its own with exit 0 and work that Baton
 * committed, but whose checks were cut short (pure): a resume checks them again without paying for
 * another agent session, when their branch still ends at that commit (`inspectResumedBranch`).
 */
export function finishedAgents(state: BatonState): Map<string, FinishedAgent> {
  const out = new Map<string, FinishedAgent>();
  for (const f of resumableUnits(state)) {
    if (!CHECKS_CUT_SHORT.has(f.status) || f.exit_code !== 0 || f.agent_interrupted || f.agent_superseded)
      continue;
    if (f.commit === undefined || f.files.length === 0) continue;
    out.set(f.feature_id, { commit: f.commit, files: [...f.files] });
  }
  return out;
}

/**
 * The units (features and best-of-N attempts) whose agent an earlier run started and never logged the end of (its orchestrator
 * killed), by the id of the run that started it (pure): Baton may have committed its work before the
 * run died, which a resume can prove from the branch's tip (`provenBatonCommit`).
 */
export function agentsCutOff(state: BatonState): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of resumableUnits(state)) {
    // `feature.started` sets the run and clears the exit code; only `agent.exited` sets it again.
    if (f.status === 'complete' || f.run_id === undefined || f.exit_code !== undefined) continue;
    out.set(f.feature_id, f.run_id);
  }
  return out;
}

/** What a resumed feature branch already holds from the dead run. */
export interface ResumedBranch {
  /** Commits on the branch beyond the run's base (the dead run's agent work). */
  kept_commits: number;
  /** The branch was reset to the base (`--restart <id>`), dropping those commits. */
  restarted?: true;
  /** With `restarted`: the commits dropped from the branch (newest first), kept reachable by `backup`. */
  dropped_commits?: string[];
  /** With `restarted` and commits dropped: the ref that keeps the branch's old tip. */
  backup?: string;
  /** The dead run had added the worktree but not finished its checkout (no agent ran in it): checked out now. */
  checked_out_again?: true;
  /** A stale `index.lock` a killed git left in the worktree (used by no live process) was removed. */
  index_lock_removed?: true;
  /** The branch still ends at the commit of an agent that had finished (`FinishedAgent`): only its checks run again. */
  agent_finished?: string;
}

/** What `--restart` may name: the units of the run, and what an earlier run left of them. */
export interface RestartRequest {
  resume: boolean;
  /** The names given to `--restart`. */
  restart: readonly string[];
  /** The features the run selects. */
  featureIds: readonly string[];
  /** Every feature of the plan, in plan order: a name that is none of them (nor an attempt of one) is a typo. */
  planIds: readonly string[];
  /** The run's units: features, and best-of-N attempts (`<id>.a<n>`). */
  units: ReadonlyArray<{ id: string; featureId: string }>;
  /** Whether a feature ended complete in an earlier run (a resume skips it). */
  complete: (featureId: string) => boolean;
  /** Whether an attempt ended in an earlier run (a resume keeps it and does not run it again). */
  kept: (unitId: string) => boolean;
  /** The run's `--base` and `--agent`, which the commands the refusals name carry (`runAgainFlags`). */
  again?: RunAgainFlags;
}

function restartUsage(code: string, message: string, hint: string): UserError {
  return new UserError(code, message, { hint, exitCode: 2 });
}

/**
 * The names `--restart` is to act on, with the attempts a best-of-N feature's name stands for (pure).
 * Each name must be a feature the run selects (or one of its attempts) that the resume will run; a
 * name that would be silently ignored is a usage error (exit 2) that says why: a feature complete in
 * an earlier run (whether or not the run selects it, so no hint leads to it), `--restart` without
 * `--resume` (its hint, a command that resumes the named features, works as given), a feature not
 * selected, attempts all kept from an earlier run; and first of all a name that is no feature of the
 * plan (a typo), with the known ids.
 */
export function restartUnits(r: RestartRequest): string[] {
  if (r.restart.length === 0) return [];
  // A name that is no feature is said first: every other refusal's hint would carry it on.
  const known = new Set(r.planIds);
  const unknown = r.restart.filter((n) => !known.has(featureOfUnit(n)));
  if (unknown.length > 0) {
    throw restartUsage(
      'run/restart-unknown',
      `--restart ${unknown.join(' ')}: there is no such feature; known ids: ${r.planIds.join(', ') || '(none)'}`,
      'Name a feature of the plan (`baton plan` lists them).',
    );
  }
  const out = new Set(r.restart);
  const features = new Set<string>();
  for (const name of r.restart) {
    const units = r.units.filter((u) => u.id === name || u.featureId === name);
    const feature = units[0]?.featureId ?? featureOfUnit(name);
    features.add(feature);
    if (r.complete(feature)) {
      throw restartUsage(
        'run/restart-complete',
        `--restart ${name}: ${feature} is complete, and a resume skips complete features, so nothing would restart`,
        `Leave it out of --restart. To do it again from the base, remove it first with \`baton clean ${feature}\` (once its work is merged; \`baton clean --force ${feature}\` discards it), then run \`${runCommand([feature], r.again)}\`.`,
      );
    }
    if (!r.resume) continue;
    if (units.length === 0) throw notRestartable(r, name, feature);
    const runs = units.filter((u) => !r.kept(u.id));
    if (runs.length === 0) throw allKept(r, name, units);
    for (const u of runs) out.add(u.id);
  }
  if (!r.resume) {
    // The hint names the features too: a resume given no ids runs the last run's, which may not hold them.
    const names = r.restart.join(' ');
    throw restartUsage(
      'run/restart-without-resume',
      `--restart ${names} works only with --resume: it starts over a branch that a resumed run would continue, and a run without --resume reuses no branch`,
      `Run \`${resumeRunCommand([...features], r.again, { restart: r.restart })}\`.`,
    );
  }
  return [...out];
}

/**
 * The refusal of a `--restart` name that is no unit of the resume: a feature it does not select, or
 * an attempt its feature (selected) does not have, with the names that would work.
 */
function notRestartable(r: RestartRequest, name: string, feature: string): UserError {
  const resume = (restart: string) => resumeRunCommand(r.featureIds, r.again, { restart: [restart] });
  const own = r.units.filter((u) => u.featureId === feature);
  if (own.length === 0) {
    return restartUsage(
      'run/restart-not-selected',
      `--restart ${name}: ${name} is not a feature this run selects (${r.featureIds.join(', ')}), so nothing would restart`,
      `Name one of those, or select the feature too: \`${resumeRunCommand([...r.featureIds, feature], r.again, { restart: [name] })}\`.`,
    );
  }
  const n = parseAttemptUnitId(name)?.attempt;
  if (own.every((u) => u.id === feature)) {
    return restartUsage(
      'run/restart-no-attempt',
      `--restart ${name}: ${feature} runs as one agent in this run, with no attempt ${n}, so nothing would restart`,
      `Name the feature: \`${resume(feature)}\`.`,
    );
  }
  const runs = own.filter((u) => !r.kept(u.id)).map((u) => u.id);
  return restartUsage(
    'run/restart-no-attempt',
    `--restart ${name}: ${feature} has no attempt ${n} in this run; its attempts are ${own.map((u) => u.id).join(', ')}, so nothing would restart`,
    runs.length > 0
      ? `Name an attempt the resume runs again (${runs.join(', ')}): \`${resume(runs[0] ?? feature)}\`; \`--restart ${feature}\` names every one of those.`
      : `Leave it out of --restart: the resume keeps every attempt of ${feature}, which ended in an earlier run.`,
  );
}

/**
 * The refusal of a `--restart` name whose attempts all ended in an earlier run, kept by the resume.
 * `clean` refuses an attempt while its feature is undecided, as it is on a resume, but `--force` removes
 * it (its tip kept as a backup), and a resume runs again an attempt whose branch is gone (`unbackedAttempts`).
 */
function allKept(r: RestartRequest, name: string, units: ReadonlyArray<{ id: string }>): UserError {
  const many = units.length > 1;
  const them = many ? 'them' : 'it';
  return restartUsage(
    'run/restart-kept',
    `--restart ${name}: ${many ? 'its attempts' : name} ended in an earlier run and the resume keeps ${them} without running ${them} again, so nothing would restart`,
    `Leave it out of --restart. To run ${them} again, discard ${them} first: \`baton clean --force ${units.map((u) => u.id).join(' ')}\` (${many ? 'their tips' : 'its tip'} kept as a backup), then \`${resumeRunCommand(r.featureIds, r.again)}\` runs ${them} again.`,
  );
}

/**
 * What a resumed run did, in words for the live output (pure), one note a line: the tmux windows it
 * re-attached to, the orphaned agents it stopped, the groups it left alone, and the commits a resumed
 * branch kept or dropped. The notes carry ids and reasons from the log as they are: the printer
 * escapes each line.
 */
export function resumeNotes(e: object): string[] {
  const r = e as {
    run_id?: string;
    adopted_windows?: Array<{ feature_id: string }>;
    stopped_orphans?: Orphan[];
    refused_orphans?: RefusedGroup[];
    kept_commits?: number;
    restarted?: boolean;
    dropped_commits?: string[];
    backup?: string;
    checked_out_again?: boolean;
    index_lock_removed?: boolean;
    agent_finished?: string;
  };
  const notes: string[] = [];
  if (r.checked_out_again)
    notes.push(
      'its checkout had not finished when the dead run stopped (no agent ran in it): checked out again',
    );
  if (r.index_lock_removed)
    notes.push(
      "removed git's stale index.lock from its worktree (a git killed with the dead run left it; no live process used it)",
    );
  if (r.adopted_windows?.length && r.run_id) {
    notes.push(
      `re-attached to ${sessionName(r.run_id)}: ${r.adopted_windows.map((a) => a.feature_id).join(', ')}`,
    );
  }
  for (const o of r.stopped_orphans ?? [])
    notes.push(
      `stopped what the dead run left running for ${o.feature_id} (group ${o.pgid}: its agent, setup or checks)`,
    );
  for (const o of r.refused_orphans ?? [])
    notes.push(`left group ${o.pgid} of ${o.feature_id} alone: ${o.reason}`);
  if (r.restarted) notes.push(restartNote(r.dropped_commits ?? [], r.backup));
  else if (r.agent_finished) {
    notes.push(
      `its agent had finished in an earlier run and its work is committed (${r.agent_finished.slice(0, 8)}): only its checks run again (--restart <id> runs the agent again)`,
    );
  } else if (r.kept_commits) {
    notes.push(
      `keeps ${r.kept_commits} commit(s) from the earlier run: the agent continues from them and the checks (owns included) judge them too; --restart <id> starts over without them`,
    );
  }
  return notes;
}

/** What a restart dropped, and where it is kept (pure). */
function restartNote(dropped: readonly string[], backup: string | undefined): string {
  if (dropped.length === 0 || backup === undefined)
    return 'restarted from the base (--restart); the branch held no commits to drop';
  const ids = someOf(
    dropped.map((c) => c.slice(0, 8)),
    5,
  );
  return `restarted from the base (--restart): dropped ${dropped.length} commit(s) from the branch (${ids}), kept as ${backup}`;
}

/**
 * The features a `run --resume` given no ids goes on with: those the run it continues listed (its
 * resumes' too), not every contract — a feature the run never had is not started by a resume. A log
 * with no run gives the whole plan, as a plain run.
 */
export function resumedRunFeatures(logPath: string, plan: Plan, ids: readonly string[]): string[] {
  if (ids.length > 0) return selectFeatures(plan, ids);
  const had = foldLastRun(logPath).featureIds;
  const listed = had.filter((id) => plan.byId.has(id));
  // None left: an empty selection would be every feature, contracts that run never had.
  if (had.length > 0 && listed.length === 0) {
    throw new UserError(
      'run/resume-gone',
      `the run to resume had ${had.map((id) => escapeControl(id)).join(', ')}, and no contract has ${had.length === 1 ? 'that id' : 'those ids'} now; nothing was started`,
      { hint: `Name the features to run (baton run <id>…); known ids: ${someOf(plan.order, 10)}.` },
    );
  }
  return selectFeatures(plan, listed);
}

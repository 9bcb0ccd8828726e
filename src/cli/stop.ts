import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { runsHeadless } from '../interactive/headless-feature.js';
import { type AgentPane, namePanes, sessionPanes, stillAgent } from '../interactive/panes.js';
import { answersTo, missingAttemptError } from '../interactive/target.js';
import { type LiveWindow, otherServerError, runTmux, sessionName, tmuxFor } from '../interactive/tmux.js';
import { batonRunning, type LockHolder, stopHolderHint } from '../lock/baton-lock.js';
import { currentRunStart } from '../lock/live-run-start.js';
import { appendEvent, type Clock } from '../log/append.js';
import { foldLastRun } from '../log/last-run.js';
import { logPathFor } from '../log/paths.js';
import { groupAlive, signalGroup } from '../process/supervise.js';
import { loadProject, unknownFeaturesError } from '../project.js';
import { escapeControl } from '../text/escape.js';
import type { RegisterCommand } from './commands.js';

/**
 * Feature ids the plan knows (when the contracts load), and the features and best-of-N attempts
 * (`<feature_id>.a<n>`) the last run started (its window names).
 */
async function knownIds(cwd: string, logPath: string): Promise<string[]> {
  const planned = await loadProject(cwd).then(
    (p) => p.plan.order,
    () => [],
  );
  const { state } = foldLastRun(logPath);
  return [...new Set([...planned, ...state.run_feature_ids, ...Object.keys(state.attempt_units ?? {})])];
}

/**
 * The error for a headless run that is still going: it has no tmux window for `baton stop` to end,
 * and only its orchestrator (pid from the run lock) can stop its agents.
 */
function headlessRunError(runId: string, holder: LockHolder & { lockPath: string }): UserError {
  return new UserError(
    'stop/headless-run',
    `run ${runId} is headless (started without --interactive): its agents have no tmux window for baton stop to end`,
    // `kill` only for a holder proven to be Baton: the lock is anyone's to write.
    {
      hint: `Stop the run with Ctrl-C in its terminal, or ${stopHolderHint(holder, holder.lockPath)}.`,
      exitCode: 1,
    },
  );
}

/**
 * The error for named features that run headless in an interactive run (`runsHeadless`): as for a
 * headless run, only the run's orchestrator can stop their agents.
 */
function headlessFeaturesError(
  runId: string,
  ids: readonly string[],
  holder: (LockHolder & { lockPath: string }) | undefined,
): UserError {
  const named = ids.map((id) => escapeControl(id)).join(', ');
  const them = ids.length === 1 ? `feature ${named} runs` : `features ${named} run`;
  return new UserError(
    'stop/headless-feature',
    `${them} headless in run ${escapeControl(runId)}: only its interactive features have a tmux window for baton stop to end`,
    { hint: headlessStopHint(holder), exitCode: 1 },
  );
}

/** How to stop agents that run headless: only the run's orchestrator can (Ctrl-C, or its pid when proven Baton). */
function headlessStopHint(holder: (LockHolder & { lockPath: string }) | undefined): string {
  const stop = holder ? `, or ${stopHolderHint(holder, holder.lockPath)}` : '';
  return `Stop the whole run with Ctrl-C in its terminal${stop}.`;
}

/**
 * After `baton stop` with no ids: the run's features still running headless (`runsHeadless`), which it
 * could not end, and how to stop them; empty when there are none.
 */
function headlessStillRunning(
  logPath: string,
  holder: (LockHolder & { lockPath: string }) | undefined,
): string {
  const { state } = foldLastRun(logPath);
  const ids = state.run_feature_ids.filter((id) => runsHeadless(state, id));
  if (ids.length === 0) return '';
  const named = ids.map((id) => escapeControl(id)).join(', ');
  return `still running headless, with no tmux window for baton stop to end: ${named}\n${headlessStopHint(holder)}\n`;
}

/**
 * Ends the proven agents' process groups (SIGTERM, SIGKILL after 3 s to a group still proven the
 * run's), then their panes. Each stop is written to the log first, so the run reports the feature
 * stopped by the user, not as a crash.
 */
async function stopAgents(
  env: NodeJS.ProcessEnv,
  agents: readonly AgentPane[],
  run: { runId: string; logPath: string; clock?: Clock | undefined },
): Promise<void> {
  for (const a of agents) {
    appendEvent(run.logPath, { type: 'user.intervention', feature_id: a.unitId, action: 'stop' }, run.clock);
  }
  for (const a of agents) signalGroup(a.panePid, 'SIGTERM');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && agents.some((a) => groupAlive(a.panePid))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const a of agents) if (groupAlive(a.panePid) && stillAgent(a, run)) signalGroup(a.panePid, 'SIGKILL');
  // The pane, not its window: a pane the user split off beside it stays.
  for (const a of agents) await runTmux(tmuxFor(env), ['kill-pane', '-t', a.paneId]);
}

/** What `baton stop` says it did: the agents stopped, or that none was open, and the panes left alone. */
function stopReport(
  session: string,
  ids: readonly string[],
  stopped: readonly AgentPane[],
  alone: readonly LiveWindow[],
): string {
  const lines = [
    stopped.length === 0
      ? `no agent window${ids.length > 0 ? ` open for ${ids.join(', ')}` : 's open'} in ${escapeControl(session)}`
      : `stopped ${stopped.map((a) => escapeControl(a.unitId)).join(', ')}`,
  ];
  if (alone.length > 0) {
    lines.push(
      `left alone (their programs are not proven agents of this run of this repository): ${namePanes(alone)}`,
    );
  }
  return `${lines.map((l) => `${l}\n`).join('')}`;
}

/** `baton stop`: ends every proven agent of the current interactive run (each pane's process group). */
export const registerStop: RegisterCommand = (program, ctx, setExit) => {
  program
    .command('stop')
    .description(
      "end every agent of the current interactive run: each pane whose program is proven this run's agent " +
        "(its BATON_RUN_ID and this repository's BATON_LOG), by its process group; other windows are left alone and named",
    )
    .argument(
      '[ids...]',
      "only these features (a feature's id stops its best-of-N attempts too) or attempts (<feature_id>.a<n>); default: all",
    )
    .action(async (ids: string[]) => {
      const root = await findMainWorktree(ctx.cwd);
      const logPath = ctx.env.BATON_LOG || logPathFor(root);
      if (ids.length > 0) {
        const known = await knownIds(ctx.cwd, logPath);
        const unknown = ids.filter((id) => !known.includes(id));
        if (unknown.length > 0) {
          // An attempt its feature does not have names the ones it has, as send and attach say it.
          const { state } = foldLastRun(logPath);
          for (const id of unknown) {
            const attempt = missingAttemptError(state, id, known);
            if (attempt) throw attempt;
          }
          throw unknownFeaturesError(unknown, known);
        }
      }
      // The run the lock proves live, else the last: read from the end of the log, not all of it.
      const run = currentRunStart(root, logPath);
      if (!run) {
        ctx.stdout.write('no run to stop\n');
        return;
      }
      const session = sessionName(run.run_id);
      // tmux says which panes the session has; only those proven to be this run's agents are touched.
      const panes = await sessionPanes(tmuxFor(ctx.env), session, { runId: run.run_id, logPath });
      // A feature's id stops its best-of-N attempts' agents too (`answersTo`).
      const asked = (name: string) => ids.length === 0 || ids.some((id) => answersTo(id, name));
      const agents = panes.agents.filter((a) => asked(a.unitId));
      const alone = panes.others.filter((w) => asked(w.name));
      // A live run's windows on another tmux server than this terminal's (BATON_TMUX_SOCKET) are not "none".
      if (panes.agents.length + panes.others.length === 0 && run.interactive) {
        const other = await otherServerError(ctx.env, { runId: run.run_id, tmuxSocket: run.tmux_socket });
        if (other) throw other;
      }
      if (panes.agents.length + panes.others.length === 0 && !run.interactive) {
        const live = batonRunning(root);
        if (live?.command === 'run') throw headlessRunError(run.run_id, live);
        ctx.stdout.write(`no agent to stop: the last run (${run.run_id}) was headless and has ended\n`);
        return;
      }
      const missed = ids.filter((id) => !agents.some((a) => answersTo(id, a.unitId)));
      const state = missed.length > 0 ? foldLastRun(logPath).state : undefined;
      const headless = missed.filter((id) => state !== undefined && runsHeadless(state, id));
      await stopAgents(ctx.env, agents, { runId: run.run_id, logPath, clock: ctx.clock });
      const rest = ids.filter((id) => !headless.includes(id));
      if (ids.length === 0 || rest.length > 0 || agents.length + alone.length > 0)
        ctx.stdout.write(stopReport(session, rest, agents, alone));
      // Every agent was asked for: those the stop could not reach are named, with how to stop them.
      if (ids.length === 0) ctx.stdout.write(headlessStillRunning(logPath, batonRunning(root)));
      if (headless.length > 0) throw headlessFeaturesError(run.run_id, headless, batonRunning(root));
      // A feature asked for that was not stopped (its window not proven, or none open) says so in the exit code.
      if (missed.length > 0) setExit(1);
    });
};

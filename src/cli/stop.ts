import { UserError } from '../errors.js';
import { findMainWorktree } from '../git/git.js';
import { type LiveWindow, listWindows, runTmux, sessionName, tmuxFor } from '../interactive/tmux.js';
import { batonRunning } from '../lock/baton-lock.js';
import { appendEvent, type Clock } from '../log/append.js';
import { findLastRunStart, foldLastRun } from '../log/last-run.js';
import { logPathFor } from '../log/paths.js';
import { groupAlive, signalGroup } from '../process/supervise.js';
import { loadProject, unknownFeaturesError } from '../project.js';
import type { RegisterCommand } from './commands.js';

/** Feature ids the plan knows (when the contracts load) and those the last run started (its window names). */
async function knownIds(cwd: string, logPath: string): Promise<string[]> {
  const planned = await loadProject(cwd).then(
    (p) => p.plan.order,
    () => [],
  );
  return [...new Set([...planned, ...foldLastRun(logPath).state.run_feature_ids])];
}

/**
 * The error for a headless run that is still going: it has no tmux window for `baton stop` to end,
 * and only its orchestrator (pid from the run lock) can stop its agents.
 */
function headlessRunError(runId: string, pid: number): UserError {
  return new UserError(
    'stop/headless-run',
    `run ${runId} is headless (started without --interactive): its agents have no tmux window for baton stop to end`,
    { hint: `Stop the run with Ctrl-C in its terminal, or: kill -INT ${pid}`, exitCode: 1 },
  );
}

/**
 * Ends the windows' process groups (SIGTERM, SIGKILL after 3 s), then the windows. Each stop is
 * written to the log first, so the run reports the feature stopped by the user, not as a crash.
 */
async function stopWindows(
  env: NodeJS.ProcessEnv,
  windows: readonly LiveWindow[],
  log: { path: string; clock?: Clock | undefined },
): Promise<void> {
  for (const w of windows) {
    appendEvent(log.path, { type: 'user.intervention', feature_id: w.name, action: 'stop' }, log.clock);
  }
  for (const w of windows) signalGroup(w.panePid, 'SIGTERM');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && windows.some((w) => groupAlive(w.panePid))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const w of windows) if (groupAlive(w.panePid)) signalGroup(w.panePid, 'SIGKILL');
  for (const w of windows) await runTmux(tmuxFor(env), ['kill-window', '-t', w.windowId]);
}

/** `baton stop`: ends every agent window of the current interactive run (each window's process group). */
export const registerStop: RegisterCommand = (program, ctx) => {
  program
    .command('stop')
    .description(
      "end every agent of the current interactive run: each tmux window's process group, then the session",
    )
    .argument('[ids...]', 'only these features (default: all)')
    .action(async (ids: string[]) => {
      const root = await findMainWorktree(ctx.cwd);
      const logPath = ctx.env.BATON_LOG || logPathFor(root);
      if (ids.length > 0) {
        const known = await knownIds(ctx.cwd, logPath);
        const unknown = ids.filter((id) => !known.includes(id));
        if (unknown.length > 0) throw unknownFeaturesError(unknown, known);
      }
      // Only the last run's id is needed: read from the end of the log, not all of it.
      const run = findLastRunStart(logPath);
      if (!run) {
        ctx.stdout.write('no run to stop\n');
        return;
      }
      const session = sessionName(run.run_id);
      // Only windows of Baton's own session are touched: tmux, not the log, says which pids they are.
      const windows = (await listWindows(tmuxFor(ctx.env), session)).filter(
        (w) => ids.length === 0 || ids.includes(w.name),
      );
      if (windows.length === 0 && !run.interactive) {
        const live = batonRunning(root);
        if (live?.command === 'run') throw headlessRunError(run.run_id, live.pid);
        ctx.stdout.write(`no agent to stop: the last run (${run.run_id}) was headless and has ended\n`);
        return;
      }
      await stopWindows(ctx.env, windows, { path: logPath, clock: ctx.clock });
      ctx.stdout.write(
        windows.length === 0
          ? `no agent window${ids.length > 0 ? ` open for ${ids.join(', ')}` : 's open'} in ${session}\n`
          : `stopped ${windows.map((w) => w.name).join(', ')}\n`,
      );
    });
};

import { findMainWorktree } from '../git/git.js';
import { listWindows, runTmux, sessionName, tmuxFor } from '../interactive/tmux.js';
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

/** `baton stop`: ends every agent window of the current interactive run (each window's process group). */
export const registerStop: RegisterCommand = (program, ctx) => {
  program
    .command('stop')
    .description(
      "end every agent of the current interactive run: each tmux window's process group, then the session",
    )
    .argument('[ids...]', 'only these features (default: all)')
    .action(async (ids: string[]) => {
      const logPath = ctx.env.BATON_LOG || logPathFor(await findMainWorktree(ctx.cwd));
      if (ids.length > 0) {
        const known = await knownIds(ctx.cwd, logPath);
        const unknown = ids.filter((id) => !known.includes(id));
        if (unknown.length > 0) throw unknownFeaturesError(unknown, known);
      }
      // Only the last run's id is needed: read from the end of the log, not all of it.
      const runId = findLastRunStart(logPath)?.run_id;
      if (!runId) {
        ctx.stdout.write('no run to stop\n');
        return;
      }
      const tmux = tmuxFor(ctx.env);
      const session = sessionName(runId);
      // Only windows of Baton's own session are touched: tmux, not the log, says which pids they are.
      const windows = (await listWindows(tmux, session)).filter(
        (w) => ids.length === 0 || ids.includes(w.name),
      );
      for (const w of windows) signalGroup(w.panePid, 'SIGTERM');
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && windows.some((w) => groupAlive(w.panePid))) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const w of windows) if (groupAlive(w.panePid)) signalGroup(w.panePid, 'SIGKILL');
      for (const w of windows) await runTmux(tmux, ['kill-window', '-t', w.windowId]);
      ctx.stdout.write(
        windows.length === 0
          ? `no agent window${ids.length > 0 ? ` open for ${ids.join(', ')}` : 's open'} in ${session}\n`
          : `stopped ${windows.map((w) => w.name).join(', ')}\n`,
      );
    });
};

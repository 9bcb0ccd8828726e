/**
 * `baton run --dry-run`: each unit's launch as a real run would start it (headless, or in its tmux
 * window for an interactive feature), shown, with nothing created.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareInteractiveLaunch } from '../interactive/argv.js';
import { isInteractive } from '../interactive/launch.js';
import { sessionName } from '../interactive/tmux.js';
import { makeTempFolder } from '../temp-folder.js';
import { featurePaths, type RunContext } from './context.js';
import { agentCannotDo } from './preflight.js';
import type { RunSummary } from './run.js';

/** In dry-run mode: each unit's launch, shown, and nothing created. */
export async function dryRun(
  ctx: RunContext,
  stateDir: string,
  unitIds: readonly string[],
): Promise<RunSummary> {
  const { opts } = ctx;
  // What an adapter writes (settings, hooks) goes to a temporary folder, removed afterwards; the command
  // shows where a real run puts it, under the placeholder run id `baton agents` uses (no run is recorded).
  const scratchRoot = makeTempFolder('baton-dry-run-');
  try {
    for (const [i, id] of unitIds.entries()) {
      const shown = featurePaths(opts.config.worktrees, stateDir, 'RUN_ID', id);
      const scratch = join(scratchRoot, String(i));
      mkdirSync(scratch);
      const task = ctx.taskOf(id, scratch, opts.env);
      const { adapter } = ctx.agents.get(id)!;
      const shownTask = { ...task, runId: 'RUN_ID', taskFile: shown.taskFile };
      const interactive = isInteractive(task);
      const launch = interactive
        ? await prepareInteractiveLaunch(adapter, shownTask)
        : await adapter.prepare(shownTask);
      launch.cleanup?.();
      const command = launch.display.replaceAll(scratch, shown.scratchDir);
      const display = interactive
        ? `in tmux window ${id} of session ${sessionName('RUN_ID')}: ${command}`
        : command;
      opts.onDryRun?.(id, { ...launch, display }, shown.worktree);
      const cannot = agentCannotDo(opts, adapter, id);
      if (cannot) opts.onWarning?.(`${id}: ${cannot}; a run fails it without starting it`);
    }
  } finally {
    rmSync(scratchRoot, { recursive: true, force: true });
  }
  return { runId: ctx.runId, outcome: 'complete', features: [], durationMs: 0 };
}

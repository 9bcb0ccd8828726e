import { resumeCommand } from '../guard/liveness.js';
import { startCommand } from '../integrate/continue-command.js';
import type { RunQueue } from '../log/state.js';
import { leftByUserStop } from '../runner/outcome.js';
import { type RunAgainFlags, resumeRunCommand } from '../runner/resume-command.js';
import type { RunSummary } from '../runner/run.js';
import { stringifyJson } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import type { CliContext } from './context.js';

/** The summary as `--json` prints it: snake_case, as `status --json` and the log name these fields. */
export function summaryJson(summary: RunSummary): Record<string, unknown> {
  return {
    run_id: summary.runId,
    outcome: summary.outcome,
    duration_ms: summary.durationMs,
    features: summary.features,
  };
}

/**
 * What `run --json` prints when every feature was left out, its work already in the base: the summary's
 * fields (no run started, so no `run_id`) and the ids left out.
 */
export function nothingToRunJson(leftOut: readonly string[]): Record<string, unknown> {
  return { run_id: null, outcome: 'nothing-to-run', duration_ms: 0, features: [], left_out: leftOut };
}

/**
 * The last words of `baton run`, local or queued: the summary as JSON with `--json` (the only thing on
 * stdout then: the run's progress goes to stderr), else how many
 * features completed and, when not all did, the command that goes on (`nextStep`). Returns the exit
 * code: 0 when every feature is complete, 1 otherwise.
 */
export function reportRunSummary(
  ctx: Pick<CliContext, 'stdout'>,
  summary: RunSummary,
  json: boolean,
  queue?: RunQueue,
  again: RunAgainFlags = {},
): number {
  if (json) ctx.stdout.write(`${stringifyJson(summaryJson(summary), 2)}\n`);
  else {
    const done = summary.features.filter((f) => f.status === 'complete').length;
    ctx.stdout.write(`${done}/${summary.features.length} features complete; see \`baton status\`.\n`);
    const next = nextStep(summary, queue, again);
    if (next) ctx.stdout.write(`${next}\n`);
  }
  return summary.outcome === 'complete' ? 0 : 1;
}

/**
 * What comes next after a run (pure), or undefined: a run that completed every feature is integrated;
 * an interrupted run (Ctrl-C, or every feature it did not complete stopped by the user, who is told so)
 * is resumed as it stands (queued, by re-attaching to its jobs); a local one whose features failed is
 * resumed with those features, after the fix `baton status` points to (a resume reuses their branches
 * and keeps their work). The commands carry the run's `--base` and `--agent` (`again`): a resume takes
 * neither from the log, and an integration from another base than the features were cut from is refused.
 */
export function nextStep(
  summary: RunSummary,
  queue?: RunQueue,
  again: RunAgainFlags = {},
): string | undefined {
  const left = summary.features.filter((f) => f.status !== 'complete').map((f) => f.feature_id);
  if (left.length === 0)
    return summary.features.length === 0
      ? undefined
      : `Next: \`${startCommand({ base: again.base })}\` merges the branches in dependency order and checks the result; add \`--into <branch>\` to move a branch of yours to it.`;
  if (summary.outcome === 'interrupted') {
    const goOn = queue ? resumeCommand(queue) : `\`${resumeRunCommand([], again)}\``;
    const stopped = summary.features.filter((f) => f.stopped_by_user).map((f) => f.feature_id);
    // Feature ids come from the contracts (validated), never from the log.
    if (stopped.length > 0 && summary.features.filter(leftByUserStop).length === left.length)
      return `You stopped ${someOf(stopped, 3)} (baton stop); to go on where it stopped: ${goOn}.`;
    return `To go on where it stopped: ${goOn}.`;
  }
  if (queue) return undefined;
  // Feature ids come from the contracts (validated), never from the log.
  const them = left.length === 1 ? 'it' : 'them';
  return `Fix what \`baton status\` says failed, then run ${them} again on ${left.length === 1 ? 'its branch' : 'their branches'}: \`${resumeRunCommand(left, again)}\`.`;
}

import type { RunSummary } from '../runner/run.js';
import { stringifyJson } from '../text/escape.js';
import type { CliContext } from './context.js';

/**
 * The last words of `baton run`, local or queued: the summary as JSON with `--json`, else how many
 * features completed. Returns the exit code: 0 when every feature is complete, 1 otherwise.
 */
export function reportRunSummary(
  ctx: Pick<CliContext, 'stdout'>,
  summary: RunSummary,
  json: boolean,
): number {
  if (json) ctx.stdout.write(`${stringifyJson(summary, 2)}\n`);
  else {
    const done = summary.features.filter((f) => f.status === 'complete').length;
    ctx.stdout.write(`${done}/${summary.features.length} features complete; see \`baton status\`.\n`);
  }
  return summary.outcome === 'complete' ? 0 : 1;
}

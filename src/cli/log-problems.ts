import type { LogProblem } from '../log/read.js';
import { escapeControl } from '../text/escape.js';

/** How many skipped log lines a command names one by one before it only counts the rest. */
const NAMED = 10;

/**
 * The stderr lines for the log lines a command skipped: the first ten named with their text escaped
 * (it comes from the log), then how many more, so a log with 100,000 bad lines is not 100,000 lines of
 * output on every `status`.
 */
export function skippedLogLines(logPath: string, problems: readonly LogProblem[]): string[] {
  const named = problems
    .slice(0, NAMED)
    .map((pr) => `${logPath}:${pr.line}: skipped: ${escapeControl(pr.message)}: ${escapeControl(pr.text)}`);
  const rest = problems.length - named.length;
  if (rest <= 0) return named;
  return [
    ...named,
    `${logPath}: ${rest} more bad line${rest === 1 ? '' : 's'} skipped (\`baton doctor\` counts them all)`,
  ];
}

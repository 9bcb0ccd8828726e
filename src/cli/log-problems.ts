import { PROBLEMS_KEPT, type ProblemTally, unnamedProblems } from '../log/problem-tally.js';
import { escapeControl } from '../text/escape.js';

/**
 * The stderr lines for the log lines a command skipped: the first ten named with their text escaped
 * (it comes from the log), then how many more, so a log with 100,000 bad lines is not 100,000 lines of
 * output on every `status` (and the reader keeps no more than it names: `ProblemTally`).
 */
export function skippedLogLines(logPath: string, tally: ProblemTally): string[] {
  const named = tally.problems
    .slice(0, PROBLEMS_KEPT)
    .map((pr) => `${logPath}:${pr.line}: skipped: ${escapeControl(pr.message)}: ${escapeControl(pr.text)}`);
  const more = unnamedProblems(tally);
  return more === undefined ? named : [...named, `${logPath}: ${more}`];
}

/**
 * The problem lines a reader that folds as it goes keeps: the first few named, the rest only counted,
 * so a log of millions of junk lines costs neither memory nor a cache file its size. No parsing here,
 * so `status` can tally what its snapshot or tailer hands it without loading the reader.
 */
import { escapeControl } from '../text/escape.js';
import type { LogProblem } from './read.js';

/** How many problem lines a reader keeps named; the rest are only counted (a log of junk stays small in memory). */
export const PROBLEMS_KEPT = 10;

/** The first `PROBLEMS_KEPT` problem lines of a read, and how many there were in all. */
export interface ProblemTally {
  problems: LogProblem[];
  problem_count: number;
}

/** A tally with no problem yet. */
export function emptyTally(): ProblemTally {
  return { problems: [], problem_count: 0 };
}

/** Counts a problem line into `tally`, keeping it only while fewer than `PROBLEMS_KEPT` are kept. */
export function tallyProblem(tally: ProblemTally, problem: LogProblem): void {
  tally.problem_count++;
  if (tally.problems.length < PROBLEMS_KEPT) tally.problems.push(problem);
}

/** What `tally` holds so far, leaving it empty (a reader that prints problems as they come takes them). */
export function takeTally(tally: ProblemTally): ProblemTally {
  const taken = { problems: tally.problems, problem_count: tally.problem_count };
  tally.problems = [];
  tally.problem_count = 0;
  return taken;
}

/**
 * The problem lines a tally counted but does not name, in the words every output gives them ("4990 more
 * bad lines skipped …"), or undefined when it names them all.
 */
export function unnamedProblems(tally: ProblemTally): string | undefined {
  const rest = tally.problem_count - Math.min(tally.problems.length, PROBLEMS_KEPT);
  if (rest <= 0) return undefined;
  return `${rest} more bad line${rest === 1 ? '' : 's'} skipped (\`baton doctor\` counts them all)`;
}

/**
 * The lines that name the log lines a reader skipped, as every output prints them (`baton status`'s and
 * `baton report`'s stderr, the dashboard's banner): the first ten with their line number, why, and their
 * text (clipped by the reader) with control characters escaped (it comes from the log), then how many
 * more, so a log with 100,000 bad lines is not 100,000 lines of output (and the reader keeps no more
 * than it names: `ProblemTally`).
 */
export function skippedLogLines(logPath: string, tally: ProblemTally): string[] {
  const named = tally.problems
    .slice(0, PROBLEMS_KEPT)
    .map((pr) => `${logPath}:${pr.line}: skipped: ${escapeControl(pr.message)}: ${escapeControl(pr.text)}`);
  const more = unnamedProblems(tally);
  return more === undefined ? named : [...named, `${logPath}: ${more}`];
}

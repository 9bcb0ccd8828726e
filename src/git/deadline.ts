/**
 * The deadline on Baton's own git calls in a worktree an agent wrote (the settle's add and commit) and
 * in the main checkout (the escape look's status): git reads every `.gitignore` and `.gitattributes` of
 * the work tree, and one an agent made a FIFO blocks it for ever. Past the deadline git's process group
 * is killed and the call fails with `GitDeadlineError`, instead of the run hanging.
 */

/** The variable that sets the deadline, in seconds (a test sets it short). */
export const GIT_DEADLINE_ENV = 'BATON_GIT_DEADLINE_SECONDS';

const DEFAULT_SECONDS = 10 * 60;

/** The longest delay a timer holds (2^31 - 1 ms, about 24.8 days): Node fires a longer one at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The deadline in milliseconds: `BATON_GIT_DEADLINE_SECONDS` when it is a positive number, else 10
 * minutes; at most `MAX_TIMER_MS`, so a huge value (a user's "no deadline") is a long one, not none.
 */
export function gitDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env[GIT_DEADLINE_ENV]);
  return Math.min((Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_SECONDS) * 1000, MAX_TIMER_MS);
}

/** A git call killed at its deadline; its message names the likely cause. */
export class GitDeadlineError extends Error {
  override readonly name = 'GitDeadlineError';
  constructor(what: string, cwd: string, ms: number) {
    super(
      `${what} in ${cwd} did not end within ${formatSeconds(ms)} and was stopped: a FIFO or another file git cannot read (a \`.gitignore\` or \`.gitattributes\` in the work tree) is the likely cause (${GIT_DEADLINE_ENV} sets the deadline)`,
    );
  }
}

/**
 * `call`'s value, or the `GitDeadlineError` it was stopped with, as a value for the caller to fail a
 * feature (or drop a note) with; any other rejection stands.
 */
export function deadlineAsValue<T>(call: Promise<T>): Promise<T | GitDeadlineError> {
  return call.catch((err: unknown) => {
    if (err instanceof GitDeadlineError) return err;
    throw err;
  });
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s % 60 === 0 && s >= 60 ? `${s / 60} minute(s)` : `${s} second(s)`;
}

/**
 * A program Baton could not start for want of a system resource (open files, processes, memory):
 * the one place that names the cause and what to do, for every spawn (git, the shell scripts of
 * `git/sequence.ts` and `git/worktree-batch.ts`, agents and checks), so none reads as "not found".
 */
import { UserError } from '../errors.js';

/** The spawn errors that mean the machine ran short, with their words. */
const SHORTAGES: Readonly<Record<string, string>> = {
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EAGAIN: 'too many processes',
  ENOMEM: 'not enough memory',
};

/** What to do when Baton runs short of open files or processes. */
export const SHORTAGE_HINT =
  'Raise the open-file limit (`ulimit -n 4096`) or the process limit (`ulimit -u`), or run fewer features at once (`baton run -j 2`).';

/** The words for a spawn error that means a shortage (`too many open files (EMFILE)`), else undefined. */
export function shortageWords(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const words = code === undefined ? undefined : SHORTAGES[code];
  return words === undefined ? undefined : `${words} (${code})`;
}

/**
 * The error for `what` (`git`, `/bin/sh`) not started: `process/out-of-resources` with the hint for a
 * shortage, else undefined (the caller's own error applies).
 */
export function shortageError(what: string, err: unknown): UserError | undefined {
  const words = shortageWords(err);
  if (words === undefined) return undefined;
  return new UserError('process/out-of-resources', `could not start ${what}: ${words}`, {
    hint: SHORTAGE_HINT,
    cause: err,
  });
}

/**
 * The one shape of the error for a file write the system refused (a full disk, a read-only file system,
 * a file-size limit, a file where a folder should be): the user's to fix, never "a bug in Baton". The
 * log and the locks name their file, what was being done and the error code, then what to do.
 */
import { UserError } from './errors.js';

/** What to do about a refused write whatever the file: the causes that lie outside Baton's files. */
function spaceHint(code: string | undefined): string | undefined {
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return 'The disk is full: free some space and run the command again.';
  if (code === 'EFBIG')
    return 'A file-size limit (ulimit -f) stops the write: raise it and run the command again.';
  return undefined;
}

/**
 * `<what> <path> could not be written (<CODE> while <doing>)` with the code `errorCode`; the hint is the
 * disk's (full, size limit) when that is the cause, else the one `hintFor` gives for the code.
 */
export function writeFailed(options: {
  errorCode: string;
  what: string;
  path: string;
  err: unknown;
  doing: string;
  hintFor: (code: string | undefined) => string;
  /** The exit code: 1 by default; 2 where the path was the user's to give (`report --out`). */
  exitCode?: 1 | 2;
}): UserError {
  const code = (options.err as NodeJS.ErrnoException).code;
  return new UserError(
    options.errorCode,
    `${options.what} ${options.path} could not be written (${code ?? String(options.err)} while ${options.doing})`,
    { hint: spaceHint(code) ?? options.hintFor(code), cause: options.err, exitCode: options.exitCode ?? 1 },
  );
}

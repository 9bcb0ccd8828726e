/**
 * The system's temporary folder (`os.tmpdir()`: TMPDIR, else /tmp), where Baton makes its scratch
 * folders (the worktree batch's files, the dashboard's opener page): whether it can be used, and the
 * one error when it cannot, for `baton run`'s preflight, `baton doctor` and every scratch folder made.
 */
import { accessSync, constants, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from './errors.js';

/** What to do about a temporary folder Baton cannot use. */
export const TMPDIR_HINT =
  'Set TMPDIR to a folder that exists and you can write in, or unset it to use /tmp.';

/**
 * The temporary folder, absolute: a relative `TMPDIR` (`TMPDIR=tmp`) is taken from the folder Baton was
 * started in, once, so a scratch folder made in it is still found from the other folders Baton's
 * scripts and git run in (a worktree batch's shell works from the repository's root).
 */
export function tempFolder(): string {
  return resolve(tmpdir());
}

/** Why no folder can be made in the temporary folder (`/x does not exist`), or undefined when one can. */
export function tempFolderProblem(): string | undefined {
  const dir = tempFolder();
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT' ? `${dir} does not exist` : `${dir} cannot be written in (${code})`;
  }
}

/**
 * The refusal for a temporary folder that cannot be used (`env/tmpdir`), naming TMPDIR and the hint;
 * `otherwise` adds a command's own way around it (`or pass --dir with a new folder`).
 */
export function tempFolderError(problem: string, cause?: unknown, otherwise?: string): UserError {
  const hint = otherwise === undefined ? TMPDIR_HINT : `${TMPDIR_HINT.slice(0, -1)}; ${otherwise}.`;
  return new UserError('env/tmpdir', `the temporary folder (TMPDIR) cannot be used: ${problem}`, {
    hint,
    cause,
  });
}

/** Throws `tempFolderError` when the temporary folder cannot be used: a command's preflight. */
export function requireTempFolder(): void {
  const problem = tempFolderProblem();
  if (problem !== undefined) throw tempFolderError(problem);
}

/**
 * Makes a new folder `<tmpdir>/<prefix>XXXXXX`; one that cannot be made throws `tempFolderError`
 * (with `otherwise`, the command's own way around it, in its hint).
 */
export function makeTempFolder(prefix: string, otherwise?: string): string {
  try {
    return mkdtempSync(join(tempFolder(), prefix));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw tempFolderError(tempFolderProblem() ?? `${tempFolder()}: ${code}`, err, otherwise);
  }
}

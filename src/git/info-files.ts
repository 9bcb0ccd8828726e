/**
 * The files of the common git folder every git command of the repository reads (`info/exclude`,
 * `info/attributes`): an agent can replace one with a FIFO, and each git that reads it (`status`,
 * `add`) then waits on it for ever. Baton looks (a `stat`, no git process) before its own git calls
 * that read them once agents ran.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { kindOf } from '../open-regular.js';
import { escapeControl } from '../text/escape.js';

/** The files under `info/` git opens on every status, add and commit. */
const READ_BY_GIT = ['exclude', 'attributes'] as const;

/**
 * Why git cannot safely read the repository's `info/exclude` or `info/attributes` (`commonDir`: the
 * common git folder): one is there and is not a regular file (a link is followed, as git follows it).
 * Undefined when each is a regular file or absent.
 */
export function gitInfoFilesProblem(commonDir: string): string | undefined {
  for (const name of READ_BY_GIT) {
    const path = join(commonDir, 'info', name);
    let kind: string;
    try {
      const st = statSync(path);
      if (st.isFile()) continue;
      kind = kindOf(st);
    } catch {
      continue; // Absent, or a link to nothing: git reads nothing there.
    }
    const shown = escapeControl(path);
    return `${shown} is ${kind}, not a regular file: every git command that reads it would wait on it, so Baton ran none (something replaced it while agents ran; remove it: rm ${shown})`;
  }
  return undefined;
}

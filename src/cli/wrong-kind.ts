import { statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { escapeControl } from '../text/escape.js';

/**
 * Refuses, before anything is written, when a path a command writes to is there as the other kind (a
 * file named `.baton` or `specs`, a folder named `.gitignore`): the command would fail half-way,
 * leaving files a second attempt refuses, or with a stack trace.
 */
export function refuseWrongKinds(
  command: string,
  root: string,
  paths: { path: string; kind: 'file' | 'folder' }[],
): void {
  for (const { path, kind } of paths) {
    const stat = statSync(join(root, path), { throwIfNoEntry: false });
    if (stat === undefined || stat.isDirectory() === (kind === 'folder')) continue;
    const shown = escapeControl(path);
    const what = kind === 'folder' ? 'a file, not a folder' : 'a folder, not a file';
    throw new UserError(`${command}/not-a-${kind}`, `${shown} is ${what}; nothing was written`, {
      hint: `\`baton ${command}\` needs ${shown} to be a ${kind}: move it out of the way (e.g. \`mv ${shown} ${shown}.old\`), then run it again.`,
    });
  }
}

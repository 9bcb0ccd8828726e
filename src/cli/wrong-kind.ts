import { lstatSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { escapeControl } from '../text/escape.js';

/**
 * Refuses, before anything is written, when a path a command writes to is there as the other kind (a
 * file named `.baton` or `specs`, a folder named `.gitignore`), as something that is neither (a FIFO,
 * which a read would wait on forever), or as a symbolic link to nothing (an exclusive create fails on
 * it): the command would fail half-way, leaving files a second attempt refuses, or with a stack trace.
 */
export function refuseWrongKinds(
  command: string,
  root: string,
  paths: { path: string; kind: 'file' | 'folder' }[],
): void {
  for (const { path, kind } of paths) {
    const what = wrongKind(join(root, path), kind);
    if (what === undefined) continue;
    const shown = escapeControl(path);
    throw new UserError(`${command}/not-a-${kind}`, `${shown} is ${what}; nothing was written`, {
      hint: `\`baton ${command}\` needs ${shown} to be a ${kind}: move it out of the way (e.g. \`mv ${shown} ${shown}.old\`), then run it again.`,
    });
  }
}

/** What is at `path` in words when it is not a `kind` (links followed) nor nothing at all; else undefined. */
function wrongKind(path: string, kind: 'file' | 'folder'): string | undefined {
  const stat: Stats | undefined = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) {
    return lstatSync(path, { throwIfNoEntry: false }) ? 'a symbolic link to nothing' : undefined;
  }
  if (kind === 'folder') return stat.isDirectory() ? undefined : 'a file, not a folder';
  if (stat.isFile()) return undefined;
  return stat.isDirectory() ? 'a folder, not a file' : 'not a regular file (a FIFO, socket or device)';
}

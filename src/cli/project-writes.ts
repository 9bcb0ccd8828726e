/**
 * The guard every file `init`, `new` and `lint --fix` write goes through: the path must really be inside
 * the repository (a symlink out of it is refused, DESIGN §6) and writable by this user, both checked
 * before the first write, so a refusal leaves nothing half done; a permission error that still happens
 * while writing is one line naming the path, not a stack trace.
 */
import { accessSync, constants, lstatSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { isInside } from '../path-inside.js';
import { realNearest } from '../real-nearest.js';
import { escapeControl } from '../text/escape.js';

/**
 * Refuses, before anything is written, a path `command` (as typed: `lint --fix`) would write that leads
 * out of the repository through a symlink (the path itself or a folder on the way) or that this user
 * cannot write.
 */
export function refuseUnsafeWrite(command: string, root: string, path: string): void {
  const real = realTarget(path);
  if (!isInside(realNearest(root), real)) {
    const link = firstSymlink(root, path);
    const shown = shownPath(root, link);
    throw new UserError(
      `${codeOf(command)}/outside-repo`,
      `${shown} is a symlink out of the repository (to ${escapeControl(realTarget(link))}); nothing was written`,
      {
        hint: `Baton writes only inside the repository (it would write ${shownPath(root, path)}): make ${shown} a real ${link === path ? 'file' : 'folder'} there, then run \`baton ${command}\` again.`,
      },
    );
  }
  // Judged where the write lands (a symlink's target, a dangling one's too), at what exists of it.
  const at = nearestExisting(real);
  const folder = statSync(at, { throwIfNoEntry: false })?.isDirectory() ?? false;
  try {
    accessSync(at, folder ? constants.W_OK | constants.X_OK : constants.W_OK);
  } catch (err) {
    throw notWritable(command, root, at, err, '; nothing was written') ?? err;
  }
}

/** Runs one write of `path`; a permission problem there becomes a user error naming the path. */
export function writeInProject<T>(command: string, root: string, path: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    throw notWritable(command, root, path, err) ?? err;
  }
}

/** The user error for a permission problem at `path`, or undefined for any other error. */
function notWritable(
  command: string,
  root: string,
  path: string,
  err: unknown,
  after = '',
): UserError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return undefined;
  const shown = shownPath(root, path);
  const why = code === 'EROFS' ? 'the file system is read-only' : 'permission denied';
  return new UserError(`${codeOf(command)}/not-writable`, `cannot write ${shown}: ${why}${after}`, {
    hint: `Make it writable for you (e.g. \`chmod u+w ${shown}\`), or run \`baton ${command}\` as its owner.`,
  });
}

/** The command's name for an error code: `lint` for `lint --fix`. */
function codeOf(command: string): string {
  return command.split(' ')[0] ?? command;
}

/** `path` relative to the repository root when it is inside it (as written), for messages. */
function shownPath(root: string, path: string): string {
  const rel = relative(root, path);
  return escapeControl(rel === '' ? '.' : rel.startsWith('..') ? path : rel);
}

/** The first path from `root` down to `path` that is a symlink (`path` itself when none is found). */
function firstSymlink(root: string, path: string): string {
  let at = root;
  for (const part of relative(root, path).split(sep)) {
    at = join(at, part);
    if (lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink()) return at;
  }
  return path;
}

/** The existing file or folder nearest to `path`: itself, or the closest folder above it. */
function nearestExisting(path: string): string {
  let at = path;
  while (!lstatSync(at, { throwIfNoEntry: false }) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * Where a write to `path` would really land: every symlink on the way resolved, dangling ones too (writing
 * through one would create its target, wherever that is).
 */
function realTarget(path: string, hops = 0): string {
  const dir = dirname(path);
  if (dir === path) return path;
  const here = join(realTarget(dir, hops), basename(path));
  // A loop of symlinks is left to the write itself to report (git's own limit is 40 hops too).
  if (hops < 40 && lstatSync(here, { throwIfNoEntry: false })?.isSymbolicLink()) {
    return realTarget(resolve(dirname(here), readlinkSync(here)), hops + 1);
  }
  return here;
}

/**
 * The one way Baton makes folders and writes files in its state folder (`.baton/`, or the folder of a
 * log named with `--log`): an agent runs as the user and can replace any folder there with a symbolic
 * link (`.baton/checks/f1` → `/tmp/elsewhere`), and a write that followed it would truncate a file
 * outside the repository. So below the state folder every folder is made one level at a time and
 * each level is looked at with `lstat` (a symlink or a file where a folder belongs is refused), files
 * are opened with O_NOFOLLOW (a symlink in the file's place is refused) and without waiting (a FIFO
 * never blocks), and a file is only emptied once the open file is proven to be the regular, singly
 * linked file at that path, its folders still real: a link swapped in and out meanwhile, or a hard
 * link to a file elsewhere, is refused before a byte of it changes. The state folder itself is
 * followed: a `.baton` the user linked to another disk is theirs to make (docs/dashboard.md).
 */
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { UserError } from './errors.js';
import { makeFolders } from './make-folders.js';
import { kindOf } from './open-regular.js';
import { isInside } from './path-inside.js';
import { escapeControl } from './text/escape.js';

/** Why a path below the state folder was not written: what stands there instead of a folder or a file. */
export class StatePathRefused extends UserError {
  /** The path that was not followed or not written (a folder on the way, or the file itself). */
  readonly path: string;
  constructor(code: string, path: string, message: string, hint: string) {
    super(code, message, { hint });
    this.path = path;
  }
}

/** How a file below the state folder is opened. */
export type StateFileMode =
  /** Created, or emptied once proven safe (`task.md`, a check's output). */
  | 'truncate'
  /** Created, or appended to (`agent.log`). */
  | 'append'
  /** Created afresh: a file already there (a link included) is `EEXIST`, which the caller judges. */
  | 'create';

const OPEN_FLAGS: Record<StateFileMode, number> = {
  truncate: constants.O_RDWR | constants.O_CREAT,
  append: constants.O_RDWR | constants.O_CREAT | constants.O_APPEND,
  create: constants.O_RDWR | constants.O_CREAT | constants.O_EXCL,
};

/** A path for a message, on one line: an agent names the folders below `.baton/runs/` (a feature id, a file name). */
function shown(path: string): string {
  return escapeControl(path);
}

function linkRefused(path: string): StatePathRefused {
  return new StatePathRefused(
    'state/symlink',
    path,
    `${shown(path)} is a symbolic link, not followed: Baton follows no link inside its state folder and wrote nothing through it`,
    `Something replaced it with a link (an agent can): remove the link (rm ${shown(path)}); what it points to was not touched.`,
  );
}

function notFolder(path: string, st: Stats): StatePathRefused {
  return new StatePathRefused(
    'state/not-a-folder',
    path,
    `${shown(path)} is ${kindOf(st)}, where Baton keeps a folder of its state; nothing was written there`,
    `Move it aside (it is not Baton's), then run the command again.`,
  );
}

function notFile(path: string, why: string): StatePathRefused {
  return new StatePathRefused(
    'state/not-a-file',
    path,
    `${shown(path)} ${why}; Baton writes only regular files of its own there, and left it as it was`,
    `Move it aside (it is not Baton's), then run the command again.`,
  );
}

/** The names below `base` leading to `path`; a path outside `base` is a bug of the caller. */
function namesBelow(base: string, path: string): string[] {
  if (!isInside(base, path)) throw new Error(`${path} is not inside the state folder ${base}`);
  const rel = relative(base, path);
  return rel === '' ? [] : rel.split(sep);
}

/** `lstat`, or undefined when nothing is there. */
function lstatOrNone(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Refuses what is not a real folder at `path`. */
function expectFolder(path: string, st: Stats): void {
  if (st.isSymbolicLink()) throw linkRefused(path);
  if (!st.isDirectory()) throw notFolder(path, st);
}

/**
 * Makes the folder `dir` inside the state folder `base`: `base` as `makeFolders` makes it (a link
 * there followed), then each level below it looked at and made one at a time, a symbolic link or
 * anything but a folder on the way refused (`StatePathRefused`, nothing made beyond it).
 */
export function makeStateFolder(base: string, dir: string, mode = 0o777): void {
  const names = namesBelow(base, dir);
  makeFolders(base);
  let at = base;
  for (const name of names) {
    at = join(at, name);
    let st = lstatOrNone(at);
    if (st === undefined) {
      try {
        mkdirSync(at, mode);
      } catch (err) {
        // Made meanwhile by another process: judged below like any other.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      st = lstatSync(at);
    }
    expectFolder(at, st);
  }
}

/** Whether the folders from below `base` to `path`'s are still real folders (no link swapped in since). */
function foldersStillReal(base: string, path: string): boolean {
  let at = base;
  for (const name of namesBelow(base, path).slice(0, -1)) {
    at = join(at, name);
    const st = lstatOrNone(at);
    if (st === undefined || st.isSymbolicLink() || !st.isDirectory()) return false;
  }
  return true;
}

/**
 * Opens the file `path` inside the state folder `base` for writing, its folders made by
 * `makeStateFolder`: never through a symbolic link (the file's or a folder's), never a FIFO, device or
 * folder, never a file with another hard link (a file elsewhere), and emptied (`truncate`) only once
 * all that is proven on the open file. Throws `StatePathRefused` for what stands in the way, the
 * system's error for a write it refuses (a full disk, no permission). The caller closes the descriptor.
 */
export function openStateFile(base: string, path: string, how: StateFileMode, fileMode = 0o644): number {
  const names = namesBelow(base, path);
  if (names.length === 0) throw new Error(`${path} is the state folder itself, not a file in it`);
  makeStateFolder(base, dirname(path));
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS[how] | constants.O_NOFOLLOW | constants.O_NONBLOCK, fileMode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw linkRefused(path);
    if (code === 'EISDIR') throw notFile(path, 'is a folder');
    // A FIFO nobody reads, or a socket: refused by the open itself, never waited on.
    if (code === 'ENXIO') throw notFile(path, 'is a FIFO or a socket');
    throw err;
  }
  try {
    provenOpen(base, path, fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (how === 'truncate') {
    try {
      ftruncateSync(fd, 0);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }
  return fd;
}

/**
 * Refuses an open file that is not the regular file of one link at `path` with its folders real:
 * a folder swapped for a link between the walk and the open leads the open elsewhere, and a hard link
 * shares a file of elsewhere without being a link at all.
 */
function provenOpen(base: string, path: string, fd: number): void {
  const open = fstatSync(fd);
  if (!open.isFile()) throw notFile(path, `is ${kindOf(open)}, not a regular file`);
  const there = lstatOrNone(path);
  if (
    !foldersStillReal(base, path) ||
    there === undefined ||
    there.dev !== open.dev ||
    there.ino !== open.ino
  )
    throw new StatePathRefused(
      'state/moved',
      path,
      `${shown(path)} was replaced while Baton opened it (a folder on its way became a link); nothing was written`,
      'Something is changing the state folder while Baton runs (an agent can): look at what is there, then run the command again.',
    );
  if (open.nlink > 1)
    throw notFile(path, `has ${open.nlink} hard links (a file that also lives elsewhere), not Baton's own`);
}

/** Writes all of `data` at the descriptor's position. */
function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let written = 0;
  while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
}

/** Writes `data` as the whole of the file `path` inside the state folder `base`, as `openStateFile` opens it. */
export function writeStateFile(
  base: string,
  path: string,
  data: string | Uint8Array,
  opts: { mode?: number; how?: 'truncate' | 'create' } = {},
): void {
  const fd = openStateFile(base, path, opts.how ?? 'truncate', opts.mode);
  try {
    writeAll(fd, data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `text` to `path` inside the state folder `base` through a temporary file made afresh
 * (a link or file planted at its name is removed, never written through) and a rename, so a reader
 * never sees half of it; the rename replaces whatever is at `path` (a link there is replaced, not
 * followed). A temporary file the write failed on (a full disk) is removed.
 */
export function writeStateFileAtomic(base: string, path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  makeStateFolder(base, dirname(path));
  // Its folders just proven real: the name removed is the one inside them.
  removeQuietly(tmp);
  const fd = openStateFile(base, tmp, 'create');
  try {
    writeAll(fd, text);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    // Only the file this call made: a refusal above leaves whatever stands there alone.
    closeQuietly(fd);
    removeQuietly(tmp);
    throw err;
  }
}

/** Closes `fd` unless it is closed already. */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closed before the failure.
  }
}

/** Removes the name `path` (a link itself, never what it points to) when it is there. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Nothing there.
  }
}

import {
  closeSync,
  lstatSync,
  mkdirSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';
import { stateDirFor } from '../log/paths.js';
import { openRegular } from '../open-regular.js';
import { isInside } from '../path-inside.js';
import { realNearest } from '../real-nearest.js';
import { escapeControl } from '../text/escape.js';
import { writeFailed } from '../write-failed.js';

/** How each format's report begins: an existing file that begins so is one Baton wrote, replaced freely. */
const REPORT_HEADS = [
  /^# Baton report\n/,
  /^\{\n {2}"schema_version": \d+,\n {2}"run": \{/,
  /^<!doctype html>\n[\s\S]*<title>Baton report[ <]/,
];

/** The first KiB of a regular file (not through a symlink, not waiting on a FIFO), or undefined. */
function headOf(path: string): string | undefined {
  const fd = openRegular(path);
  if (fd === undefined) return undefined;
  try {
    const buf = Buffer.alloc(1024);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
}

function refuse(code: string, message: string, hint?: string): UserError {
  return new UserError(code, message, { exitCode: 2, ...(hint ? { hint } : {}) });
}

/** Report file names Baton's state folder may hold beside the log: `.baton/<name>.md|.html|.json`. */
const REPORT_NAME = /^[^.][^/]*\.(md|html|json)$/;

/**
 * Whether `path` may be written as far as `.baton/` goes: anywhere outside it, and inside it only as a
 * report straight in the folder (`.baton/report.html`, where `baton demo` puts its own), never the log,
 * the locks, the cache or the agents' folders.
 */
function allowedInState(root: string, path: string): boolean {
  const state = stateDirFor(root);
  const inside = [path, realNearest(path)].find((p) => isInside(state, p) || isInside(realNearest(state), p));
  if (inside === undefined) return true;
  const parent = dirname(inside);
  return (parent === state || parent === realNearest(state)) && REPORT_NAME.test(basename(inside));
}

/**
 * Whether `--out` as typed names a folder: it ends in a separator (`reports/`) or in `.` or `..`,
 * which `resolve` would turn into the folder's own path, a file to write there.
 */
function namesFolder(out: string): boolean {
  return out.endsWith('/') || out.endsWith(sep) || basename(out) === '.' || basename(out) === '..';
}

/** What to do about a report write the system refused, by its error code (the disk's causes aside). */
function writeHint(path: string, code: string | undefined): string {
  if (code === 'EROFS') return `The file system holding ${path} is read-only: write the report elsewhere.`;
  if (code === 'EACCES' || code === 'EPERM')
    return `You may not write in ${dirname(path)}: name a file in a folder you can write to.`;
  if (code === 'EEXIST' || code === 'ENOTDIR')
    return `A file stands where a folder of ${path} should be: name another path.`;
  return `Check that ${dirname(path)} is a folder you can write to, or name another file.`;
}

/** The one error for a report write the system refused (`writeFailed`, `report/write-failed`, exit 2). */
function reportWriteFailed(path: string, err: unknown, doing: string): UserError {
  return writeFailed({
    errorCode: 'report/write-failed',
    what: '--out',
    path,
    err,
    doing,
    hintFor: (code) => writeHint(path, code),
    exitCode: 2,
  });
}

/**
 * Writes `text` to `--out`, refusing what would destroy work: a path inside `.baton/` (the log, the
 * locks, the agents' files; a report straight in it is allowed) or `.git/`, a directory (or a path
 * ending in a separator, which names one), anything but a regular file or a symlink (a device, a
 * FIFO, a socket: even with `force`), and an existing file that is not a report Baton wrote, unless
 * `force`. The file is written beside the target and renamed onto it, so a symlink at `--out` is
 * replaced, never written through; a write the system refuses is `report/write-failed`. Returns the
 * path written.
 */
export function writeReportOut(root: string, cwd: string, out: string, text: string, force: boolean): string {
  const path = resolve(cwd, out);
  const shown = escapeControl(path);
  const inGit = [path, realNearest(path)].some(
    (p) => isInside(join(root, '.git'), p) || isInside(realNearest(join(root, '.git')), p),
  );
  if (inGit || !allowedInState(root, path))
    throw refuse(
      'report/out-protected',
      `--out ${shown} is inside ${inGit ? '.git/' : ".baton/ (Baton's log and state)"}; write the report elsewhere (a report may go straight in .baton/, e.g. .baton/report.html)`,
    );
  let existing: Stats | undefined;
  try {
    existing = lstatSync(path);
  } catch {}
  if (existing?.isDirectory())
    throw refuse(
      'report/out-is-directory',
      `--out ${shown} is a directory; name a file in it, e.g. ${shown}${sep}report.html`,
    );
  // Nothing is made for it: the report is a file, and the help says so.
  if (namesFolder(out))
    throw refuse(
      'report/out-is-directory',
      `--out ${escapeControl(out)} names a directory, not a file; name a file in it, e.g. ${shown}${sep}report.html`,
    );
  // Replacing a device or a FIFO (`--out /dev/null` as root) with a regular file is never asked for.
  if (existing && !existing.isFile() && !existing.isSymbolicLink())
    throw refuse(
      'report/out-not-file',
      `--out ${shown} is ${kindOf(existing)}, not a file; it is not replaced, even with --force`,
      'Name a regular file to write the report to.',
    );
  if (existing && !force) {
    const head = existing.isFile() ? headOf(path) : undefined;
    if (head === undefined || !REPORT_HEADS.some((h) => h.test(head)))
      throw refuse(
        'report/out-exists',
        `--out ${shown} exists and is not a report Baton wrote; not overwritten`,
        'Pass --force to replace it, or name another file.',
      );
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw reportWriteFailed(shown, err, `making its folder ${escapeControl(dirname(path))}`);
  }
  const temp = join(dirname(path), `.${basename(path)}.baton-${process.pid}.tmp`);
  let doing = 'writing it';
  try {
    writeFileSync(temp, text, { flag: 'wx' });
    doing = 'moving it into place';
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw reportWriteFailed(shown, err, doing);
  }
  return path;
}

/** What a non-regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'something other than a file or a folder';
}

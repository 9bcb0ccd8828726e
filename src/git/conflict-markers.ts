import { fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { withRegular } from '../open-regular.js';

/** A line git's conflict markers begin: `<<<<<<<`, `>>>>>>>` or `|||||||`, then a space or its end. */
const MARKER = /^(<{7}|>{7}|\|{7})( |$)/m;

/** The most a file holds for Baton to look through it for markers; a larger one is taken to hold some. */
export const MARKER_SCAN_MAX_BYTES = 256 * 1024 * 1024;

const CHUNK_BYTES = 1024 * 1024;

/**
 * Files (relative to `cwd`) that still hold conflict markers. Only regular files are read, as
 * `withRegular` opens them: a symlink has no markers to look for (git writes a conflicted symlink as a
 * symlink), and one an agent points at a FIFO or `/dev/zero` is never followed, so the look cannot
 * block or read for ever. A missing file, or anything else that is not a regular file, has none; one
 * past `MARKER_SCAN_MAX_BYTES` is taken to hold some (Baton cannot vouch it is clean).
 */
export function filesWithConflictMarkers(cwd: string, files: string[]): string[] {
  return files.filter((file) => withRegular(join(cwd, file), holdsMarkers) === true);
}

/**
 * Whether an open regular file holds a marker line, read a chunk at a time: only the first bytes of the
 * line a chunk ends in are carried into the next (a marker is decided by a line's first 8 characters).
 */
function holdsMarkers(fd: number): boolean {
  if (fstatSync(fd).size > MARKER_SCAN_MAX_BYTES) return true;
  const buffer = Buffer.alloc(CHUNK_BYTES);
  let carry = '';
  let position = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, buffer.length, position);
    if (n === 0) return MARKER.test(carry);
    position += n;
    if (position > MARKER_SCAN_MAX_BYTES) return true;
    // latin1: one character a byte, so a chunk never splits one; the markers are ASCII.
    const text = carry + buffer.toString('latin1', 0, n);
    const lastLine = text.lastIndexOf('\n') + 1;
    if (MARKER.test(text.slice(0, lastLine))) return true;
    carry = text.slice(lastLine, lastLine + 8);
  }
}

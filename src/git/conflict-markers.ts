import { fstatSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { withRegular } from '../open-regular.js';

/** A line git's conflict markers begin: `<<<<<<<`, `>>>>>>>` or `|||||||`, then a space or its end. */
const MARKER = /^(<{7}|>{7}|\|{7})( |$)/m;

/** How far git looks for a NUL to call a file binary (`buffer_is_binary`): it writes no markers into those. */
const BINARY_PROBE_BYTES = 8000;

const CHUNK_BYTES = 1024 * 1024;

/**
 * Files (relative to `cwd`) that still hold conflict markers. Only regular files are read, as
 * `withRegular` opens them: a symlink has no markers to look for (git writes a conflicted symlink as a
 * symlink), and one an agent points at a FIFO or `/dev/zero` is never followed, so the look cannot
 * block or read for ever. A missing file, or anything else that is not a regular file, has none; so has
 * a binary file, as git tells one (a NUL in its first 8,000 bytes), into which git writes no markers.
 */
export function filesWithConflictMarkers(cwd: string, files: string[]): string[] {
  return files.filter((file) => withRegular(join(cwd, file), holdsMarkers) === true);
}

/**
 * Whether an open regular file holds a marker line, read a chunk at a time up to the size it had when
 * opened (a file something keeps writing to cannot keep the look going): only the first bytes of the
 * line a chunk ends in are carried into the next (a marker is decided by a line's first 8 characters).
 */
function holdsMarkers(fd: number): boolean {
  const size = fstatSync(fd).size;
  const buffer = Buffer.alloc(CHUNK_BYTES);
  let carry = '';
  let position = 0;
  while (position < size) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - position), position);
    if (n === 0) break;
    if (position === 0 && buffer.subarray(0, Math.min(n, BINARY_PROBE_BYTES)).includes(0)) return false;
    position += n;
    // latin1: one character a byte, so a chunk never splits one; the markers are ASCII.
    const text = carry + buffer.toString('latin1', 0, n);
    const lastLine = text.lastIndexOf('\n') + 1;
    if (MARKER.test(text.slice(0, lastLine))) return true;
    carry = text.slice(lastLine, lastLine + 8);
  }
  return MARKER.test(carry);
}

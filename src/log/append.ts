import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { makeFolders } from '../make-folders.js';
import { stringifyJson } from '../text/escape.js';
import { writeFailed } from '../write-failed.js';
import type { BatonEvent, NewEvent } from './events.js';
import { isUsableLog, logUnusable } from './read.js';

/** Supplies the current time; passed in so callers and tests control the clock. */
export type Clock = () => Date;

/** Stamps `v` and `ts` on an event. */
export function stampEvent(event: NewEvent, clock: Clock = () => new Date()): BatonEvent {
  return { v: 1, ts: clock().toISOString(), ...event } as BatonEvent;
}

/** The longest line Baton writes: the reader skips anything longer, so the writer refuses it. */
export const MAX_EVENT_BYTES = 1 << 20;

/** The open errors that say what the log's path is, not that the write failed (`unusableWhy`'s words). */
const KIND_CODES = new Set(['ELOOP', 'EMLINK', 'EISDIR', 'ENXIO']);

/** What to do about a log write the system refused, by its error code (the disk's causes aside). */
function writeFailedHint(logPath: string, code: string | undefined): string {
  if (code === 'EROFS')
    return `The file system holding ${logPath} is read-only: pass --log or set BATON_LOG to a writable path.`;
  if (code === 'EEXIST' || code === 'ENOTDIR')
    return `A file stands where a folder of ${logPath} should be: move it aside, or pass --log or set BATON_LOG to another path.`;
  return `Check that ${dirname(logPath)} exists and is writable, or pass --log or set BATON_LOG to another path.`;
}

/** The one error for a log write the system refused (`writeFailed`, code `log/write-failed`). */
function logWriteFailed(logPath: string, err: unknown, doing: string): UserError {
  return writeFailed({
    errorCode: 'log/write-failed',
    what: 'the log',
    path: logPath,
    err,
    doing,
    hintFor: (code) => writeFailedHint(logPath, code),
  });
}

/**
 * Opens the log for appending as data, never as a device: no symlink is followed, a FIFO never
 * blocks the open, and anything but a regular file is refused with `log/unusable`.
 */
function openLogForAppend(logPath: string): number {
  let fd: number;
  try {
    fd = openSync(
      logPath,
      constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      0o644,
    );
  } catch (err) {
    // What the path is (a symlink, a directory, a socket) makes the log unusable; anything else (a
    // missing folder, a read-only disk, no permission) is a write that failed.
    if (KIND_CODES.has((err as NodeJS.ErrnoException).code ?? ''))
      throw logUnusable(logPath, { err, doing: 'opened for writing' });
    throw logWriteFailed(logPath, err, 'opening it');
  }
  const s = fstatSync(fd);
  if (!isUsableLog(s)) {
    closeSync(fd);
    throw logUnusable(logPath, s);
  }
  return fd;
}

/**
 * Appends one JSON line to the log with a single `write(2)` on a file opened with O_APPEND,
 * so concurrent writers (many hooks, many processes) never tear or interleave lines. If the file
 * does not end in a newline (a writer was killed mid-line) one is written first, in the same write,
 * so the torn line cannot swallow this event. Lines over `MAX_EVENT_BYTES` are refused.
 */
export function appendLine(logPath: string, value: object): void {
  // Bidi overrides, U+2028/2029 and C1 controls escaped too: `tail -f` on the log shows them inert.
  const line = `${stringifyJson(value)}\n`;
  if (line.indexOf('\n') !== line.length - 1) throw new Error('event serialised to more than one line');
  const body = Buffer.from(line, 'utf8');
  if (body.length > MAX_EVENT_BYTES) {
    throw new UserError(
      'log/line-too-long',
      `an event of ${body.length} bytes is longer than the log's ${MAX_EVENT_BYTES}-byte limit; not written`,
      { hint: 'Pass large payloads by file, not inside a hook event.' },
    );
  }
  try {
    makeFolders(dirname(logPath));
  } catch (err) {
    throw logWriteFailed(logPath, err, `creating its folder ${dirname(logPath)}`);
  }
  const fd = openLogForAppend(logPath);
  try {
    const size = fstatSync(fd).size;
    let buf = body;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) buf = Buffer.concat([Buffer.from('\n'), body]);
    }
    writeWhole(fd, buf);
  } catch (err) {
    throw logWriteFailed(logPath, err, 'appending to it');
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes all of `buf` at the end of the file. One write is the norm; the loop only guards against a
 * short write on a full disk, and when the rest is refused the part written is cut off again (`cutOff`),
 * or every later reader would skip a torn line for ever.
 */
function writeWhole(fd: number, buf: Buffer): void {
  let written = 0;
  try {
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
  } catch (err) {
    if (written > 0) cutOff(fd, buf.subarray(0, written));
    throw err;
  }
}

/** Truncates the file by `part` when it still ends with it (no other writer appended after it meanwhile). */
function cutOff(fd: number, part: Buffer): void {
  try {
    const end = fstatSync(fd).size;
    if (end < part.length) return;
    const tail = Buffer.alloc(part.length);
    readSync(fd, tail, 0, part.length, end - part.length);
    if (tail.equals(part)) ftruncateSync(fd, end - part.length);
  } catch {
    // The refused write is what gets reported; a line left torn is skipped by readers, as before.
  }
}

/** Stamps and appends an event; returns what was written. */
export function appendEvent(logPath: string, event: NewEvent, clock?: Clock): BatonEvent {
  const stamped = stampEvent(event, clock);
  appendLine(logPath, stamped);
  return stamped;
}

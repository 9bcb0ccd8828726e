import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import type { BatonEvent, NewEvent } from './events.js';
import { logUnusable, unusableWhy } from './read.js';

/** Supplies the current time; passed in so callers and tests control the clock. */
export type Clock = () => Date;

/** Stamps `v` and `ts` on an event. */
export function stampEvent(event: NewEvent, clock: Clock = () => new Date()): BatonEvent {
  return { v: 1, ts: clock().toISOString(), ...event } as BatonEvent;
}

/** The longest line Baton writes: the reader skips anything longer, so the writer refuses it. */
export const MAX_EVENT_BYTES = 1 << 20;

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
    throw logUnusable(logPath, unusableWhy({ err, doing: 'opened for writing' }));
  }
  const s = fstatSync(fd);
  if (!s.isFile()) {
    closeSync(fd);
    throw logUnusable(logPath, unusableWhy(s));
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
  const line = `${JSON.stringify(value)}\n`;
  if (line.indexOf('\n') !== line.length - 1) throw new Error('event serialised to more than one line');
  const body = Buffer.from(line, 'utf8');
  if (body.length > MAX_EVENT_BYTES) {
    throw new UserError(
      'log/line-too-long',
      `an event of ${body.length} bytes is longer than the log's ${MAX_EVENT_BYTES}-byte limit; not written`,
      { hint: 'Pass large payloads by file, not inside a hook event.' },
    );
  }
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openLogForAppend(logPath);
  try {
    const size = fstatSync(fd).size;
    let buf = body;
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) buf = Buffer.concat([Buffer.from('\n'), body]);
    }
    let written = 0;
    // One write is the norm; the loop only guards against a short write on a full disk.
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
  } finally {
    closeSync(fd);
  }
}

/** Stamps and appends an event; returns what was written. */
export function appendEvent(logPath: string, event: NewEvent, clock?: Clock): BatonEvent {
  const stamped = stampEvent(event, clock);
  appendLine(logPath, stamped);
  return stamped;
}

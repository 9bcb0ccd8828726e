import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatonEvent, NewEvent } from './events.js';

/** Supplies the current time; passed in so callers and tests control the clock. */
export type Clock = () => Date;

/** Stamps `v` and `ts` on an event. */
export function stampEvent(event: NewEvent, clock: Clock = () => new Date()): BatonEvent {
  return { v: 1, ts: clock().toISOString(), ...event } as BatonEvent;
}

/**
 * Appends one JSON line to the log with a single `write(2)` on a file opened with O_APPEND,
 * so concurrent writers (many hooks, many processes) never tear or interleave lines.
 */
export function appendLine(logPath: string, value: object): void {
  const line = `${JSON.stringify(value)}\n`;
  if (line.indexOf('\n') !== line.length - 1) throw new Error('event serialised to more than one line');
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, 'a');
  try {
    const buf = Buffer.from(line, 'utf8');
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

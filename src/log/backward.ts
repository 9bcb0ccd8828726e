/**
 * Reading the log from its end, line by line, in chunks: what commands that need only the latest
 * events use, so their cost is the size of what they look at, not of the whole history.
 */
import { closeSync, readSync } from 'node:fs';
import type { LogEvent } from './events.js';
import { parseLogEvent } from './parse-event.js';
import { MAX_LINE_BYTES, openLogForRead } from './read.js';

const CHUNK = 64 * 1024;

/** One line met on the way back: its bytes (without the newline) and the offset it starts at. */
export interface BackwardLine {
  line: Buffer;
  offset: number;
}

/**
 * The log's lines from the last one back to the first (or from the line ending before byte
 * `before`), each with its start offset; `read.bytes` counts the bytes read so far. A missing log
 * yields nothing; one that is a directory, FIFO, socket, symlink or unreadable throws `log/unusable`,
 * as the forward reader does (opened the same way, so a FIFO never blocks). The lines are views into a
 * chunk: copy one to keep it.
 */
export function* linesBackward(
  logPath: string,
  read: { bytes: number },
  before?: number,
): Generator<BackwardLine, void, undefined> {
  const opened = openLogForRead(logPath);
  if (opened === undefined) return;
  const { fd, size } = opened;
  try {
    let end = Math.min(before ?? Number.POSITIVE_INFINITY, size);
    // Bytes after the last newline seen so far (the start of a line that began in an earlier chunk).
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const chunk = Buffer.alloc(end - start);
      readSync(fd, chunk, 0, chunk.length, start);
      read.bytes += chunk.length;
      const buf = Buffer.concat([chunk, carry]);
      let lineEnd = buf.length;
      let nl = buf.lastIndexOf(0x0a);
      while (nl >= 0) {
        if (lineEnd > nl + 1) yield { line: buf.subarray(nl + 1, lineEnd), offset: start + nl + 1 };
        lineEnd = nl;
        nl = nl > 0 ? buf.lastIndexOf(0x0a, nl - 1) : -1;
      }
      carry = Buffer.from(buf.subarray(0, lineEnd));
      end = start;
    }
    if (carry.length > 0) yield { line: carry, offset: 0 };
  } finally {
    closeSync(fd);
  }
}

/**
 * The event a line holds, read as the forward reader reads it (the same checks, the same length
 * cap), when its bytes contain `needle`; undefined otherwise. The needle is a cheap filter before
 * JSON.parse: most lines are not the events a backward search looks for.
 */
export function eventOfLine(line: Buffer, needle: string): LogEvent | undefined {
  if (line.length > MAX_LINE_BYTES || line.indexOf(needle) < 0) return undefined;
  try {
    return parseLogEvent(JSON.parse(line.toString('utf8')));
  } catch {
    return undefined; // a torn or hostile line is no event
  }
}

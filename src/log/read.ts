import { isAscii } from 'node:buffer';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { LogEvent } from './events.js';
import { checkLogValue } from './parse-event.js';

/** A line of the log that could not be used, with its 1-based number. */
export interface LogProblem {
  line: number;
  message: string;
  text: string;
}

/** What was read from the log, and where to continue from next time. */
export interface LogChunk {
  events: LogEvent[];
  problems: LogProblem[];
  /** Byte offset just after the last complete line read. */
  endOffset: number;
  /** Number of complete lines consumed so far (for line numbers of the next chunk). */
  endLine: number;
}

/** Where parsed lines go: every event and every problem, in line order. */
export interface LineSink {
  event(e: LogEvent): void;
  problem(p: LogProblem): void;
}

/** Parses `text` line by line into the sink; returns how many `\n` it consumed. */
function parseLines(text: string, firstLine: number, sink: LineSink): number {
  let lineNo = firstLine - 1;
  let start = 0;
  let newlines = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    else newlines++;
    lineNo++;
    const raw = text.slice(start, end);
    start = end + 1;
    // Lines Baton writes are exactly one object: parse them without trimming first (the hot path).
    const plainObject = raw.charCodeAt(0) === 0x7b && raw.charCodeAt(raw.length - 1) === 0x7d;
    const trimmed = plainObject ? raw : raw.trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      sink.problem({ line: lineNo, message: 'not valid JSON (torn or hand-edited line)', text: clip(raw) });
      continue;
    }
    const checked = checkLogValue(value);
    if ('problem' in checked) {
      sink.problem({ line: lineNo, message: checked.problem, text: clip(raw) });
      continue;
    }
    sink.event(checked.event);
  }
  return newlines;
}

/** Parses complete log text (pure): every good line becomes an event, every bad one a problem. */
export function parseLogText(text: string, firstLine = 1): { events: LogEvent[]; problems: LogProblem[] } {
  const events: LogEvent[] = [];
  const problems: LogProblem[] = [];
  parseLines(text, firstLine, { event: (e) => events.push(e), problem: (p) => problems.push(p) });
  return { events, problems };
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

const CHUNK = 1 << 20;

/** Decodes UTF-8; pure ASCII (nearly every log) is copied as Latin-1, the same text four times faster. */
function decode(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Where to start reading: a byte offset at the start of a line, and how many lines lie before it. */
export interface LogCursor {
  offset: number;
  line: number;
}

/**
 * Reads the log from `from` to its current end, in 1 MiB chunks, handing each event and problem
 * to `sink` as it is parsed, so a caller that folds as it goes never holds the whole log in memory.
 * A last line without its newline is left for the next read (a writer may be half-way through it),
 * so `--watch` and the dashboard read only what was appended; with `final` it is parsed too. A
 * missing log reads as empty. Returns where to continue from.
 */
export function streamLog(
  logPath: string,
  from: LogCursor,
  options: { final?: boolean },
  sink: LineSink,
): { endOffset: number; endLine: number } {
  let size: number;
  try {
    size = statSync(logPath).size;
  } catch {
    return { endOffset: from.offset, endLine: from.line };
  }
  if (size < from.offset) from = { offset: 0, line: 0 }; // truncated or replaced: start over
  const fd = openSync(logPath, 'r');
  let offset = from.offset;
  let line = from.line;
  let carry: Buffer = Buffer.alloc(0);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    while (offset + carry.length < size) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - offset - carry.length), offset + carry.length);
      if (n <= 0) break;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      const lastNl = data.lastIndexOf(0x0a);
      if (lastNl === -1) {
        carry = Buffer.from(data);
        continue;
      }
      // A 0x0a byte is never part of a multi-byte UTF-8 character, so lines decode the same here.
      line += parseLines(decode(data.subarray(0, lastNl + 1)), line + 1, sink);
      offset += lastNl + 1;
      carry = Buffer.from(data.subarray(lastNl + 1));
    }
  } finally {
    closeSync(fd);
  }
  if (options.final && carry.length > 0) {
    // Nobody is still writing (a one-shot read): an unterminated last line is a torn write.
    parseLines(decode(carry), line + 1, sink);
  }
  return { endOffset: offset, endLine: line };
}

/** Reads the log from `from` to its current end (see `streamLog`) and returns what it read. */
export function readLog(
  logPath: string,
  from: LogCursor = { offset: 0, line: 0 },
  options: { final?: boolean } = {},
): LogChunk {
  const events: LogEvent[] = [];
  const problems: LogProblem[] = [];
  const end = streamLog(logPath, from, options, {
    event: (e) => events.push(e),
    problem: (p) => problems.push(p),
  });
  return { events, problems, ...end };
}

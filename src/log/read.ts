/**
 * Reading `.baton/log.jsonl`, in one module because every reader (status, the report, the dashboard,
 * doctor) must refuse the same unusable logs (a FIFO, a symlink, a hard link, a device: `log/unusable`)
 * and cut lines the same way (one line parser): the streaming read from a byte offset and the whole
 * read both go through the one open (`openLogForRead`).
 */
import { isAscii } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { printableArg } from '../agents/shell-words.js';
import { UserError } from '../errors.js';
import type { LogEvent } from './events.js';
import { logValueProblem } from './parse-event.js';
import { isBatonLogPath } from './paths.js';

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
    // A line that cannot be JSON (`mayBeJson`) is refused without a JSON.parse that throws: a throw builds
    // an error with its stack, and a log of junk or torn lines (a binary file appended, a tool's chatter, a
    // writer killed mid-line) was read at several µs per line that way.
    let value: unknown = NOT_JSON;
    if (plainObject || mayBeJson(trimmed)) {
      try {
        value = JSON.parse(trimmed);
      } catch {
        // Told below, like a line that cannot start JSON.
      }
    }
    if (value === NOT_JSON) {
      sink.problem({ line: lineNo, message: unparsedWhy(trimmed), text: clip(raw) });
      continue;
    }
    const problem = logValueProblem(value);
    if (problem !== undefined) {
      sink.problem({ line: lineNo, message: problem, text: clip(raw) });
      continue;
    }
    sink.event(value as LogEvent);
  }
  return newlines;
}

/** What no JSON text parses to: a line that did not parse. */
const NOT_JSON = Symbol('not JSON');

/**
 * Whether `t` (trimmed, not empty) can be a JSON text at all, by its first and last characters: an object
 * ends with `}`, a list with `]`, a string with `"`, a number with a digit, and true, false and null are
 * what they are. Only a line this passes is handed to JSON.parse.
 */
function mayBeJson(t: string): boolean {
  const first = t.charCodeAt(0);
  const last = t.charCodeAt(t.length - 1);
  const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
  if (first === 0x7b) return last === 0x7d; // { }
  if (first === 0x5b) return last === 0x5d; // [ ]
  if (first === 0x22) return last === 0x22 && t.length >= 2; // " "
  if (first === 0x2d || isDigit(first)) return isDigit(last);
  if (first === 0x74 || first === 0x66) return last === 0x65; // true, false
  if (first === 0x6e) return last === 0x6c; // null
  return false;
}

/**
 * Why a line did not parse: bytes that are no UTF-8 (decoded as U+FFFD, which no valid JSON needs
 * outside a string) are named as such; anything else is torn or edited JSON.
 */
function unparsedWhy(text: string): string {
  if (!text.includes('\uFFFD')) return 'not valid JSON (torn or hand-edited line)';
  const cleaned = text.replaceAll('\uFFFD', '');
  try {
    JSON.parse(cleaned);
    return 'invalid UTF-8 (bytes that are no character; without them the line is valid JSON)';
  } catch {
    return 'not valid JSON, with invalid UTF-8 in it (torn, hand-edited or binary line)';
  }
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

// 64 KiB: each chunk's text stays a young-generation string that V8 reuses the memory of. A 1 MiB chunk made
// a large-object string per read, fresh pages each time: on a 2-core VM a cold `status` on 300,000 events
// took 2.2 s that way and 0.8 s this way.
const CHUNK = 1 << 16;

/** The longest line the reader parses (and the writer writes): anything longer is skipped unread. */
export const MAX_LINE_BYTES = 1 << 20;

/** Decodes UTF-8; pure ASCII (nearly every log) is copied as Latin-1, the same text four times faster. */
function decode(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Where to start reading: a byte offset at the start of a line, and how many lines lie before it. */
export interface LogCursor {
  offset: number;
  line: number;
  /** The offset lies inside an over-long line being skipped: discard up to its newline first. */
  skipping?: boolean;
}

/**
 * Why the log cannot be used, in the `log/unusable` message's words: from the error of its open
 * (`doing`: what the open was for), or from what it is once opened (`fstat`). The one wording of the
 * readers and the writer.
 */
function unusableWhy(from: { err: unknown; doing: string } | Stats): string {
  if ('err' in from) {
    const code = (from.err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') return 'it is a symbolic link';
    if (code === 'EISDIR') return 'it is a directory';
    if (code === 'ENXIO') return 'it is a socket';
    return `it cannot be ${from.doing} (${code ?? String(from.err)})`;
  }
  return `it is ${describeKind(from)}`;
}

/**
 * Whether an open log (its `fstat`) is one Baton reads and writes: a regular file of one link. A hard
 * link shares a file of elsewhere (`ln ~/.bashrc .baton/log.jsonl`) without being a link at all, and
 * appending to it would write events into that file; the rule `src/state-write.ts` holds every other
 * file under `.baton/` to.
 */
export function isUsableLog(s: Stats): boolean {
  return s.isFile() && s.nlink === 1;
}

/** What a kind of file is called in the `log/unusable` message. */
function describeKind(s: Stats): string {
  if (s.isFile() && s.nlink > 1)
    return `a file with ${s.nlink} hard links (a file that also lives elsewhere), not Baton's own`;
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * The one error every command gives for a log that is not a readable regular file (`from`: the error
 * of its open, or what it is, as for `unusableWhy`). Moving it aside is advised only at Baton's own
 * place for a log (`.baton/log.jsonl`): a path the user chose (`--log`, `BATON_LOG`) can be any file
 * or folder of theirs (`.baton` itself, `.`, their home), to be named again, never moved.
 */
export function logUnusable(logPath: string, from: Parameters<typeof unusableWhy>[0]): UserError {
  const folder = 'err' in from ? (from.err as NodeJS.ErrnoException).code === 'EISDIR' : from.isDirectory();
  return new UserError('log/unusable', `the log ${logPath} cannot be used: ${unusableWhy(from)}`, {
    hint: isBatonLogPath(logPath)
      ? `Move it aside (mv ${printableArg(logPath)} ${printableArg(`${logPath}.bad`)}); Baton starts a new log on the next run.`
      : `${folder ? 'A log must name a file: name' : 'Name'} a regular file with --log or BATON_LOG (the default is .baton/log.jsonl of the main checkout).`,
  });
}

/**
 * Opens the log for reading without following a symlink and without blocking on a FIFO, and checks
 * it is a regular file of one link (`isUsableLog`); undefined when it does not exist, a `log/unusable` UserError otherwise.
 */
export function openLogForRead(logPath: string): { fd: number; size: number } | undefined {
  let fd: number;
  try {
    fd = openSync(logPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw logUnusable(logPath, { err, doing: 'opened' });
  }
  const s = fstatSync(fd);
  if (!isUsableLog(s)) {
    closeSync(fd);
    throw logUnusable(logPath, s);
  }
  return { fd, size: s.size };
}

/**
 * Reads the log from `from` to its current end, in 1 MiB chunks, handing each event and problem
 * to `sink` as it is parsed, so a caller that folds as it goes never holds the whole log in memory.
 * A last line without its newline is left for the next read (a writer may be half-way through it),
 * so `--watch` and the dashboard read only what was appended; with `final` it is parsed too, unless
 * the file grew since it was opened (that line is still being written, and is left like the rest). A
 * line longer than `MAX_LINE_BYTES` is reported and skipped without being built in memory;
 * `maxBytes` bounds one call's work (the dashboard reads a huge append in slices). A missing log
 * reads as empty; a directory, FIFO, socket, symlink or unreadable file throws `log/unusable`.
 */
export function streamLog(
  logPath: string,
  from: LogCursor,
  options: { final?: boolean; maxBytes?: number },
  sink: LineSink,
): { endOffset: number; endLine: number; skipping?: boolean } {
  const opened = openLogForRead(logPath);
  if (!opened) return { endOffset: from.offset, endLine: from.line };
  const { fd, size } = opened;
  if (size < from.offset) from = { offset: 0, line: 0 }; // truncated or replaced: start over
  const stop = options.maxBytes === undefined ? size : Math.min(size, from.offset + options.maxBytes);
  let offset = from.offset; // start of the first line not yet consumed
  let line = from.line;
  let skipping = from.skipping === true;
  let pos = offset; // next byte to read
  // The unterminated tail of what was read (at most MAX_LINE_BYTES) stays at the buffer's start and
  // the next chunk is read in after it, so no chunk is copied to join it to the tail.
  const buf = Buffer.allocUnsafe(CHUNK + MAX_LINE_BYTES);
  let carry = 0;
  try {
    while (pos < stop) {
      const n = readSync(fd, buf, carry, Math.min(CHUNK, stop - pos), pos);
      if (n <= 0) break;
      pos += n;
      let data = buf.subarray(0, carry + n);
      if (skipping) {
        // Nothing is carried while skipping: `data` is the new bytes alone.
        const nl = data.indexOf(0x0a);
        if (nl === -1) {
          offset = pos;
          continue;
        }
        skipping = false;
        offset = pos - n + nl + 1;
        data = data.subarray(nl + 1);
      }
      const lastNl = data.lastIndexOf(0x0a);
      if (lastNl !== -1) {
        // A 0x0a byte is never part of a multi-byte UTF-8 character, so lines decode the same here.
        line += parseBounded(data.subarray(0, lastNl + 1), line + 1, sink);
        offset += lastNl + 1;
        data = data.subarray(lastNl + 1);
      }
      if (data.length > MAX_LINE_BYTES) {
        // Too long to be an event: report it once and drop its bytes up to the next newline.
        line++;
        sink.problem({
          line,
          message: `line longer than ${MAX_LINE_BYTES} bytes`,
          text: clip(decode(data.subarray(0, 200))),
        });
        skipping = true;
        offset += data.length;
        carry = 0;
        continue;
      }
      // Buffer#copy handles the overlap (the tail moves towards the start).
      carry = data.copy(buf, 0);
    }
    // A one-shot read takes an unterminated last line as a torn write, unless the file grew while it
    // was read: then a writer is still landing that line (a large append arrives page by page).
    if (options.final && carry > 0 && pos >= size && fstatSync(fd).size > size) carry = 0;
  } finally {
    closeSync(fd);
  }
  if (options.final && carry > 0 && pos >= size) {
    parseLines(decode(buf.subarray(0, carry)), line + 1, sink);
  }
  return { endOffset: offset, endLine: line, ...(skipping ? { skipping } : {}) };
}

/** Parses complete lines, skipping (and reporting) any single line over the cap without decoding it. */
function parseBounded(bytes: Buffer, firstLine: number, sink: LineSink): number {
  let count = 0;
  let start = 0;
  while (start < bytes.length) {
    let end = start;
    // Find the next run of lines that are each under the cap; an over-long one is reported alone.
    // A line from `runEnd` is within the cap when a newline lies at most MAX_LINE_BYTES after it:
    // one search per MAX_LINE_BYTES of text, not one per line.
    let runEnd = start;
    while (runEnd < bytes.length) {
      const nl = bytes.lastIndexOf(0x0a, runEnd + MAX_LINE_BYTES);
      if (nl < runEnd) break;
      runEnd = nl + 1;
    }
    end = runEnd;
    if (end > start) {
      count += parseLines(decode(bytes.subarray(start, end)), firstLine + count, sink);
      start = end;
      continue;
    }
    const nl = bytes.indexOf(0x0a, start);
    count++;
    sink.problem({
      line: firstLine + count - 1,
      message: `line longer than ${MAX_LINE_BYTES} bytes`,
      text: clip(decode(bytes.subarray(start, start + 200))),
    });
    start = nl + 1;
  }
  return count;
}

/** Reads the log from `from` to its current end (see `streamLog`) and returns what it read. */
export function readLog(
  logPath: string,
  from: LogCursor = { offset: 0, line: 0 },
  options: { final?: boolean; maxBytes?: number } = {},
): LogChunk & { skipping?: boolean } {
  const events: LogEvent[] = [];
  const problems: LogProblem[] = [];
  const end = streamLog(logPath, from, options, {
    event: (e) => events.push(e),
    problem: (p) => problems.push(p),
  });
  return { events, problems, ...end };
}

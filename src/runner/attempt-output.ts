import { fstatSync, readSync } from 'node:fs';
import { withRegular } from '../open-regular.js';

/** How much of an attempt's log Baton reads, and keeps, to find the agent's usage and why it stopped. */
export interface AttemptOutputLimits {
  /** Only the log's last `scanBytes` are read: an agent may print gigabytes. */
  scanBytes: number;
  /** Of what is read, the last `keepBytes` are kept. */
  keepBytes: number;
  /** A longer line (a tool's whole output, a file's contents) is skipped, so it pushes no event out. */
  lineBytes: number;
  chunkBytes: number;
}

/**
 * Enough for any usage or error event: they are short lines (Claude's `result`, a Codex `turn.completed`,
 * an OpenCode `step_finish`), and the ones that count are the last.
 */
export const ATTEMPT_OUTPUT_LIMITS: AttemptOutputLimits = {
  scanBytes: 64 * 1024 * 1024,
  keepBytes: 16 * 1024 * 1024,
  lineBytes: 1024 * 1024,
  chunkBytes: 1024 * 1024,
};

/**
 * What an agent printed in one attempt (its log from `offset`), as adapters read usage and rate limits
 * from it, bounded in memory and time however much it printed (the whole log once made a string past
 * V8's limit, and the feature failed with its work uncommitted). Whole lines only: the end of the log,
 * over-long lines left out. The agent can reach `.baton/` and replace its log: only a regular file is
 * read (a FIFO in its place would block the orchestrator), and what else is there reads as empty.
 */
export function readAttemptOutput(
  file: string,
  offset: number,
  limits: AttemptOutputLimits = ATTEMPT_OUTPUT_LIMITS,
): string {
  return withRegular(file, (fd) => scanTail(fd, offset, limits)) ?? '';
}

/**
 * The lines of `fd` from `offset` to its size when opened (an agent's straggler may still write), as above.
 * Work and memory follow the bytes, not the lines: 60 MB of empty lines once made a Buffer each (76 s,
 * 4.5 GB). A chunk no longer than a line may be holds no over-long line between its first and last
 * newline, so those lines are kept in one copy; only the line across a chunk's edge is looked at alone.
 */
function scanTail(fd: number, offset: number, limits: AttemptOutputLimits): string {
  const size = fstatSync(fd).size;
  const from = Math.max(offset, size - limits.scanBytes);
  const kept = new TailBuffer(limits.keepBytes);
  const line = new PendingLine(limits.lineBytes + 1);
  // Started mid-log: the first line read is torn, so it is skipped like an over-long one.
  if (from > offset) line.skip();
  const chunk = Buffer.allocUnsafe(
    Math.max(1, Math.min(limits.chunkBytes, limits.lineBytes + 1, size - from)),
  );
  for (let pos = from; pos < size; ) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
    if (n === 0) break;
    pos += n;
    const piece = chunk.subarray(0, n);
    const first = piece.indexOf(10);
    if (first === -1) {
      line.extend(piece);
      continue;
    }
    line.extend(piece.subarray(0, first + 1));
    line.flushTo(kept);
    const last = piece.lastIndexOf(10);
    kept.append(piece.subarray(first + 1, last + 1));
    line.extend(piece.subarray(last + 1));
  }
  line.flushTo(kept);
  return kept.text();
}

/** The line being read, up to `capacity` bytes with its newline; a longer one is skipped whole. */
class PendingLine {
  readonly #capacity: number;
  #buf: Buffer | undefined;
  #length = 0;
  #skipping = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  skip(): void {
    this.#skipping = true;
    this.#length = 0;
  }

  extend(part: Buffer): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#length + part.length > this.#capacity) {
      this.skip();
      return;
    }
    this.#buf ??= Buffer.allocUnsafe(this.#capacity);
    part.copy(this.#buf, this.#length);
    this.#length += part.length;
  }

  /** Hands the line, unless skipped, to `kept`, and starts the next one. */
  flushTo(kept: TailBuffer): void {
    // The room for a newline is not room for one more byte of the log's last, unended line.
    const full = this.#length === this.#capacity && this.#buf?.[this.#length - 1] !== 10;
    if (!this.#skipping && !full && this.#buf) kept.append(this.#buf.subarray(0, this.#length));
    this.#length = 0;
    this.#skipping = false;
  }
}

/**
 * The last `keepBytes` of what is appended, in one buffer of at most twice that: when it is full, the
 * newest `keepBytes` move to its front, so each byte is copied a bounded number of times.
 */
class TailBuffer {
  readonly #keepBytes: number;
  #buf = Buffer.alloc(0);
  #length = 0;
  #total = 0;

  constructor(keepBytes: number) {
    this.#keepBytes = keepBytes;
  }

  append(part: Buffer): void {
    if (part.length === 0) return;
    this.#total += part.length;
    const keep = this.#keepBytes;
    if (part.length >= keep) {
      this.#reserve(keep);
      part.copy(this.#buf, 0, part.length - keep);
      this.#length = keep;
      return;
    }
    if (this.#length + part.length > this.#buf.length) this.#reserve(this.#length + part.length);
    if (this.#length + part.length > this.#buf.length) {
      const old = keep - part.length;
      this.#buf.copy(this.#buf, 0, this.#length - old, this.#length);
      this.#length = old;
    }
    part.copy(this.#buf, this.#length);
    this.#length += part.length;
  }

  /** The kept text from its first whole line (the oldest kept line is torn when bytes before it were dropped). */
  text(): string {
    const start = Math.max(0, this.#length - this.#keepBytes);
    const text = this.#buf.toString('utf8', start, this.#length);
    return this.#total > this.#keepBytes ? text.slice(text.indexOf('\n') + 1) : text;
  }

  /** Grows the buffer towards `needed` bytes, doubling, never past twice `keepBytes`. */
  #reserve(needed: number): void {
    const cap = Math.min(2 * this.#keepBytes, Math.max(needed, 2 * this.#buf.length, 4096));
    if (cap <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(cap);
    this.#buf.copy(grown, 0, 0, this.#length);
    this.#buf = grown;
  }
}

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

/** The lines of `fd` from `offset` to its size when opened (an agent's straggler may still write), as above. */
function scanTail(fd: number, offset: number, limits: AttemptOutputLimits): string {
  const size = fstatSync(fd).size;
  const from = Math.max(offset, size - limits.scanBytes);
  const lines = new LineKeeper(limits);
  // Started mid-log: the first line read is torn, so it is skipped like an over-long one.
  if (from > offset) lines.skipCurrent();
  const chunk = Buffer.allocUnsafe(limits.chunkBytes);
  for (let pos = from; pos < size; ) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
    if (n === 0) break;
    pos += n;
    lines.add(chunk.subarray(0, n));
  }
  return lines.text();
}

/** Keeps the last `keepBytes` of whole lines fed to it in pieces, leaving out those over `lineBytes`. */
class LineKeeper {
  readonly #limits: AttemptOutputLimits;
  /** Kept bytes, oldest first, from `#head` on; each a copy (the read buffer is reused). */
  #kept: Buffer[] = [];
  #head = 0;
  #keptBytes = 0;
  /** Whether bytes were dropped from the front, so the first kept line may be torn. */
  #dropped = false;
  /** The line being read, not yet ended by a newline. */
  #line: Buffer[] = [];
  #lineBytes = 0;
  #skipping = false;

  constructor(limits: AttemptOutputLimits) {
    this.#limits = limits;
  }

  skipCurrent(): void {
    this.#skipping = true;
    this.#line = [];
    this.#lineBytes = 0;
  }

  add(piece: Buffer): void {
    let start = 0;
    for (let nl = piece.indexOf(10); nl !== -1; nl = piece.indexOf(10, start)) {
      this.#extend(piece.subarray(start, nl + 1));
      if (!this.#skipping) for (const part of this.#line) this.#keep(part);
      this.#line = [];
      this.#lineBytes = 0;
      this.#skipping = false;
      start = nl + 1;
    }
    this.#extend(piece.subarray(start));
  }

  text(): string {
    if (!this.#skipping) for (const part of this.#line) this.#keep(part);
    const text = Buffer.concat(this.#kept.slice(this.#head)).toString('utf8');
    return this.#dropped ? text.slice(text.indexOf('\n') + 1) : text;
  }

  #extend(part: Buffer): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#lineBytes + part.length > this.#limits.lineBytes + 1) {
      this.skipCurrent();
      return;
    }
    this.#line.push(Buffer.from(part));
    this.#lineBytes += part.length;
  }

  #keep(part: Buffer): void {
    this.#kept.push(part);
    this.#keptBytes += part.length;
    while (this.#keptBytes > this.#limits.keepBytes) {
      const first = this.#kept[this.#head]!;
      const over = this.#keptBytes - this.#limits.keepBytes;
      this.#dropped = true;
      if (first.length > over) {
        this.#kept[this.#head] = first.subarray(over);
        this.#keptBytes -= over;
      } else {
        this.#head++;
        this.#keptBytes -= first.length;
      }
    }
    // The dropped entries are let go now and then, not one array shift per line.
    if (this.#head > 1024 && this.#head * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(this.#head);
      this.#head = 0;
    }
  }
}

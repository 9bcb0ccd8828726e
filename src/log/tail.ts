/**
 * The one log tailer: `status --watch` and the dashboard follow the log through it. It keeps a byte
 * offset and reads only what was appended since the last read; a last line still being written is
 * left for the next read, and a truncated, replaced or rewritten log is read again from its start.
 */
import { type FSWatcher, lstatSync, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LogEvent } from './events.js';
import { markPrefix, PrefixHash, type PrefixMark, prefixHolds } from './prefix-stamp.js';
import { type LineSink, type LogProblem, streamLog } from './read.js';

/** Where a tailer's reads go: each event and problem in line order, and a reset before a re-read. */
export interface TailSink extends LineSink {
  /** The log was truncated or replaced: what was read before no longer holds. */
  reset?(): void;
}

function statOrUndefined(
  path: string,
): { size: number; ino: number; mtimeMs: number; file: boolean } | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, ino: s.ino, mtimeMs: s.mtimeMs, file: s.isFile() };
  } catch {
    return undefined;
  }
}

/**
 * What is at the log's path, as far as reading it goes: nothing, a regular file, or something else
 * (a FIFO, directory, symlink…) named by its kind and inode. Not following a symlink, as the reader does not.
 */
function entryAt(path: string): string {
  try {
    const s = lstatSync(path);
    return s.isFile() ? 'file' : `other:${s.mode & 0o170000}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

/** Follows one log file from a byte offset. */
export class LogTailer {
  readonly path: string;
  #offset = 0;
  #line = 0;
  #ino: number | undefined;
  /** What was at the path at the last read (`entryAt`): a FIFO or directory appearing or going is news. */
  #entry = 'missing';
  /** What the last read read (`prefix-stamp.ts`): whether those bytes still hold is checked before the next. */
  #mark: PrefixMark | undefined;
  /** The hash of the bytes read so far, carried from read to read: a mark costs only what was appended. */
  #hasher: PrefixHash;

  constructor(path: string) {
    this.path = path;
    this.#hasher = new PrefixHash(path);
  }

  /** Byte offset just after the last complete line read. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Whether the file on disk differs from what was read (cheap: two stats). A change of what is there
   * counts even at offset 0 with no bytes: a FIFO put where a removed log was (size 0) must be read, to
   * be reported unusable, and its removal, to clear that.
   */
  hasNews(): boolean {
    const entry = entryAt(this.path);
    if (entry !== this.#entry) return true;
    // The same FIFO, directory or symlink as at the last read: it was reported then.
    if (entry !== 'file') return entry === 'missing' && this.#offset > 0;
    const s = statOrUndefined(this.path);
    if (!s) return this.#offset > 0;
    return (
      s.size !== this.#offset ||
      (this.#ino !== undefined && s.ino !== this.#ino) ||
      (this.#mark !== undefined && s.mtimeMs !== this.#mark.mtimeMs)
    );
  }

  /**
   * Reads what was appended since the last read into `sink`; with `final` an unterminated last line
   * is parsed too (nobody is still writing). Returns whether the log was reset and anything was read.
   * A log that is not a regular file throws `log/unusable` (`streamLog`), the offset kept.
   */
  read(sink: TailSink, options: { final?: boolean } = {}): { reset: boolean; advanced: boolean } {
    // Noted before anything is read: a change after this is news for the next `hasNews`.
    this.#entry = entryAt(this.path);
    const s = statOrUndefined(this.path);
    // A fresh hasher, read only when a write that did not grow the log asks for the whole prefix.
    const verify = new PrefixHash(this.path);
    let reset = false;
    // A missing, replaced, shorter or rewritten file (an edit in place of a line already read
    // included): read it again from its start. Anything but a regular file is left to the reader to refuse.
    const held = this.#offset > 0 && s?.file === true && this.#mark !== undefined;
    if (
      (s === undefined && this.#offset > 0) ||
      (s?.file &&
        (this.#ino !== s.ino ||
          (held && !prefixHolds(this.path, this.#mark!, s, verify, { afterAppends: false }))))
    ) {
      reset = this.#offset > 0;
      this.#offset = 0;
      this.#line = 0;
      this.#mark = undefined;
      this.#hasher = new PrefixHash(this.path);
      if (reset) sink.reset?.();
    }
    this.#ino = s?.ino;
    if (!s) return { reset, advanced: false };
    const before = this.#offset;
    const end = streamLog(this.path, { offset: this.#offset, line: this.#line }, options, sink);
    this.#offset = end.endOffset;
    this.#line = end.endLine;
    this.#mark = this.#markNow(s, this.#hasher);
    return { reset, advanced: reset || end.endOffset !== before };
  }

  #markNow(seen: { size: number; mtimeMs: number }, prefix: PrefixHash): PrefixMark | undefined {
    try {
      return markPrefix(this.path, this.#offset, seen, prefix, this.#mark);
    } catch {
      // Unreadable now: the next read finds no mark and trusts its offset, as before marks.
      return undefined;
    }
  }

  /** Reads what was appended and returns it collected (for small increments). */
  readChunk(options: { final?: boolean } = {}): {
    events: LogEvent[];
    problems: LogProblem[];
    reset: boolean;
  } {
    const events: LogEvent[] = [];
    const problems: LogProblem[] = [];
    const { reset } = this.read(
      {
        event: (e) => events.push(e),
        problem: (p) => problems.push(p),
        reset: () => {
          events.length = 0;
          problems.length = 0;
        },
      },
      options,
    );
    return { events, problems, reset };
  }
}

/** Options for watching the log. */
export interface WatchLogOptions {
  /** Period of the stat fallback, for file systems where change notifications are lost or absent. */
  intervalMs?: number;
  /** Keep the process alive while watching (a command that only watches, like `status --watch`). */
  keepAlive?: boolean;
}

/**
 * Calls `onNews` soon after the log may have changed: on a change notification for the log's folder
 * (the folder, not the file, so a log created or replaced later is still seen) and on a low-frequency
 * timer as a fallback. Bursts of notifications are coalesced into one call. Returns a stop function.
 */
export function watchLog(logPath: string, onNews: () => void, options: WatchLogOptions = {}): () => void {
  const dir = dirname(logPath);
  const name = basename(logPath);
  let watcher: FSWatcher | undefined;
  let scheduled = false;
  let stopped = false;

  const schedule = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!stopped) onNews();
    });
  };

  const attach = () => {
    if (watcher || stopped) return;
    try {
      watcher = watch(dir, { persistent: options.keepAlive === true }, (_type, file) => {
        if (file === null || file === name) schedule();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      // The folder does not exist yet (no run so far): the timer tries again.
      watcher = undefined;
    }
  };

  attach();
  const timer = setInterval(() => {
    attach();
    schedule();
  }, options.intervalMs ?? 250);
  if (!options.keepAlive) timer.unref();

  return () => {
    stopped = true;
    clearInterval(timer);
    watcher?.close();
    watcher = undefined;
  };
}

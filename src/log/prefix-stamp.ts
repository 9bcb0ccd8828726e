/**
 * The one rule for anything that keeps a byte offset into the log across reads or processes (the fold
 * snapshot, the tailer): whether the log's bytes before that offset are still the bytes that were read.
 * A reader keeps a `PrefixMark` of what it read; `prefixHolds` checks it:
 *
 * - always, a cheap stamp of the first bytes and of the last few KiB before the offset (a log replaced
 *   or restored from a backup differs there, whatever its size and mtime);
 * - when the log was written since the mark (its size or mtime moved), a hash of the whole prefix: an
 *   edit in place of an already-read line (`"complete"` → `"failed"  `, same size) followed by an
 *   append looks like a plain append to `stat`, and only the bytes themselves can tell.
 *
 * So a log nothing wrote to costs two small reads; one that was written to costs one pass of hashing
 * over what was read before (shared with the new mark: `PrefixHash` only ever reads forward), about
 * 30 ms for 40 MB, still far less than folding those bytes again. The tailer, woken at every write,
 * keeps its hasher from read to read (a mark costs only the appended bytes) and checks the whole
 * prefix only for a write that did not grow the log: an edit in place seen on its own.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { YIELD_TO_MAIN_THREAD_CODE } from '../process/yield-to-main.js';

/** How many of the log's first bytes the stamp takes. */
const HEAD_BYTES = 256;
/** How many bytes just before the offset the stamp takes (the last lines read). */
const TAIL_BYTES = 4096;
/** How many bytes the whole-prefix hash reads at a time. */
const HASH_CHUNK = 1 << 20;

/** Opens the log for reading, never blocking on a FIFO put in its place. */
function openForRead(logPath: string): number {
  return openSync(logPath, constants.O_RDONLY | constants.O_NONBLOCK);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

/**
 * The stamp of the log's bytes before `offset` (a hash of its first and its last few KiB there, and
 * of `offset`); throws when the log cannot be read. Two stamps differ when those bytes differ.
 */
export function prefixStamp(logPath: string, offset: number): string {
  const fd = openForRead(logPath);
  try {
    const head = readAt(fd, 0, Math.min(HEAD_BYTES, offset));
    const tailStart = Math.max(head.length, offset - TAIL_BYTES);
    const tail = readAt(fd, tailStart, offset - tailStart);
    return createHash('sha1').update(`${offset}:`).update(head).update(tail).digest('base64');
  } finally {
    closeSync(fd);
  }
}

/**
 * The hash of the log's first bytes, read forward on demand: `upTo(a)` then `upTo(b)` reads the bytes
 * before `b` once. Nothing is read until asked; throws when the log cannot be read or is shorter.
 */
export class PrefixHash {
  readonly #path: string;
  #hash: Hash = createHash('sha1');
  #at = 0;

  constructor(logPath: string) {
    this.#path = logPath;
  }

  /** The hash of the log's bytes before `offset`. */
  upTo(offset: number): string {
    if (offset < this.#at) {
      this.#hash = createHash('sha1');
      this.#at = 0;
    }
    if (offset > this.#at) this.#read(offset);
    return this.#hash.copy().digest('base64');
  }

  #read(offset: number): void {
    const fd = openForRead(this.#path);
    try {
      const buf = Buffer.allocUnsafe(HASH_CHUNK);
      while (this.#at < offset) {
        const n = readSync(fd, buf, 0, Math.min(HASH_CHUNK, offset - this.#at), this.#at);
        if (n <= 0) throw new Error(`${this.#path} is shorter than ${offset} bytes`);
        this.#hash.update(buf.subarray(0, n));
        this.#at += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** The log's size and mtime, as `stat` gives them. */
export interface LogSeen {
  size: number;
  mtimeMs: number;
}

/** What a reader keeps of the bytes it read: how many, their stamp and hash, and the log as it was then. */
export interface PrefixMark extends LogSeen {
  /** Byte offset just after the last complete line read. */
  offset: number;
  /** `prefixStamp` of the bytes before `offset`. */
  stamp: string;
  /** `PrefixHash` of the bytes before `offset`. */
  hash: string;
}

/**
 * Whether the log's bytes before `mark.offset` are still those read (see the top of this file); `now` is
 * the log's stat (a regular file), `hash` a hasher that has not read past `mark.offset` (a fresh one,
 * or the one the next mark is taken with). `afterAppends: false` (a reader that reads at every write)
 * checks the whole prefix only when the log was written without growing. Never throws.
 */
export function prefixHolds(
  logPath: string,
  mark: PrefixMark,
  now: LogSeen,
  hash: PrefixHash,
  { afterAppends = true }: { afterAppends?: boolean } = {},
): boolean {
  if (now.size < mark.offset) return false;
  try {
    if (prefixStamp(logPath, mark.offset) !== mark.stamp) return false;
    // Nothing written since the mark: the stamp is enough.
    if (now.size === mark.size && now.mtimeMs === mark.mtimeMs) return true;
    // A reader woken at every write (the tailer) sees an edit in place apart from the appends around
    // it (same size, new mtime); hashing the whole prefix at each append would cost it O(log) per event.
    if (!afterAppends && now.size !== mark.size) return true;
    return hash.upTo(mark.offset) === mark.hash;
  } catch {
    return false;
  }
}

/**
 * The mark of a read that ended at `offset`, with the log as `seen` before it was read (so anything
 * written during the read moves its size or mtime, and the next check hashes). `held` is the mark
 * `prefixHolds` accepted before this read, whose hash is reused when nothing more was read.
 */
export function markPrefix(
  logPath: string,
  offset: number,
  seen: LogSeen,
  hash: PrefixHash,
  held?: PrefixMark,
  /** The hash of the bytes before `offset`, when already known (`hashAhead`). */
  known?: string,
): PrefixMark {
  const same = held !== undefined && held.offset === offset;
  return {
    offset,
    size: seen.size,
    mtimeMs: seen.mtimeMs,
    stamp: same ? held.stamp : prefixStamp(logPath, offset),
    hash: same ? held.hash : (known ?? hash.upTo(offset)),
  };
}

/** The worker's code: `PrefixHash`'s hash of the file's first `size` bytes, posted, then a flag raised; it counts the chunks it hashed. */
const HASH_AHEAD_WORKER = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync, constants } = require('node:fs');
const { path, size, shared, port } = workerData;
const progress = new Int32Array(shared);
${YIELD_TO_MAIN_THREAD_CODE}
let digest = null;
try {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const hash = createHash('sha1');
    const buf = Buffer.allocUnsafe(${HASH_CHUNK});
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
      if (n <= 0) throw new Error('short');
      hash.update(buf.subarray(0, n));
      at += n;
      Atomics.add(progress, 1, 1);
    }
    digest = hash.digest('base64');
  } finally {
    closeSync(fd);
  }
} catch {}
port.postMessage(digest);
Atomics.store(progress, 0, 1);
Atomics.notify(progress, 0);
`;

/** How long \`take\` waits for the hashing thread to read another chunk before hashing itself. */
const STALL_MS = 2000;

/**
 * \`PrefixHash\`'s hash of the log's first \`size\` bytes, computed on another thread while the caller
 * folds those same bytes (a first read of a large log: the hash pass then costs no wall time on two
 * cores). \`take(offset)\` waits for it when \`offset\` is \`size\`, and gives undefined otherwise (or
 * when it failed): the caller hashes itself then.
 */
export function hashAhead(logPath: string, size: number): { take(offset: number): string | undefined } {
  const { Worker, MessageChannel, receiveMessageOnPort } = createRequire(import.meta.url)(
    'node:worker_threads',
  ) as typeof import('node:worker_threads');
  // [0]: done; [1]: chunks hashed so far (a thread that died stops counting).
  const shared = new SharedArrayBuffer(8);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(HASH_AHEAD_WORKER, {
    eval: true,
    workerData: { path: logPath, size, shared, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  return {
    take(offset: number): string | undefined {
      try {
        if (offset !== size) return undefined;
        const flags = new Int32Array(shared);
        let seen = -1;
        while (Atomics.load(flags, 0) === 0) {
          const chunks = Atomics.load(flags, 1);
          // No chunk read since the last wait: the thread is stuck or gone; hash on this one.
          if (chunks === seen) return undefined;
          seen = chunks;
          Atomics.wait(flags, 0, 0, STALL_MS);
        }
        const got = receiveMessageOnPort(port1)?.message;
        return typeof got === 'string' ? got : undefined;
      } finally {
        port1.close();
        void worker.terminate();
      }
    },
  };
}

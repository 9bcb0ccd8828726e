/**
 * A cheap stamp of a log's first `offset` bytes, for anything that keeps a byte offset into the log
 * across processes or reads (the fold snapshot, the tailer): the log's first bytes and the bytes just
 * before `offset`. A log rewritten in place, or restored from a backup, differs there even when its
 * first line is the same; the bytes in between are not read, so the stamp costs a few KiB at most.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** How many of the log's first bytes the stamp takes. */
const HEAD_BYTES = 256;
/** How many bytes just before the offset the stamp takes (the last lines read). */
const TAIL_BYTES = 4096;

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
  const fd = openSync(logPath, 'r');
  try {
    const head = readAt(fd, 0, Math.min(HEAD_BYTES, offset));
    const tailStart = Math.max(head.length, offset - TAIL_BYTES);
    const tail = readAt(fd, tailStart, offset - tailStart);
    return createHash('sha1').update(`${offset}:`).update(head).update(tail).digest('base64');
  } finally {
    closeSync(fd);
  }
}

/**
 * The lock file itself: reading its holder, creating it (O_EXCL) and taking a stale one over under a
 * guard, so that of Batons starting together exactly one holds it (`baton-lock.ts` decides who may).
 */
import { closeSync, fstatSync, lstatSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { UserError } from '../errors.js';
import { nothingAt, readRegular } from '../open-regular.js';
import { removeQuietly } from '../state-write.js';
import { writeFailed } from '../write-failed.js';
import type { LockHolder } from './baton-lock.js';

/**
 * Who holds the lock at `path`: undefined when there is no lock, 'unreadable' when it is not a lock
 * Baton wrote. An agent may put a FIFO or a symlink there: it is read as `readRegular` reads, never
 * waited on nor followed, and counts as unreadable (taken over like a stale lock).
 */
export function readHolder(path: string): LockHolder | undefined | 'unreadable' {
  const bytes = readRegular(path);
  if (bytes === undefined) return nothingAt(path) ? undefined : 'unreadable';
  const text = bytes.toString('utf8');
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || typeof v.since !== 'string')
      return 'unreadable';
    return v as LockHolder;
  } catch {
    return 'unreadable';
  }
}

/** Between two looks at a lock another Baton is writing or taking over. */
export const POLL_MS = 25;
/** A lock file this new and still empty is one a Baton has created and is about to write. */
const WRITING_MS = 2_000;
/** A takeover guard this old was left by a Baton that died taking a lock over. */
const GUARD_STALE_MS = 10_000;

/** Waits `ms` without returning to the event loop (the lock is taken synchronously). */
export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The file's age in ms and whether it is an empty regular file, or undefined when nothing is there. */
function lockFileLook(path: string): { ageMs: number; empty: boolean } | undefined {
  try {
    const st = lstatSync(path);
    return { ageMs: Date.now() - st.mtimeMs, empty: st.isFile() && st.size === 0 };
  } catch {
    return undefined;
  }
}

/**
 * Whether an unreadable lock is one another Baton has just created and not yet written (O_EXCL
 * creates it empty; its holder writes it at once): a young empty file. Taking that over would let
 * two Batons run.
 */
export function beingWritten(path: string): boolean {
  const look = lockFileLook(path);
  return look?.empty === true && look.ageMs < WRITING_MS;
}

/**
 * Removes the stale lock at `path` as `judged` (its dead holder, or 'unreadable'), under a guard
 * file (`<lock>.takeover`, O_EXCL) that only one Baton holds at a time: two Batons that both found
 * the lock stale would otherwise each remove it, the second removing the first one's new lock, and
 * both would run. Under the guard the lock is read again and removed only when it is still the one
 * judged stale (no other Baton removes a lock without the guard, and a live one's is never removed).
 * 'wait' while another Baton holds the guard; a guard left by one that died is removed once old.
 */
export function takeOverStale(
  path: string,
  judged: LockHolder | 'unreadable',
): 'removed' | 'changed' | 'wait' {
  const guard = `${path}.takeover`;
  if (!createLockFile(guard, `${process.pid}\n`)) {
    const look = lockFileLook(guard);
    if (look !== undefined && look.ageMs > GUARD_STALE_MS) removeQuietly(guard);
    return 'wait';
  }
  try {
    const now = readHolder(path);
    const same =
      now === 'unreadable' || judged === 'unreadable'
        ? now === judged && !beingWritten(path)
        : now !== undefined &&
          now.pid === judged.pid &&
          now.since === judged.since &&
          now.process_started_ms === judged.process_started_ms;
    if (!same) return 'changed';
    removeQuietly(path);
    return 'removed';
  } finally {
    removeQuietly(guard);
  }
}

/**
 * Creates the lock file holding `text`, or returns false when one is there. O_EXCL: of two Batons
 * starting at once, exactly one creates it. A write the system refuses (a full disk, a read-only
 * `.baton/`) is `lock/write-failed`, and the file it created is removed: an empty lock would be
 * taken for nobody's.
 */
export function createLockFile(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockWriteFailed(path, err, 'creating it');
  }
  const body = Buffer.from(text);
  try {
    let written = 0;
    while (written < body.length) written += writeSync(fd, body, written, body.length - written);
  } catch (err) {
    // Only the file this open made: another Baton may have taken an empty lock over meanwhile.
    if (sameFile(fd, path)) removeQuietly(path);
    throw lockWriteFailed(path, err, 'writing it');
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Whether `path` is still the file open at `fd`. */
function sameFile(fd: number, path: string): boolean {
  try {
    const open = fstatSync(fd);
    const there = lstatSync(path);
    return open.dev === there.dev && open.ino === there.ino;
  } catch {
    return false;
  }
}

/** The one error for a lock file the system would not let Baton write (`writeFailed`). */
export function lockWriteFailed(path: string, err: unknown, doing: string): UserError {
  return writeFailed({
    errorCode: 'lock/write-failed',
    what: 'the lock',
    path,
    err,
    doing,
    hintFor: (code) => {
      if (code === 'EROFS')
        return `The file system holding ${path} is read-only: run Baton in a repository whose .baton/ can be written.`;
      if (code === 'EEXIST' || code === 'ENOTDIR')
        return `A file stands where the folder ${dirname(path)} should be: move it aside.`;
      return `Check that ${dirname(path)} is a folder Baton can write to.`;
    },
  });
}

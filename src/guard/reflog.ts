/**
 * Git's reflogs as the repository guard reads them, with fs alone (no git process): the stash's
 * entries (`logs/refs/stash`, shared by every worktree, so an agent's `git stash pop` takes the user's
 * stash), and the last entry of a ref's log, whose message (`commit: my own work`) lets the user
 * recognise a change as their own. Only regular files, never a symlink followed or a FIFO waited on,
 * and never more than a bounded number of bytes.
 */
import { join } from 'node:path';
import { OBJECT_ID_PATTERN } from '../git/refs.js';
import { readRegularTail, readRegularText } from '../open-regular.js';

/** One reflog line: `<old> <new> <ident> <time> <tz>\t<message>`. */
export interface ReflogEntry {
  old: string;
  new: string;
  /** When it was written, in seconds since the epoch (as git's clock said). */
  time: number;
  message: string;
}

/** A stash log larger than this is not read (the stash is then compared as the ref `refs/stash`). */
const STASH_LOG_MAX_BYTES = 1024 * 1024;

/** How much of a ref's log is read from its end for its last line. */
const TAIL_BYTES = 4096;

const LINE = new RegExp(
  `^(${OBJECT_ID_PATTERN}) (${OBJECT_ID_PATTERN}) [^\\t]*? (\\d+) [+-]\\d{4}(?:\\t(.*))?$`,
);

/** One reflog line parsed (pure); undefined when it is not one. */
function parseReflogLine(line: string): ReflogEntry | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  return { old: m[1] as string, new: m[2] as string, time: Number(m[3]), message: m[4] ?? '' };
}

/**
 * The stash's entries, each commit with its message (`On main: my wip`); none when there is no stash
 * log and no `refs/stash`. Undefined when they cannot be known from the log — it is not a regular file,
 * too large, unreadable, or missing while `refs/stash` exists (a reftable repository): the caller
 * compares the ref instead.
 */
export function readStashEntries(gitDir: string, hasStashRef: boolean): Map<string, string> | undefined {
  const read = readRegularText(join(gitDir, 'logs', 'refs', 'stash'), {
    maxBytes: STASH_LOG_MAX_BYTES,
    what: 'the stash log',
  });
  if (!read.ok) return read.reason === 'missing' && !hasStashRef ? new Map() : undefined;
  const entries = new Map<string, string>();
  for (const line of read.text.split('\n')) {
    const entry = parseReflogLine(line);
    if (entry) entries.set(entry.new, entry.message);
  }
  return entries;
}

/**
 * The last entries of `ref`'s log (`HEAD`: the main checkout's), oldest first: the whole lines of its
 * last few KiB; none when it has no log or is not a ref.
 */
export function reflogTail(gitDir: string, ref: string): ReflogEntry[] {
  if (ref !== 'HEAD' && !ref.startsWith('refs/')) return [];
  const tail = readRegularTail(join(gitDir, 'logs', ref), TAIL_BYTES);
  if (!tail) return [];
  const lines = tail.text.split('\n');
  // The first line read is cut unless the read began at the file's start.
  if (!tail.whole) lines.shift();
  return lines.flatMap((line) => parseReflogLine(line) ?? []);
}

import { availableParallelism } from 'node:os';
import { HistoryCache } from './history-cache.js';
import { type LoggedCommit, listWindow, streamCommits, streamWindow } from './log-stream.js';

/** How one history pass read its commits. */
export interface HistoryRead {
  exitCode: number;
  stderr: string;
  /** Commits in the window. */
  commits: number;
  /** Commits whose paths git listed in this pass (the rest came from the cache). */
  read: number;
  /** How many `git log` processes read them in parallel. */
  streams: number;
}

/** Options of one history pass. */
export interface HistoryOptions {
  /** The last `window` non-merge commits of HEAD. */
  window: number;
  /** Where to keep the paths of commits already read (e.g. `.baton/cache/history.txt`); none: no cache. */
  cacheFile?: string | undefined;
  /** Exactly this many `git log` processes (default: one per 2,000 commits to read, up to the cores, at most 4). */
  streams?: number | undefined;
}

/** The largest count git's `-n` and `--skip` take as written (a signed 32-bit int). */
export const MAX_GIT_COUNT = 2 ** 31 - 1;

/** Below this many commits per stream, one more `git log` process costs more than it saves. */
const MIN_STREAM_COMMITS = 2_000;

/**
 * Calls `onCommit` once for each of the last `window` non-merge commits of `cwd`, with its position in
 * `git log --no-merges` order (0: the newest), as soon as it is known: the calls come in no particular
 * order, and nothing of a commit is kept once it has been handed on, so memory does not grow with the
 * window. Commits the cache holds are handed on as `rev-list` lists them; the rest are cut into
 * contiguous ranges, each read by its own `git log` process in parallel (never one process per commit).
 * Without a usable cache there is nothing to look up, so no list either: each stream reads its slice of
 * the window with `--skip`/`-n`.
 */
export async function readHistory(
  cwd: string,
  asked: HistoryOptions,
  onCommit: (c: LoggedCommit, position: number) => void,
): Promise<HistoryRead> {
  // git reads `-n`/`--skip` as 32-bit counts: 2^32 wraps to 0 (no commits, or none skipped, so the
  // history counted twice). No repository has more commits than the largest count git takes.
  const options = { ...asked, window: Math.min(asked.window, MAX_GIT_COUNT) };
  const cache = HistoryCache.open(options.cacheFile);
  const r =
    cache.size === 0
      ? await readCold(cwd, options, cache, onCommit)
      : await readWarm(cwd, options, cache, onCommit);
  if (r.exitCode === 0) cache.save();
  else cache.abandon();
  return r;
}

async function readCold(
  cwd: string,
  options: HistoryOptions,
  cache: HistoryCache,
  onCommit: (c: LoggedCommit, position: number) => void,
): Promise<HistoryRead> {
  const ranges = splitWindow(options.window, streamCount(options.window, options.streams));
  let commits = 0;
  const results = await Promise.all(
    ranges.map((range) =>
      streamWindow(cwd, range, (c, key, position) => {
        commits++;
        if (key.includes(' ')) cache.put(key, c);
        onCommit(c, position);
      }),
    ),
  );
  const failed = results.find((x) => x.exitCode !== 0);
  if (failed) return { ...failed, commits: 0, read: 0, streams: ranges.length };
  return { exitCode: 0, stderr: '', commits, read: commits, streams: ranges.length };
}

async function readWarm(
  cwd: string,
  options: HistoryOptions,
  cache: HistoryCache,
  onCommit: (c: LoggedCommit, position: number) => void,
): Promise<HistoryRead> {
  // Only the commits git must read are remembered: their shas and positions.
  const missing: string[] = [];
  const missingAt: number[] = [];
  let position = 0;
  const listed = await listWindow(cwd, options.window, (line) => {
    // A root commit or a shallow clone's boundary (no parents listed) is never cached: its paths change once the parents appear.
    const hit = line.includes(' ') ? cache.take(line) : undefined;
    if (hit) onCommit(hit, position);
    else {
      const space = line.indexOf(' ');
      missing.push(space < 0 ? line : line.slice(0, space));
      missingAt.push(position);
    }
    position++;
  });
  if (listed.exitCode !== 0) return { ...listed, commits: 0, read: 0, streams: 0 };
  const ranges = splitRanges(
    missing.map((_, i) => i),
    streamCount(missing.length, options.streams),
  );
  let mismatch: string | undefined;
  const results = await Promise.all(
    ranges.map((range) => {
      let next = 0;
      return streamCommits(
        cwd,
        range.map((i) => missing[i] as string),
        (c, key) => {
          const i = range[next++];
          if (i === undefined || c.sha !== missing[i]) {
            mismatch ??= `git log listed ${c.sha} where ${i === undefined ? 'nothing' : missing[i]} was asked for`;
            return;
          }
          if (key.includes(' ')) cache.put(key, c);
          onCommit(c, missingAt[i] as number);
        },
      ).then((x) => ({ ...x, listed: next, asked: range.length }));
    }),
  );
  const failed = results.find((x) => x.exitCode !== 0);
  if (failed)
    return { exitCode: failed.exitCode, stderr: failed.stderr, commits: 0, read: 0, streams: ranges.length };
  // The streams list exactly the commits asked for, in order: anything else is a bug, not a user error.
  const short = results.find((x) => x.listed !== x.asked);
  if (mismatch || short) throw new Error(mismatch ?? 'git log listed fewer commits than were asked for');
  return { exitCode: 0, stderr: '', commits: position, read: missing.length, streams: ranges.length };
}

/** How many streams `commits` commits to read are worth: `forced`, else one per MIN_STREAM_COMMITS up to the cores (≤ 4). */
export function streamCount(commits: number, forced?: number): number {
  if (forced !== undefined) return Math.max(1, forced);
  const cores = Math.min(4, availableParallelism());
  return Math.max(1, Math.min(cores, Math.floor(commits / MIN_STREAM_COMMITS)));
}

/** Cuts a window of `window` commits into `n` contiguous `--skip`/`-n` slices of nearly equal length, none empty (pure). */
export function splitWindow(window: number, n: number): { skip: number; count: number }[] {
  const slices = Math.max(0, Math.min(n, window));
  return Array.from({ length: slices }, (_, i) => {
    const skip = Math.floor((i * window) / slices);
    return { skip, count: Math.floor(((i + 1) * window) / slices) - skip };
  });
}

/** Cuts `list` into `n` contiguous ranges of nearly equal length, none empty (pure). */
export function splitRanges<T>(list: readonly T[], n: number): T[][] {
  if (list.length === 0) return [];
  const count = Math.min(n, list.length);
  const ranges: T[][] = [];
  for (let i = 0; i < count; i++) {
    ranges.push(
      list.slice(Math.floor((i * list.length) / count), Math.floor(((i + 1) * list.length) / count)),
    );
  }
  return ranges;
}

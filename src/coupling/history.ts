import { availableParallelism } from 'node:os';
import { HistoryCache } from './history-cache.js';
import { type LoggedCommit, listWindow, streamCommits } from './log-stream.js';

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

/** Below this many commits per stream, one more `git log` process costs more than it saves. */
const MIN_STREAM_COMMITS = 2_000;

/**
 * Calls `onCommit` for the last `window` non-merge commits of `cwd`, newest first, exactly as one
 * `git log --no-merges --name-only` stream would (full shas). One `rev-list` lists the window; the
 * commits not in the cache are cut into contiguous ranges, each read by its own `git log --stdin
 * --no-walk` process in parallel (never one process per commit); the results are put back in order.
 */
export async function readHistory(
  cwd: string,
  options: HistoryOptions,
  onCommit: (c: LoggedCommit) => void,
): Promise<HistoryRead> {
  const listed = await listWindow(cwd, options.window);
  if (listed.exitCode !== 0) {
    return { exitCode: listed.exitCode, stderr: listed.stderr, commits: 0, read: 0, streams: 0 };
  }
  const cache = HistoryCache.open(options.cacheFile);
  const { commits } = listed;
  const missing: number[] = [];
  commits.forEach((c, i) => {
    if (!c.hasParent || !cache.get(c.key)) missing.push(i);
  });
  const ranges = splitRanges(missing, streamCount(missing.length, options.streams));
  // For each commit of the window, the range that reads it (-1: the cache has it).
  const rangeOf = new Int32Array(commits.length).fill(-1);
  ranges.forEach((range, r) => {
    for (const i of range) rangeOf[i] = r;
  });
  // Commits are handed on in the window's order as soon as they are known: the first range streams
  // straight into `onCommit` while git still reads the others, which wait in their queues.
  const queues = ranges.map(() => ({ arrived: [] as LoggedCommit[], taken: 0 }));
  let next = 0;
  let mismatch: string | undefined;
  const drain = () => {
    for (let c = commits[next]; c !== undefined; c = commits[++next]) {
      const queue = queues[rangeOf[next] as number];
      if (!queue) {
        const hit = cache.get(c.key) as LoggedCommit;
        onCommit({ sha: c.sha, subject: hit.subject, files: hit.files });
        continue;
      }
      const fresh = queue.arrived[queue.taken];
      if (!fresh || mismatch) return;
      if (fresh.sha !== c.sha) {
        mismatch = `git log listed ${fresh.sha} where ${c.sha} was asked for`;
        return;
      }
      queue.taken++;
      if (c.hasParent) cache.set(c.key, fresh);
      onCommit(fresh);
    }
  };
  drain();
  const results = await Promise.all(
    ranges.map((range, r) =>
      streamCommits(
        cwd,
        range.map((i) => commits[i]?.sha as string),
        (c) => {
          queues[r]?.arrived.push(c);
          if (rangeOf[next] === r) drain();
        },
      ),
    ),
  );
  const failed = results.find((r) => r.exitCode !== 0);
  if (failed) return { ...failed, commits: 0, read: 0, streams: ranges.length };
  drain();
  // The streams list exactly the commits asked for, in order: anything else is a bug, not a user error.
  if (mismatch || next < commits.length) {
    throw new Error(mismatch ?? `git log listed no paths for commit ${commits[next]?.sha}`);
  }
  cache.save();
  return {
    exitCode: 0,
    stderr: '',
    commits: commits.length,
    read: missing.length,
    streams: ranges.length,
  };
}

/** How many streams `missing` commits are worth: `forced`, else one per MIN_STREAM_COMMITS up to the cores (≤ 4). */
export function streamCount(missing: number, forced?: number): number {
  if (forced !== undefined) return Math.max(1, forced);
  const cores = Math.min(4, availableParallelism());
  return Math.max(1, Math.min(cores, Math.floor(missing / MIN_STREAM_COMMITS)));
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

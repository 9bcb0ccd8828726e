import { closeSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { cacheStateDir } from '../cache-file.js';
import { readRegular } from '../open-regular.js';
import { makeStateFolder, openStateFile } from '../state-write.js';
import {
  formatLoggedCommit,
  headerKey,
  isRecordStart,
  type LoggedCommit,
  namesArgs,
  nextRecord,
  parseLoggedCommit,
} from './log-stream.js';

/**
 * Bumped when the cache file's layout changes. 3: NUL-ended headers and paths as `git log -z` writes them,
 * so a subject or a path may hold any other character (2 cut records at every record separator, one a
 * subject could hold, and kept git's quoted paths). 2: records keyed by "sha parent…" in the header line,
 * written as the pass goes (1 keyed them the same way but held the whole window until the end).
 */
export const HISTORY_CACHE_FORMAT = 3;

/** The first line of a cache file: its format and the git options its paths were read with. */
const HEADER = `baton history cache ${HISTORY_CACHE_FORMAT} ${namesArgs().join(' ')}\n`;

/** Records are written to disk in batches of about this many characters. */
const WRITE_BATCH = 1 << 16;

/**
 * The changed paths of commits already read, kept in `.baton/cache/history.txt` so that a second history
 * pass asks git only for the commits that are new since the last. A record is keyed by the commit's
 * `rev-list --parents` line: a commit's sha fixes its tree, and with its parents' shas, the paths its
 * diff lists, whichever repository or HEAD the file came from. Records are stored in the stream's own
 * format, kept as the file's raw text until taken; once the pass reads a commit git must list, the next
 * file is written while the pass runs (taken and fresh records alike), so the pass never holds the
 * window's commits, and an unchanged cache is never rewritten.
 */
export class HistoryCache {
  readonly #path: string | undefined;
  readonly #records: Map<string, string>;
  #fd: number | undefined;
  #tmp = '';
  #batch: string[] = [];
  #batchLength = 0;
  /** True once the new file differs from the old one: a fresh record, or an old one not taken. */
  #changed = false;
  /** A write failed: the next file is incomplete and must not replace the old one. */
  #broken = false;

  private constructor(path: string | undefined, records: Map<string, string>) {
    this.#path = path;
    this.#records = records;
  }

  /**
   * Opens the cache at `path` (none: a cache that keeps nothing); a missing, corrupt or other-format file is
   * empty, and so is one that is not a regular file.
   */
  static open(path: string | undefined): HistoryCache {
    const records = new Map<string, string>();
    let found = false;
    if (path !== undefined) {
      // A regular file only, as every cache under `.baton/` is read: an agent's FIFO there is never
      // waited on, its link to /dev/zero never followed; anything else is no cache.
      const bytes = readRegular(path);
      found = bytes !== undefined;
      const text = bytes?.toString('utf8') ?? '';
      if (text.startsWith(HEADER)) {
        let start = HEADER.length;
        while (start < text.length && isRecordStart(text, start)) {
          const next = nextRecord(text, start);
          const record = text.slice(start, next < 0 ? undefined : next);
          records.set(headerKey(record), record);
          start = next < 0 ? text.length : next;
        }
      }
    }
    const cache = new HistoryCache(path, records);
    // A file there that gave nothing (other format, corrupt) is rewritten.
    if (found && records.size === 0) cache.#changed = true;
    return cache;
  }

  /** The number of commits the cache holds and no pass has taken yet. */
  get size(): number {
    return this.#records.size;
  }

  /** Takes the commit stored under `key` out of the cache (into the next file), if it is there. */
  take(key: string): LoggedCommit | undefined {
    const record = this.#records.get(key);
    if (record === undefined) return undefined;
    this.#records.delete(key);
    this.#append(record);
    return parseLoggedCommit(record).commit;
  }

  /** Stores a commit read from git under `key` (its `rev-list --parents` line). */
  put(key: string, commit: LoggedCommit): void {
    this.#changed = true;
    this.#append(formatLoggedCommit(commit, key));
  }

  /** Ends the pass: the next file replaces the old one (atomically, by rename) when it differs; records not taken are dropped. */
  save(): void {
    if (this.#path === undefined) return;
    if (this.#records.size > 0) this.#changed = true;
    if (this.#changed) this.#flush();
    this.#close(this.#changed);
  }

  /** Ends a failed pass: the old file stays as it was. */
  abandon(): void {
    this.#close(false);
  }

  #append(text: string): void {
    if (this.#path === undefined) return;
    this.#batch.push(text);
    this.#batchLength += text.length;
    // Until something differs, taken records (slices of the text already read) wait: an unchanged cache is not rewritten.
    if (this.#changed && this.#batchLength >= WRITE_BATCH) this.#flush();
  }

  #flush(): void {
    if (this.#path === undefined || this.#broken) return;
    if (this.#batch.length === 0 && this.#fd !== undefined) return;
    try {
      if (this.#fd === undefined) {
        this.#tmp = `${this.#path}.${process.pid}.tmp`;
        // Made afresh inside `.baton/cache/`, no link on the way followed (`writeFileAtomic`'s rule).
        const state = cacheStateDir(this.#path);
        makeStateFolder(state, dirname(this.#path));
        rmSync(this.#tmp, { force: true });
        this.#fd = openStateFile(state, this.#tmp, 'create');
        writeSync(this.#fd, HEADER);
      }
      writeSync(this.#fd, this.#batch.join(''));
    } catch {
      // A cache that cannot be written only costs speed.
      this.#broken = true;
    }
    this.#batch = [];
    this.#batchLength = 0;
  }

  #close(keep: boolean): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
      if (keep && !this.#broken && this.#path !== undefined) renameSync(this.#tmp, this.#path);
      else rmSync(this.#tmp, { force: true });
    } catch {
      // As above: only speed is lost.
    }
    this.#fd = undefined;
  }
}

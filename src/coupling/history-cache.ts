import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLogParser, formatLoggedCommit, type LoggedCommit, namesArgs } from './log-stream.js';

/** Bumped when the cache file's layout changes. */
const CACHE_FORMAT = 1;

/** The first line of a cache file: its format and the git options its paths were read with. */
const HEADER = `baton history cache ${CACHE_FORMAT} ${namesArgs().join(' ')}\n`;

/**
 * The changed paths of commits already read, kept in `.baton/cache/history.txt` so that a second history
 * pass asks git only for the commits that are new since the last. A record is keyed by the commit's
 * `rev-list --parents` line: a commit's sha fixes its tree, and with its parents' shas, the paths its
 * diff lists, whichever repository or HEAD the file came from. Records are stored in the stream's own
 * format, read back by the same parser.
 */
export class HistoryCache {
  readonly #path: string | undefined;
  readonly #entries: Map<string, LoggedCommit>;
  readonly #used = new Set<string>();
  #dirty = false;

  private constructor(path: string | undefined, entries: Map<string, LoggedCommit>) {
    this.#path = path;
    this.#entries = entries;
  }

  /** Opens the cache at `path` (none: a cache that keeps nothing); a missing, corrupt or foreign file is empty. */
  static open(path: string | undefined): HistoryCache {
    const entries = new Map<string, LoggedCommit>();
    if (path !== undefined) {
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        // No cache yet: start empty.
      }
      if (text.startsWith(HEADER)) {
        const parser = createLogParser((c) => entries.set(c.sha, c));
        parser.push(text.slice(HEADER.length));
        parser.end();
      }
    }
    return new HistoryCache(path, entries);
  }

  /** The number of commits the cache holds. */
  get size(): number {
    return this.#entries.size;
  }

  /** The commit stored under `key` (its `sha` field is the key), remembered as used. */
  get(key: string): LoggedCommit | undefined {
    const hit = this.#entries.get(key);
    if (hit) this.#used.add(key);
    return hit;
  }

  /** Stores the paths of the commit under `key`. */
  set(key: string, commit: LoggedCommit): void {
    if (this.#path === undefined) return;
    this.#entries.set(key, { sha: key, subject: commit.subject, files: commit.files });
    this.#used.add(key);
    this.#dirty = true;
  }

  /** Writes the cache back (atomically, by rename) when it changed; commits not asked for are dropped. */
  save(): void {
    if (this.#path === undefined) return;
    for (const key of this.#entries.keys()) {
      if (!this.#used.has(key)) {
        this.#entries.delete(key);
        this.#dirty = true;
      }
    }
    if (!this.#dirty) return;
    const parts = [HEADER];
    for (const c of this.#entries.values()) parts.push(formatLoggedCommit(c));
    const tmp = `${this.#path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.#path), { recursive: true });
      writeFileSync(tmp, parts.join(''));
      renameSync(tmp, this.#path);
      this.#dirty = false;
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
}

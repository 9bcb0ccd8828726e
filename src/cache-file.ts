/**
 * The one way Baton keeps a cache of per-file results in `.baton/cache/`: a JSON file stamped with a
 * fingerprint of the code that produced the results, read as empty when missing, corrupt or foreign,
 * pruned of the files not asked for, and written back atomically (by rename) only when it changed.
 * A cache that cannot be read or written only costs speed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRegular } from './open-regular.js';
import { writeStateFileAtomic } from './state-write.js';

/**
 * Who reads a cache in `.baton/cache/`: a command that only `show`s what it holds may take it; one that
 * `decide`s on it (runs checks, merges, moves a branch) may not. Anything running as the user (an agent)
 * can write those files and no git watch sees them, so a cache cannot vouch for what it holds. The one
 * word for the contracts' parse cache (`ContractsUse`) and the status fold snapshot (`SnapshotUse`).
 */
export type CacheUse = 'decide' | 'show';

/**
 * The state folder a cache file belongs to: every cache is `<state>/cache/<name>` (`.baton/cache/`,
 * or `cache/` beside a log named with `--log`), and nothing below `<state>` is followed when it is a link.
 */
export function cacheStateDir(path: string): string {
  return dirname(dirname(path));
}

/**
 * Writes `text` to the cache file `path` through a temporary file and a rename, so a reader never sees
 * half of it, as `writeStateFileAtomic` writes: a link an agent put at `.baton/cache` or at the
 * temporary file's name is refused or removed, never written through; a temporary file the write
 * failed on (a full disk) is removed, not left behind in `.baton/cache/`.
 */
export function writeFileAtomic(path: string, text: string): void {
  writeStateFileAtomic(cacheStateDir(path), path, text);
}

/**
 * A hash of the cache's layout version and of the compiled sources of the named modules beside
 * `moduleUrl`, so a rebuilt or upgraded Baton never reuses results older code produced. In the
 * bundled CLI the named modules are not files of their own: the chunk at `moduleUrl` is hashed
 * instead, which holds them or names the chunks it imports by their content hash.
 */
export function sourceFingerprint(moduleUrl: string, modules: readonly string[], format: number): string {
  const hash = createHash('sha1').update(String(format));
  const ext = moduleUrl.endsWith('.ts') ? 'ts' : 'js';
  let missing = false;
  for (const name of modules) {
    try {
      hash.update(readFileSync(fileURLToPath(new URL(`./${name}.${ext}`, moduleUrl))));
    } catch {
      hash.update(`missing:${name}`);
      missing = true;
    }
  }
  if (missing) {
    try {
      hash.update(readFileSync(fileURLToPath(moduleUrl)));
    } catch {
      // not a file (a data: URL in a test): the names alone
    }
  }
  return hash.digest('hex');
}

interface StoredEntries<E> {
  fingerprint: string;
  entries: Record<string, E>;
}

/** Per-file entries kept in one JSON file (see the file's header). */
export class EntryCache<E> {
  readonly #path: string | undefined;
  readonly #fingerprint: () => string;
  readonly #entries: Record<string, E>;
  readonly #used = new Set<string>();
  #dirty = false;

  private constructor(path: string | undefined, fingerprint: () => string, entries: Record<string, E>) {
    this.#path = path;
    this.#fingerprint = fingerprint;
    this.#entries = entries;
  }

  /**
   * Opens the cache at `path` (none: in memory only); a missing, corrupt or foreign file is empty, and
   * so is one that is not a regular file (an agent's FIFO or symlink there is never waited on or followed).
   */
  static open<E>(path: string | undefined, fingerprint: () => string): EntryCache<E> {
    const bytes = path === undefined ? undefined : readRegular(path);
    if (path !== undefined && bytes !== undefined) {
      try {
        const data = JSON.parse(bytes.toString('utf8')) as StoredEntries<E>;
        if (data.fingerprint === fingerprint() && typeof data.entries === 'object' && data.entries !== null) {
          return new EntryCache(path, fingerprint, data.entries);
        }
      } catch {
        // No cache yet, or unreadable: start empty.
      }
    }
    return new EntryCache<E>(path, fingerprint, {});
  }

  /** The entry of `file`, without keeping it: an entry neither kept nor put is dropped on save. */
  peek(file: string): E | undefined {
    return this.#entries[file];
  }

  /** Keeps the entry of `file` on save. */
  keep(file: string): void {
    this.#used.add(file);
  }

  /** Sets and keeps the entry of `file`. */
  put(file: string, entry: E): void {
    this.#entries[file] = entry;
    this.#used.add(file);
    this.#dirty = true;
  }

  /** Writes the cache back when it changed; the entries not kept are dropped. */
  save(): void {
    if (this.#path === undefined) return;
    for (const file of Object.keys(this.#entries)) {
      if (!this.#used.has(file)) {
        delete this.#entries[file];
        this.#dirty = true;
      }
    }
    if (!this.#dirty) return;
    const data: StoredEntries<E> = { fingerprint: this.#fingerprint(), entries: this.#entries };
    try {
      writeFileAtomic(this.#path, JSON.stringify(data));
      this.#dirty = false;
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
}

import { EntryCache, sourceFingerprint } from '../cache-file.js';
import { isObj } from '../json-shape.js';
import type { ImportSite } from './imports.js';

/** Bumped when the cache file's layout changes. */
const CACHE_FORMAT = 1;

let readerFingerprint: string | undefined;
/** A hash of the import reader's own compiled source, so an upgraded Baton never reuses old results. */
function fingerprint(): string {
  readerFingerprint ??= sourceFingerprint(import.meta.url, ['imports'], CACHE_FORMAT);
  return readerFingerprint;
}

interface Entry {
  size: number;
  mtime: number;
  sites: ImportSite[];
}

/** Whether an entry read from the cache file (which anyone can write) has the shape Baton writes (pure). */
function isEntry(v: unknown): v is Entry {
  if (!isObj(v) || typeof v.size !== 'number' || typeof v.mtime !== 'number' || !Array.isArray(v.sites))
    return false;
  return v.sites.every(
    (s) =>
      isObj(s) &&
      typeof s.specifier === 'string' &&
      typeof s.line === 'number' &&
      typeof s.source === 'string',
  );
}

/**
 * The imports of unchanged source files, kept in `.baton/cache/imports.json`: parsing every owned
 * file costs about 6 µs a line, which `baton plan` and `baton lint` should pay once, not on every call.
 * A file is re-read when its size or modification time changed.
 */
export class ImportCache {
  readonly #cache: EntryCache<Entry>;

  private constructor(cache: EntryCache<Entry>) {
    this.#cache = cache;
  }

  /** Opens the cache at `path` (none: an in-memory cache); a missing, corrupt or foreign file is empty. */
  static open(path: string | undefined): ImportCache {
    return new ImportCache(EntryCache.open<Entry>(path, fingerprint));
  }

  /**
   * Whether the imports of `file` are kept for this size and modification time (`get` reads nothing); an
   * entry of another shape than Baton writes is not (it is read again and replaced).
   */
  fresh(file: string, size: number, mtime: number): boolean {
    const hit = this.#cache.peek(file);
    return isEntry(hit) && hit.size === size && hit.mtime === mtime;
  }

  /** The imports of `file` when its size and modification time still match, else `read()`'s (remembered). */
  get(file: string, size: number, mtime: number, read: () => ImportSite[]): ImportSite[] {
    this.#cache.keep(file);
    const hit = this.#cache.peek(file);
    if (hit && this.fresh(file, size, mtime)) return hit.sites;
    const sites = read();
    this.#cache.put(file, { size, mtime, sites });
    return sites;
  }

  /** Writes the cache back (atomically, by rename) when it changed; entries of files not asked for are dropped. */
  save(): void {
    this.#cache.save();
  }
}

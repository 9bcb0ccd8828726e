import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImportSite } from './imports.js';

/** Bumped when the cache file's layout changes. */
const CACHE_FORMAT = 1;

let readerFingerprint: string | undefined;
/** A hash of the import reader's own compiled source, so an upgraded Baton never reuses old results. */
function fingerprint(): string {
  if (readerFingerprint === undefined) {
    const hash = createHash('sha1').update(String(CACHE_FORMAT));
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    try {
      hash.update(readFileSync(fileURLToPath(new URL(`./imports.${ext}`, import.meta.url))));
    } catch {
      hash.update('missing');
    }
    readerFingerprint = hash.digest('hex');
  }
  return readerFingerprint;
}

interface CacheFile {
  fingerprint: string;
  entries: Record<string, { size: number; mtime: number; sites: ImportSite[] }>;
}

/**
 * The imports of unchanged source files, kept in `.baton/cache/imports.json`: parsing every owned
 * file costs about 6 µs a line, which `baton plan` and `baton lint` should pay once, not on every call.
 * A file is re-read when its size or modification time changed.
 */
export class ImportCache {
  readonly #path: string | undefined;
  readonly #entries: CacheFile['entries'];
  readonly #used = new Set<string>();
  #dirty = false;

  private constructor(path: string | undefined, entries: CacheFile['entries']) {
    this.#path = path;
    this.#entries = entries;
  }

  /** Opens the cache at `path` (none: an in-memory cache); a missing, corrupt or foreign file is empty. */
  static open(path: string | undefined): ImportCache {
    if (path === undefined) return new ImportCache(undefined, {});
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
      if (data.fingerprint === fingerprint() && typeof data.entries === 'object' && data.entries !== null) {
        return new ImportCache(path, data.entries);
      }
    } catch {
      // No cache yet, or unreadable: start empty.
    }
    return new ImportCache(path, {});
  }

  /** The imports of `file` when its size and modification time still match, else `read()`'s (remembered). */
  get(file: string, size: number, mtime: number, read: () => ImportSite[]): ImportSite[] {
    this.#used.add(file);
    const hit = this.#entries[file];
    if (hit && hit.size === size && hit.mtime === mtime) return hit.sites;
    const sites = read();
    this.#entries[file] = { size, mtime, sites };
    this.#dirty = true;
    return sites;
  }

  /** Writes the cache back (atomically, by rename) when it changed; entries of files not asked for are dropped. */
  save(): void {
    if (this.#path === undefined) return;
    for (const file of Object.keys(this.#entries)) {
      if (!this.#used.has(file)) {
        delete this.#entries[file];
        this.#dirty = true;
      }
    }
    if (!this.#dirty) return;
    const tmp = `${this.#path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.#path), { recursive: true });
      writeFileSync(tmp, JSON.stringify({ fingerprint: fingerprint(), entries: this.#entries }));
      renameSync(tmp, this.#path);
      this.#dirty = false;
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
}

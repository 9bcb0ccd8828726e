import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from '../errors.js';
import type { Contract } from './schema.js';

/** How the parser recognises front matter: a first line that is `---`. */
const FRONT_MATTER = /^\uFEFF?[^\S\r\n]*---[^\S\r\n]*(\r?\n|$)/;

/** Bumped when the cache file's layout changes. */
const CACHE_FORMAT = 1;

/**
 * Identifies the parser that produced a cached result: a hash of its own compiled sources, so a rebuilt or
 * upgraded Baton never reuses results an older parser produced.
 */
let parserFingerprint: string | undefined;
function fingerprint(): string {
  if (parserFingerprint === undefined) {
    const hash = createHash('sha1').update(String(CACHE_FORMAT));
    for (const name of ['parse', 'heading-form', 'schema', 'suggest']) {
      const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
      try {
        hash.update(readFileSync(fileURLToPath(new URL(`./${name}.${ext}`, import.meta.url))));
      } catch {
        hash.update(`missing:${name}`);
      }
    }
    parserFingerprint = hash.digest('hex');
  }
  return parserFingerprint;
}

type Parsed = Extract<Result<Contract>, { ok: true }>;

interface CacheFile {
  fingerprint: string;
  entries: Record<string, { key: string; result: Parsed }>;
}

/**
 * Parse results of unchanged contract files, kept in `.baton/cache/`: a contract is re-parsed only when its
 * text (or, for the heading form, the set of feature folders it classifies dependencies against) changed.
 */
export class ParseCache {
  readonly #path: string;
  #entries: CacheFile['entries'];
  #used = new Set<string>();
  #dirty = false;

  private constructor(path: string, entries: CacheFile['entries']) {
    this.#path = path;
    this.#entries = entries;
  }

  /** Opens the cache at `path`; a missing, corrupt or foreign cache is simply empty. */
  static open(path: string): ParseCache {
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as CacheFile;
      if (data.fingerprint === fingerprint() && typeof data.entries === 'object' && data.entries !== null) {
        return new ParseCache(path, data.entries);
      }
    } catch {
      // No cache yet, or unreadable: start empty.
    }
    return new ParseCache(path, {});
  }

  /** The key of one contract's inputs. */
  static keyOf(text: string, knownIds: ReadonlySet<string>): string {
    const hash = createHash('sha1').update(text);
    // Only the heading form looks at the other ids (to tell features from services among dependencies).
    if (!FRONT_MATTER.test(text)) hash.update('\0').update([...knownIds].sort().join('\0'));
    return hash.digest('hex');
  }

  /** The cached successful result for `file` when its key still matches. */
  get(file: string, key: string): Parsed | undefined {
    const entry = this.#entries[file];
    if (entry?.key !== key) return undefined;
    this.#used.add(file);
    return entry.result;
  }

  /** Remembers a successful result (failures are always re-parsed, so their messages stay fresh). */
  set(file: string, key: string, result: Parsed): void {
    this.#entries[file] = { key, result };
    this.#used.add(file);
    this.#dirty = true;
  }

  /** Writes the cache back (atomically, by rename) when it changed; entries of vanished files are dropped. */
  save(): void {
    for (const file of Object.keys(this.#entries)) {
      if (!this.#used.has(file)) {
        delete this.#entries[file];
        this.#dirty = true;
      }
    }
    if (!this.#dirty) return;
    const data: CacheFile = { fingerprint: fingerprint(), entries: this.#entries };
    const tmp = `${this.#path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.#path), { recursive: true });
      writeFileSync(tmp, JSON.stringify(data));
      renameSync(tmp, this.#path);
      this.#dirty = false;
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
}

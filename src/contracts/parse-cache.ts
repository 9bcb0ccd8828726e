import { createHash } from 'node:crypto';
import { EntryCache, sourceFingerprint } from '../cache-file.js';
import { isObj } from '../json-shape.js';
import { type CachedParse, isCachedParse } from './parse-cache-shape.js';

/** How the parser recognises front matter: a first line that is `---`. */
const FRONT_MATTER = /^\uFEFF?[^\S\r\n]*---[^\S\r\n]*(\r?\n|$)/;

/** Bumped when the cache file's layout changes. */
const CACHE_FORMAT = 1;

/**
 * The parser's modules, beside this file: every module `parse` imports for its values, directly or not
 * (test/contracts/parse-cache-modules.test.ts holds the list to that).
 */
export const PARSER_MODULES: readonly string[] = [
  'parse',
  'build',
  'salvage',
  'criteria-read',
  'empty-check',
  'http-target',
  'heading-form',
  'heading-sections',
  'issues',
  'labels',
  'feature-id',
  'schema',
  'schema-keys',
  'schema-fields',
  'suggest',
  'unknown-fields',
  'yaml-opened',
  'agent-names',
  '../agents/names',
  '../git/refs',
  '../path-inside',
  '../text/error-message',
  '../text/yaml',
  '../text/yaml-duplicate',
  '../text/yaml-locate',
  '../timer-span',
  '../zod',
];

let parserFingerprint: string | undefined;
/**
 * Identifies the parser that produced a cached result: a hash of its own compiled sources, so a rebuilt or
 * upgraded Baton never reuses results an older parser produced.
 */
function fingerprint(): string {
  parserFingerprint ??= sourceFingerprint(import.meta.url, PARSER_MODULES, CACHE_FORMAT);
  return parserFingerprint;
}

type Parsed = CachedParse;

interface Entry {
  key: string;
  result: Parsed;
}

/**
 * Parse results of unchanged contract files, kept in `.baton/cache/`: a contract is re-parsed only when its
 * text (or, for the heading form, the set of feature folders it classifies dependencies against) changed.
 */
export class ParseCache {
  readonly #cache: EntryCache<Entry>;

  private constructor(cache: EntryCache<Entry>) {
    this.#cache = cache;
  }

  /** Opens the cache at `path`; a missing, corrupt or foreign cache is simply empty. */
  static open(path: string): ParseCache {
    return new ParseCache(EntryCache.open<Entry>(path, fingerprint));
  }

  /** The key of one contract's inputs. */
  static keyOf(text: string, knownIds: ReadonlySet<string>): string {
    const hash = createHash('sha1').update(text);
    // Only the heading form looks at the other ids (to tell features from services among dependencies).
    if (!FRONT_MATTER.test(text)) hash.update('\0').update([...knownIds].sort().join('\0'));
    return hash.digest('hex');
  }

  /**
   * The cached successful result for `file` when its key still matches and it has the shape Baton writes
   * (`isCachedParse`): anyone can write the file, and an entry of another shape is a miss, parsed again.
   */
  get(file: string, key: string): Parsed | undefined {
    const entry = this.#cache.peek(file);
    if (!isObj(entry) || entry.key !== key || !isCachedParse(entry.result)) return undefined;
    this.#cache.keep(file);
    return entry.result;
  }

  /** Remembers a successful result (failures are always re-parsed, so their messages stay fresh). */
  set(file: string, key: string, result: Parsed): void {
    this.#cache.put(file, { key, result });
  }

  /** Writes the cache back (atomically, by rename) when it changed; entries of vanished files are dropped. */
  save(): void {
    this.#cache.save();
  }
}

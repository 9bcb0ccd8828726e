/** The one per-file cache (src/cache-file.ts) on a real temporary folder. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EntryCache } from '../../src/cache-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function cachePath(): string {
  const d = mkdtempSync(join(tmpdir(), 'baton-cache-'));
  dirs.push(d);
  return join(d, 'cache', 'entries.json');
}
const stored = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('EntryCache', () => {
  it('writes its entries atomically, stamped with the fingerprint, and reads them back', () => {
    const path = cachePath();
    const a = EntryCache.open<number>(path, () => 'v1');
    a.put('x.ts', 1);
    a.save();
    expect(stored(path)).toEqual({ fingerprint: 'v1', entries: { 'x.ts': 1 } });
    expect(readdirSync(join(path, '..'))).toEqual(['entries.json']);
    expect(EntryCache.open<number>(path, () => 'v1').peek('x.ts')).toBe(1);
  });

  it('reads a cache of another fingerprint, or a corrupt one, as empty', () => {
    const path = cachePath();
    const a = EntryCache.open<number>(path, () => 'v1');
    a.put('x.ts', 1);
    a.save();
    expect(EntryCache.open<number>(path, () => 'v2').peek('x.ts')).toBeUndefined();
    writeFileSync(path, '{"fingerprint": "v1", "entr');
    expect(EntryCache.open<number>(path, () => 'v1').peek('x.ts')).toBeUndefined();
  });

  it('drops on save the entries neither kept nor put, and writes nothing when nothing changed', () => {
    const path = cachePath();
    const a = EntryCache.open<number>(path, () => 'v1');
    a.put('kept.ts', 1);
    a.put('gone.ts', 2);
    a.save();
    const b = EntryCache.open<number>(path, () => 'v1');
    expect(b.peek('gone.ts')).toBe(2);
    b.keep('kept.ts');
    b.save();
    expect(stored(path).entries).toEqual({ 'kept.ts': 1 });
    // A write replaces the file by rename (a new inode); an unchanged cache is not written at all.
    const inode = statSync(path).ino;
    const c = EntryCache.open<number>(path, () => 'v1');
    c.keep('kept.ts');
    c.save();
    expect(statSync(path).ino).toBe(inode);
    c.put('new.ts', 3);
    c.save();
    expect(statSync(path).ino).not.toBe(inode);
  });

  it('keeps an in-memory cache (no path) in memory', () => {
    const a = EntryCache.open<number>(undefined, () => 'v1');
    a.put('x.ts', 1);
    a.save();
    expect(a.peek('x.ts')).toBe(1);
  });
});

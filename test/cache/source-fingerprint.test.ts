import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceFingerprint } from '../../src/cache-file.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-fingerprint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const url = (name: string) => pathToFileURL(join(dir, name)).href;

describe('sourceFingerprint', () => {
  it('changes with the named modules beside the caller, in the module tree', () => {
    writeFileSync(join(dir, 'cache.js'), 'cache');
    writeFileSync(join(dir, 'parse.js'), 'one');
    const a = sourceFingerprint(url('cache.js'), ['parse'], 1);
    expect(sourceFingerprint(url('cache.js'), ['parse'], 1)).toBe(a);
    writeFileSync(join(dir, 'parse.js'), 'two');
    expect(sourceFingerprint(url('cache.js'), ['parse'], 1)).not.toBe(a);
    expect(sourceFingerprint(url('cache.js'), ['parse'], 2)).not.toBe(
      sourceFingerprint(url('cache.js'), ['parse'], 1),
    );
  });

  it('changes with the caller chunk in a bundle, where the named modules are not files of their own', () => {
    writeFileSync(join(dir, 'project-abc.js'), 'import "./parse-123.js";');
    const a = sourceFingerprint(url('project-abc.js'), ['heading-form'], 1);
    // A rebuilt parser has a new content hash in its chunk name, which the importing chunk names.
    writeFileSync(join(dir, 'project-abc.js'), 'import "./parse-456.js";');
    expect(sourceFingerprint(url('project-abc.js'), ['heading-form'], 1)).not.toBe(a);
  });
});

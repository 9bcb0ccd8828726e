import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFolders } from '../../src/make-folders.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-folders-'));
  return dir;
};

describe('makeFolders', () => {
  it('creates a path and its missing parents, and leaves an existing folder (or a link to one) alone', () => {
    const root = fresh();
    makeFolders(join(root, 'a', 'b', 'c'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeFolders(join(root, 'a', 'b', 'c'));
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'link'));
    makeFolders(join(root, 'link', 'x'));
    expect(statSync(join(root, 'real', 'x')).isDirectory()).toBe(true);
  });

  it('gives mkdir’s error for a file in the way: EEXIST for the path itself, ENOTDIR below it', () => {
    const root = fresh();
    writeFileSync(join(root, 'afile'), '');
    expect(() => makeFolders(join(root, 'afile'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeFolders(join(root, 'afile', 'x', 'y'))).toThrow(
      expect.objectContaining({ code: 'ENOTDIR' }),
    );
  });

  it('fails at once where mkdir answers ENOENT under an existing folder (/proc), where a recursive mkdirSync spins for ever', () => {
    fresh();
    expect(() => makeFolders('/proc/baton-no-such/x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

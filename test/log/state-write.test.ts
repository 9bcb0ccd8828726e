/** The one rule for writes inside `.baton/`: no symbolic link below it is followed, no file elsewhere emptied. */
import {
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  makeStateFolder,
  openStateFile,
  StatePathRefused,
  writeStateFile,
  writeStateFileAtomic,
} from '../../src/state-write.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A state folder `.baton` and, beside it, a folder `outside` holding a file that nothing may change. */
function fresh(): { state: string; outside: string; precious: string } {
  dir = mkdtempSync(join(tmpdir(), 'baton-state-write-'));
  const state = join(dir, 'repo', '.baton');
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  const precious = join(outside, 'ok.log');
  writeFileSync(precious, 'PRECIOUS\n');
  return { state, outside, precious };
}

/** The refusal `act` throws, with its code and path. */
function refusal(act: () => unknown): StatePathRefused {
  try {
    act();
  } catch (err) {
    expect(err).toBeInstanceOf(StatePathRefused);
    return err as StatePathRefused;
  }
  throw new Error('expected a refusal');
}

describe('writeStateFile and makeStateFolder', () => {
  it('make the folders level by level and write, empty and append regular files', () => {
    const { state } = fresh();
    const file = join(state, 'checks', 'f1', 'ok.log');
    writeStateFile(state, file, 'first, longer text\n');
    writeStateFile(state, file, 'second\n');
    expect(readFileSync(file, 'utf8')).toBe('second\n');
    const fd = openStateFile(state, file, 'append');
    writeFileSync(fd, 'third\n');
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe('second\nthird\n');
    makeStateFolder(state, join(state, 'runs', 'r1', 'f1', 'scratch'));
    expect(lstatSync(join(state, 'runs', 'r1', 'f1', 'scratch')).isDirectory()).toBe(true);
    writeStateFileAtomic(state, join(state, 'cache', 'c.json'), '{}');
    expect(readFileSync(join(state, 'cache', 'c.json'), 'utf8')).toBe('{}');
    expect(readdirSync(join(state, 'cache'))).toEqual(['c.json']);
  });

  it('refuse a folder below the state folder that is a symbolic link: nothing written through it', () => {
    const { state, outside, precious } = fresh();
    mkdirSync(join(state, 'checks'), { recursive: true });
    symlinkSync(outside, join(state, 'checks', 'f1'));
    const refused = refusal(() => writeStateFile(state, join(state, 'checks', 'f1', 'ok.log'), 'x'));
    expect(refused.code).toBe('state/symlink');
    expect(refused.path).toBe(join(state, 'checks', 'f1'));
    expect(refused.message).toContain(`${join('.baton', 'checks', 'f1')} is a symbolic link, not followed`);
    expect(refusal(() => makeStateFolder(state, join(state, 'checks', 'f1', 'deeper'))).code).toBe(
      'state/symlink',
    );
    expect(refusal(() => writeStateFileAtomic(state, join(state, 'checks', 'f1', 'ok.log'), 'x')).code).toBe(
      'state/symlink',
    );
    expect(readFileSync(precious, 'utf8')).toBe('PRECIOUS\n');
    expect(readdirSync(outside)).toEqual(['ok.log']);
  });

  it('refuse a file that is a symbolic link or a hard link to a file elsewhere, before emptying it', () => {
    const { state, precious } = fresh();
    const folder = join(state, 'checks', 'f1');
    mkdirSync(folder, { recursive: true });
    symlinkSync(precious, join(folder, 'linked.log'));
    expect(refusal(() => writeStateFile(state, join(folder, 'linked.log'), '')).code).toBe('state/symlink');
    expect(refusal(() => openStateFile(state, join(folder, 'linked.log'), 'append')).code).toBe(
      'state/symlink',
    );
    linkSync(precious, join(folder, 'hard.log'));
    expect(refusal(() => writeStateFile(state, join(folder, 'hard.log'), '')).code).toBe('state/not-a-file');
    expect(readFileSync(precious, 'utf8')).toBe('PRECIOUS\n');
    // The atomic write replaces a link in the file's place, never writing through it.
    writeStateFileAtomic(state, join(folder, 'linked.log'), 'mine');
    expect(lstatSync(join(folder, 'linked.log')).isFile()).toBe(true);
    expect(readFileSync(precious, 'utf8')).toBe('PRECIOUS\n');
  });

  it('refuse a file where a folder belongs, and follow the state folder itself when the user linked it elsewhere', () => {
    const { state, outside } = fresh();
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'checks'), '');
    expect(refusal(() => writeStateFile(state, join(state, 'checks', 'f1', 'ok.log'), 'x')).code).toBe(
      'state/not-a-folder',
    );
    const linked = join(dir, 'repo2', '.baton');
    mkdirSync(join(dir, 'repo2'));
    symlinkSync(outside, linked);
    writeStateFile(linked, join(linked, 'checks', 'f1', 'ok.log'), 'kept elsewhere');
    expect(readFileSync(join(outside, 'checks', 'f1', 'ok.log'), 'utf8')).toBe('kept elsewhere');
  });
});

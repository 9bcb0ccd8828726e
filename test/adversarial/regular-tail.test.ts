/**
 * `readRegularTail`, the one bounded tail reader (the reflog's last entries, the dashboard's agent log,
 * the live view's retry look, a check's output), and `dropCutLine`: it reads at most its bound from the
 * end, says whether that is the whole file, follows no symlink at the file's place unless asked, and
 * neither waits on a FIFO nor reads anything but a regular file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dropCutLine, readRegularTail } from '../../src/open-regular.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'baton-tail-')));
  dirs.push(d);
  return d;
}

describe('readRegularTail', () => {
  it('reads a file shorter than the bound whole', () => {
    const path = join(tempDir(), 'small.log');
    writeFileSync(path, 'one\ntwo\n');
    expect(readRegularTail(path, 100)).toEqual({ text: 'one\ntwo\n', whole: true });
    expect(readRegularTail(path, 8)).toEqual({ text: 'one\ntwo\n', whole: true });
  });

  it('reads only the last bytes of a longer one, and says it began mid-file', () => {
    const path = join(tempDir(), 'long.log');
    writeFileSync(path, 'first line\nsecond\nthird\n');
    expect(readRegularTail(path, 10)).toEqual({ text: 'ond\nthird\n', whole: false });
  });

  it('reads an empty file as whole and empty', () => {
    const path = join(tempDir(), 'empty.log');
    writeFileSync(path, '');
    expect(readRegularTail(path, 10)).toEqual({ text: '', whole: true });
  });

  it('reads nothing where there is no file, a folder, or a symlink (followed only when asked)', () => {
    const dir = tempDir();
    const target = join(dir, 'target.log');
    writeFileSync(target, 'secret\n');
    symlinkSync(target, join(dir, 'link.log'));
    mkdirSync(join(dir, 'folder'));
    expect(readRegularTail(join(dir, 'none.log'), 10)).toBeUndefined();
    expect(readRegularTail(join(dir, 'folder'), 10)).toBeUndefined();
    expect(readRegularTail(join(dir, 'link.log'), 10)).toBeUndefined();
    expect(readRegularTail(join(dir, 'link.log'), 10, { followLinks: true })).toEqual({
      text: 'secret\n',
      whole: true,
    });
  });

  it('does not wait on a FIFO at the file’s place (in a child process with a deadline)', () => {
    const dir = tempDir();
    const fifo = join(dir, 'agent.log');
    execFileSync('mkfifo', [fifo]);
    const reader = pathToFileURL(resolve(import.meta.dirname, '..', '..', 'dist', 'open-regular.js')).href;
    const script = `import { readRegularTail } from ${JSON.stringify(reader)};
      console.log(JSON.stringify(readRegularTail(process.argv[1], 10) ?? null));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, fifo], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.stdout.trim()).toBe('null');
  });
});

describe('dropCutLine', () => {
  it('keeps a whole file as it is, first line included', () => {
    expect(dropCutLine({ text: 'a\nb\n', whole: true })).toBe('a\nb\n');
  });

  it('drops the first line of a tail that began mid-file', () => {
    expect(dropCutLine({ text: 'ond\nthird\n', whole: false })).toBe('third\n');
  });

  it('keeps a tail with no newline: the end of one line longer than the read', () => {
    expect(dropCutLine({ text: 'progress 99%\rprogress 100%', whole: false })).toBe(
      'progress 99%\rprogress 100%',
    );
  });
});

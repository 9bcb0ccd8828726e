// The look for conflict markers reads regular files only, a chunk at a time: a marker line is found
// wherever it falls (across a chunk's end included), and a symlink, FIFO or device is never read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { filesWithConflictMarkers } from '../../src/git/merge.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('filesWithConflictMarkers', () => {
  it('finds marker lines anywhere in a regular file, and only marker lines', () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-markers-'));
    const pad = 'x'.repeat(1024 * 1024 - 3);
    writeFileSync(join(dir, 'at-end'), 'a\nb\n>>>>>>>');
    // The marker line starts two bytes before the first 1 MiB chunk ends.
    writeFileSync(join(dir, 'across'), `${pad}\n<<<<<<< ours\nx\n`);
    writeFileSync(join(dir, 'clean'), `${pad}<<<<<<< ours\n<<<<<<<x\n`);
    expect(filesWithConflictMarkers(dir, ['at-end', 'across', 'clean', 'missing'])).toEqual([
      'at-end',
      'across',
    ]);
  });

  it('reads no symlink, FIFO or device', () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-markers-'));
    writeFileSync(join(dir, 'marked'), '<<<<<<< ours\n');
    symlinkSync(join(dir, 'marked'), join(dir, 'link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync(join(dir, 'fifo'), join(dir, 'to-fifo'));
    symlinkSync('/dev/zero', join(dir, 'zero'));
    expect(filesWithConflictMarkers(dir, ['link', 'fifo', 'to-fifo', 'zero', 'marked'])).toEqual(['marked']);
  });

  it('looks through a resolved file of any size, and finds none in a binary file', () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-markers-'));
    // 257 MiB, sparse: zeros after a clean text start; a file this large once counted as holding markers.
    writeFileSync(join(dir, 'big'), 'resolved\n');
    truncateSync(join(dir, 'big'), 257 * 1024 * 1024);
    writeFileSync(join(dir, 'big-text'), 'resolved\n'.repeat(4));
    writeFileSync(
      join(dir, 'binary'),
      Buffer.concat([Buffer.from([0, 1, 2, 10]), Buffer.from('<<<<<<< ours\n')]),
    );
    expect(filesWithConflictMarkers(dir, ['big', 'big-text', 'binary'])).toEqual([]);
  });
});

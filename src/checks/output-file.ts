import { closeSync, fstatSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Empties (or creates) the file a check's process writes its output to. */
export function resetOutputFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
}

/** The last `maxBytes` of a file as text ('' when it does not exist), so a chatty process costs no memory. */
export function readTail(path: string, maxBytes = 64 * 1024): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const text = buf.toString('utf8');
    // A cut in the middle leaves a partial first line; drop it.
    return size > length ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

/**
 * The output written to the file, or, when there is none, what the spawn itself reported
 * (a missing program or working folder never reaches the file).
 */
export function outputOf(outputFile: string, spawnStderr: string): string {
  const written = readTail(outputFile);
  return written.trim() !== '' ? written : spawnStderr;
}

/** How much of a check's output is kept: the tail, where the failure is. */
export const OUTPUT_KEEP_BYTES = 1024 * 1024;

/**
 * Cuts a finished check's output file down to its last `keepBytes` (whole lines), saying at the top
 * how much was dropped, so a chatty test run or server does not keep megabytes under `.baton/`.
 */
export function capOutputFile(path: string, keepBytes = OUTPUT_KEEP_BYTES): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size <= keepBytes) return;
  const tail = readTail(path, keepBytes);
  const dropped = size - Buffer.byteLength(tail);
  writeFileSync(
    path,
    `[baton: output cut: the first ${dropped} bytes of ${size} were dropped; the tail follows]\n${tail}`,
  );
}

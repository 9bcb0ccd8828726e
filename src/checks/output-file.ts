import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { dropCutLine, readRegularTail } from '../open-regular.js';

/** Empties (or creates) the file a check's process writes its output to. */
export function resetOutputFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '');
}

/**
 * The last `maxBytes` of a file as text, its cut first line dropped ('' when it does not exist or is no
 * regular file: a FIFO there never blocks), so a chatty process costs no memory. A symlink there is
 * followed, as it always was.
 */
export function readTail(path: string, maxBytes = 64 * 1024): string {
  const tail = readRegularTail(path, maxBytes, { followLinks: true });
  return tail === undefined ? '' : dropCutLine(tail);
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

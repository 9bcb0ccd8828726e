import { closeSync, fstatSync, ftruncateSync, writeSync } from 'node:fs';
import { dropCutLine, readTailOf } from '../open-regular.js';
import { openStateFile, StatePathRefused } from '../state-write.js';

/**
 * The file a check's process writes its output to, open (emptied), or why Baton would not write it: a
 * symbolic link, or a FIFO, on its way below the state folder (an agent may plant one). A refusal
 * costs the file, never the check: the process's output is then kept in memory.
 */
export type OutputFile = { path: string; fd: number } | { path: string; refused: StatePathRefused };

/**
 * Opens the output file `path` inside the state folder `stateDir` (the log's folder) as
 * `openStateFile` does: created, or emptied only once proven to be Baton's own regular file. A refusal
 * is told to `onWarning` (the output then stays in memory; the check runs all the same).
 */
export function openOutputFile(
  stateDir: string,
  path: string,
  onWarning: (message: string) => void,
): OutputFile {
  try {
    return { path, fd: openStateFile(stateDir, path, 'truncate') };
  } catch (err) {
    if (!(err instanceof StatePathRefused)) throw err;
    onWarning(
      `its output was not saved: ${err.message}; the check ran all the same and its result is recorded`,
    );
    return { path, refused: err };
  }
}

/** Closes the output file, when it was opened. */
export function closeOutputFile(out: OutputFile): void {
  if ('fd' in out) closeSync(out.fd);
}

/** The last `maxBytes` of a text, its cut first line dropped. */
function tailOfText(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return text;
  return dropCutLine({ text: bytes.subarray(bytes.length - maxBytes).toString('utf8'), whole: false });
}

/**
 * The output written to the file (its last `maxBytes`, the cut first line dropped), so a chatty
 * process costs no memory; read from the open file, never again by its path. Without a file, the
 * output the process gave through its pipe (`captured`).
 */
export function readOutput(out: OutputFile, captured: string, maxBytes = 64 * 1024): string {
  if (!('fd' in out)) return tailOfText(captured, maxBytes);
  return dropCutLine(readTailOf(out.fd, maxBytes));
}

/**
 * The output written, or, when there is none, what the spawn itself reported (a missing program or
 * working folder never reaches the file).
 */
export function outputOf(out: OutputFile, captured: string, spawnStderr: string): string {
  const written = readOutput(out, captured);
  return written.trim() !== '' ? written : spawnStderr;
}

/** How much of a check's output is kept: the tail, where the failure is. */
export const OUTPUT_KEEP_BYTES = 1024 * 1024;

/**
 * Cuts a finished check's output file down to its last `keepBytes` (whole lines), saying at the top
 * how much was dropped, so a chatty test run or server does not keep megabytes under `.baton/`.
 * Written through the open file, never by its path.
 */
export function capOutputFile(out: OutputFile, keepBytes = OUTPUT_KEEP_BYTES): void {
  if (!('fd' in out)) return;
  const size = fstatSync(out.fd).size;
  if (size <= keepBytes) return;
  const tail = readOutput(out, '', keepBytes);
  const dropped = size - Buffer.byteLength(tail);
  const text = Buffer.from(
    `[baton: output cut: the first ${dropped} bytes of ${size} were dropped; the tail follows]\n${tail}`,
  );
  ftruncateSync(out.fd, 0);
  let written = 0;
  while (written < text.length) written += writeSync(out.fd, text, written, text.length - written, written);
}

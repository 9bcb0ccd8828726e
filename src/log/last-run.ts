/**
 * Finds the last run in the log by reading it from the end, so commands that only need the latest
 * run (its id, where it starts) cost the size of that run, not of the whole history.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `run.started` line of a log, where it begins, and how many bytes were read to find it. */
export interface LastRunStart {
  run_id: string;
  /** Byte offset of the line in the log: folding from here gives the last run alone. */
  offset: number;
  bytesRead: number;
}

const CHUNK = 64 * 1024;

/** Parses one log line as a `run.started` event's id, or undefined for any other line. */
function runIdOf(line: Buffer): string | undefined {
  // Cheap filter before JSON.parse: most lines are not run starts.
  if (line.indexOf('run.started') < 0) return undefined;
  try {
    const ev = JSON.parse(line.toString('utf8')) as { type?: unknown; run_id?: unknown };
    return ev.type === 'run.started' && typeof ev.run_id === 'string' ? ev.run_id : undefined;
  } catch {
    return undefined; // a torn or hostile line is not a run start
  }
}

/** The log's last `run.started`, read backwards in chunks; undefined when the log has none or is missing. */
export function findLastRunStart(logPath: string): LastRunStart | undefined {
  let fd: number;
  try {
    fd = openSync(logPath, 'r');
  } catch {
    return undefined;
  }
  try {
    let end = fstatSync(fd).size;
    let bytesRead = 0;
    // Bytes after the last newline seen so far (the start of a line that began in an earlier chunk).
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const chunk = Buffer.alloc(end - start);
      readSync(fd, chunk, 0, chunk.length, start);
      bytesRead += chunk.length;
      let buf = Buffer.concat([chunk, carry]);
      let nl = buf.lastIndexOf(0x0a);
      let lineEnd = buf.length;
      while (nl >= 0) {
        const id = runIdOf(buf.subarray(nl + 1, lineEnd));
        if (id !== undefined) return { run_id: id, offset: start + nl + 1, bytesRead };
        lineEnd = nl;
        nl = nl > 0 ? buf.lastIndexOf(0x0a, nl - 1) : -1;
      }
      buf = buf.subarray(0, lineEnd);
      carry = Buffer.from(buf);
      end = start;
    }
    const id = runIdOf(carry);
    return id === undefined ? undefined : { run_id: id, offset: 0, bytesRead };
  } finally {
    closeSync(fd);
  }
}

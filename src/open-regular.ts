import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';

/**
 * Opens a file to read as data: no symlink followed (an agent may plant one), no FIFO waited on, regular
 * files only. Undefined when it cannot be opened or is not a regular file.
 */
export function openRegular(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (fstatSync(fd).isFile()) return fd;
  } catch {}
  closeSync(fd);
  return undefined;
}

/**
 * `read` applied to a regular file opened as `openRegular` does (a planted FIFO, device or symlink in
 * `.baton/` cannot block or redirect the read), the file closed after; undefined when there is none,
 * it is not one, or `read` throws.
 */
export function withRegular<T>(path: string, read: (fd: number) => T): T | undefined {
  const fd = openRegular(path);
  if (fd === undefined) return undefined;
  try {
    return read(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The whole content of a regular file (see `withRegular`). */
export function readRegular(path: string): Buffer | undefined {
  return withRegular(path, (fd) => readFileSync(fd));
}

/** Whether nothing, not even a dangling symlink, is at `path` (an odd file there is left to its reader to refuse). */
export function nothingAt(path: string): boolean {
  try {
    lstatSync(path);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

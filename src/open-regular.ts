import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';

/** How a file is opened: `followLinks` for a file of the user's own (dotfile managers link them), not one an agent can reach. */
export interface OpenRegularOptions {
  followLinks?: boolean;
}

/**
 * Opens a file to read as data: no symlink followed (an agent may plant one) unless `followLinks`, no
 * FIFO waited on, regular files only. Undefined when it cannot be opened or is not a regular file.
 */
export function openRegular(path: string, opts: OpenRegularOptions = {}): number | undefined {
  let fd: number;
  try {
    const noFollow = opts.followLinks ? 0 : constants.O_NOFOLLOW;
    fd = openSync(path, constants.O_RDONLY | noFollow | constants.O_NONBLOCK);
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
export function withRegular<T>(
  path: string,
  read: (fd: number) => T,
  opts: OpenRegularOptions = {},
): T | undefined {
  const fd = openRegular(path, opts);
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
export function readRegular(path: string, opts: OpenRegularOptions = {}): Buffer | undefined {
  return withRegular(path, (fd) => readFileSync(fd), opts);
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

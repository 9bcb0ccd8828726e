import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

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
 * The whole content of a regular file, opened as `openRegular` does (a planted FIFO, device or symlink
 * in `.baton/` cannot block or redirect the read); undefined when there is none or it is not one.
 */
export function readRegular(path: string): Buffer | undefined {
  const fd = openRegular(path);
  if (fd === undefined) return undefined;
  try {
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

import { closeSync, constants, fstatSync, openSync } from 'node:fs';

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

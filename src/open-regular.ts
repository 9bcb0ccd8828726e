import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  type Stats,
} from 'node:fs';

/** How a file is opened: `followLinks` for a file of the user's own (dotfile managers link them), not one an agent can reach. */
export interface OpenRegularOptions {
  followLinks?: boolean;
}

/**
 * A file opened as data with its stat, or why it was not: `openSync` refused it, its `fstat` failed,
 * or it is not a regular file (closed again in both of those cases).
 */
type Opened =
  | { fd: number; st: Stats }
  | { fd?: undefined; refused: NodeJS.ErrnoException }
  | { fd?: undefined; statFailed: NodeJS.ErrnoException }
  | { fd?: undefined; notRegular: Stats };

/** The one open of a data file: its flags and its file-type check, which both readers below build on. */
function openAsData(path: string, opts: OpenRegularOptions): Opened {
  let fd: number;
  try {
    const noFollow = opts.followLinks ? 0 : constants.O_NOFOLLOW;
    fd = openSync(path, constants.O_RDONLY | noFollow | constants.O_NONBLOCK);
  } catch (err) {
    return { refused: err as NodeJS.ErrnoException };
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (err) {
    closeSync(fd);
    return { statFailed: err as NodeJS.ErrnoException };
  }
  if (st.isFile()) return { fd, st };
  closeSync(fd);
  return { notRegular: st };
}

/**
 * Opens a file to read as data: no symlink followed (an agent may plant one) unless `followLinks`, no
 * FIFO waited on, regular files only. Undefined when it cannot be opened or is not a regular file.
 */
export function openRegular(path: string, opts: OpenRegularOptions = {}): number | undefined {
  return openAsData(path, opts).fd;
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

/** The end of a file as `readRegularTail` reads it. */
export interface RegularTail {
  text: string;
  /** Whether the read began at the file's start; when not, its first line is cut (the caller drops it or not). */
  whole: boolean;
}

/**
 * The last `maxBytes` of a regular file as UTF-8 text, read as `withRegular` does (no symlink followed
 * unless `followLinks`, no FIFO waited on), so a huge log costs no more than its tail; undefined when
 * there is no regular file at `path` or it cannot be read. The one tail reader of the files Baton shows
 * or parses the end of.
 */
export function readRegularTail(
  path: string,
  maxBytes: number,
  opts: OpenRegularOptions = {},
): RegularTail | undefined {
  return withRegular(path, (fd) => readTailOf(fd, maxBytes), opts);
}

/** The last `maxBytes` of a file already open (its own position untouched), as `readRegularTail` gives them. */
export function readTailOf(fd: number, maxBytes: number): RegularTail {
  const size = fstatSync(fd).size;
  const start = Math.max(0, size - maxBytes);
  const buffer = Buffer.alloc(size - start);
  const n = readSync(fd, buffer, 0, buffer.length, start);
  return { text: buffer.toString('utf8', 0, n), whole: start === 0 };
}

/**
 * A tail's text for a person to read (pure): when the read began mid-file, without its first line, cut
 * by the read; a tail holding no newline at all is kept (the end of one long line, a progress bar's `\r`s).
 */
export function dropCutLine(tail: RegularTail): string {
  return tail.whole ? tail.text : tail.text.slice(tail.text.indexOf('\n') + 1);
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

/** How `readRegularText` reads: the most bytes it takes, and what the file is (for the message). */
export interface ReadTextOptions extends OpenRegularOptions {
  maxBytes: number;
  /** What the file is, for the too-large message: "a contract" → "a contract may hold at most 1 MiB". */
  what: string;
}

/**
 * A text input's content (a UTF-8 byte order mark dropped), or why there is none: `missing` when
 * nothing is at `path`, else `problem` finishes a sentence that starts with the path ("is a FIFO, not a
 * regular file"). Opened without waiting (a FIFO never blocks the read), regular files only, at most
 * `maxBytes`; never throws.
 */
export type TextRead =
  /** `bom`: the file began with a byte order mark, for a writer that keeps the file as it was. */
  | { ok: true; text: string; bom?: true }
  | { ok: false; reason: 'missing' | 'not-regular' | 'too-large' | 'unreadable'; problem: string };

/** Why `readRegularText` read nothing. */
export type TextUnread = Extract<TextRead, { ok: false }>;

/** Reads a contract, spec or config file as `TextRead` says: the one reader of those inputs. */
export function readRegularText(path: string, opts: ReadTextOptions): TextRead {
  const opened = openAsData(path, opts);
  if ('refused' in opened) return notOpened(path, opened.refused);
  if ('statFailed' in opened) return unreadable(opened.statFailed);
  if ('notRegular' in opened)
    return {
      ok: false,
      reason: 'not-regular',
      problem: `is ${kindOf(opened.notRegular)}, not a regular file`,
    };
  const { fd, st } = opened;
  try {
    if (st.size > opts.maxBytes) return tooLarge(st.size, opts);
    // One byte more than allowed: a file that grew since the stat is still caught.
    const bytes = readUpTo(fd, st.size, opts.maxBytes + 1);
    if (bytes.length > opts.maxBytes) return tooLarge(bytes.length, opts);
    const text = bytes.toString('utf8');
    return text.startsWith('\uFEFF') ? { ok: true, text: text.slice(1), bom: true } : { ok: true, text };
  } catch (err) {
    return unreadable(err as NodeJS.ErrnoException);
  } finally {
    closeSync(fd);
  }
}

function unreadable(err: NodeJS.ErrnoException): TextRead {
  return { ok: false, reason: 'unreadable', problem: `cannot be read (${errorWords(err)})` };
}

function tooLarge(size: number, opts: ReadTextOptions): TextRead {
  const problem = `is ${size} bytes, more than ${opts.what} may hold (${formatSize(opts.maxBytes)})`;
  return { ok: false, reason: 'too-large', problem };
}

/**
 * Up to `limit` bytes from the start of an open file (fewer at its end), in a buffer first sized for
 * `expected` bytes and one more, grown only when the file grew since its stat.
 */
function readUpTo(fd: number, expected: number, limit: number): Buffer {
  let buffer = Buffer.alloc(Math.min(expected + 1, limit));
  let filled = 0;
  for (;;) {
    const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
    if (n === 0) break;
    filled += n;
    if (filled < buffer.length) continue;
    if (buffer.length >= limit) break;
    const grown = Buffer.alloc(Math.min(buffer.length * 2, limit));
    buffer.copy(grown);
    buffer = grown;
  }
  return buffer.subarray(0, filled);
}

/** Why `path` could not be opened, in words: nothing there, a symlink to nothing, a socket, no permission. */
function notOpened(path: string, err: NodeJS.ErrnoException): TextRead {
  if (err.code === 'ENOENT') {
    let link = false;
    try {
      link = lstatSync(path).isSymbolicLink();
    } catch {}
    return link
      ? {
          ok: false,
          reason: 'not-regular',
          problem: 'is a dangling symlink (what it points to does not exist)',
        }
      : { ok: false, reason: 'missing', problem: 'does not exist' };
  }
  // O_NOFOLLOW refuses a symlink with ELOOP; a socket cannot be opened (ENXIO).
  if (err.code === 'ELOOP' || err.code === 'ENXIO') {
    let kind = err.code === 'ELOOP' ? 'a symlink (or a loop of them)' : 'a socket';
    try {
      kind = kindOf(lstatSync(path));
    } catch {}
    return { ok: false, reason: 'not-regular', problem: `is ${kind}, not a regular file` };
  }
  return unreadable(err);
}

/**
 * What stands at a path, with its article: "a FIFO", "a folder", "a symbolic link" (of an `lstat`), "a
 * character device". The one wording for every refusal that names what it found instead of a file.
 */
export function kindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'an unknown kind of file';
}

/** Why a file could not be opened or read, in words with the system's code beside them. */
function errorWords(err: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of its path is a file, not a folder',
    ELOOP: 'too many symlinks on its path',
    ENAMETOOLONG: 'its path is too long',
    EIO: 'an input/output error',
  };
  const said = err.code !== undefined ? words[err.code] : undefined;
  if (said) return `${said}, ${err.code}`;
  return err.code ?? err.message;
}

/** 1048576 → "1 MiB", 1536 → "1.5 KiB", 900 → "900 bytes". */
function formatSize(bytes: number): string {
  const units: [number, string][] = [
    [1024 * 1024, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

import { gitStream } from '../git/git.js';
import { logArgs } from '../git/log-args.js';

/** One non-merge commit as `git log --name-only` lists it: sha, subject, changed paths. */
export interface LoggedCommit {
  sha: string;
  subject: string;
  files: string[];
}

/**
 * Opens a commit's header. With `-z` git writes paths as they are (tabs, quotes, newlines, control
 * characters: anything but NUL), so the stream is cut into NUL-ended tokens, and a header is told from a
 * path by its first character: no path git lists starts with `/`. The subject, after the field mark, may
 * hold any character but NUL (record and unit separators included): only the first field mark counts.
 */
const COMMIT_MARK = '/';
const FIELD_MARK = '\x1f';

/**
 * The `--format` that `createLogParser` reads: a marked header, then the files. The header's first
 * field is the commit's key, its full sha and its parents' (`%H %P`, as `rev-list --parents` lists it).
 */
export const LOG_FORMAT = `--format=${COMMIT_MARK}%H %P${'%x1f'}%s`;

/**
 * The git arguments that read changed paths in the format `createLogParser` reads: names only, NUL-ended
 * and never quoted (`-z`), no rename search (renames are not needed to count co-changes, and cost most).
 * Revisions and limits come after.
 */
export function namesArgs(): string[] {
  return logArgs('-z', '--no-renames', '--name-only', LOG_FORMAT);
}

/** An incremental reader of the stream: feed it chunks in any sizes, it calls `onCommit` per commit. */
export interface LogParser {
  push(chunk: string): void;
  /** Flushes the last commit; call once when the stream ends. */
  end(): void;
}

/**
 * Parses `git log -z --name-only` output produced with `LOG_FORMAT`, chunk by chunk (pure): NUL-ended
 * tokens, each a header or a path; git puts a newline before a commit's first path. `key` is the
 * header's first field: "sha parent…" (just the sha for a root commit or a format without parents).
 */
export function createLogParser(onCommit: (c: LoggedCommit, key: string) => void): LogParser {
  let rest = '';
  let current: LoggedCommit | undefined;
  let key = '';
  let first = false;
  const token = (text: string) => {
    if (text.startsWith(COMMIT_MARK)) {
      if (current) onCommit(current, key);
      key = headerKey(text);
      current = commitOfHeader(text, key);
      first = true;
    } else if (current) {
      const path = first && text.startsWith('\n') ? text.slice(1) : text;
      first = false;
      if (path !== '') current.files.push(path);
    }
  };
  return {
    push(chunk) {
      const text = rest === '' ? chunk : rest + chunk;
      let start = 0;
      for (let end = text.indexOf('\0'); end >= 0; end = text.indexOf('\0', start)) {
        token(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    },
    end() {
      if (rest !== '') token(rest);
      rest = '';
      if (current) onCommit(current, key);
      current = undefined;
    },
  };
}

/** Reads one record of the format, a header and its paths, each NUL-ended (a history cache record) (pure). */
export function parseLoggedCommit(record: string): { commit: LoggedCommit; key: string } {
  const nul = record.indexOf('\0');
  const header = nul < 0 ? record : record.slice(0, nul);
  const key = headerKey(header);
  const commit = commitOfHeader(header, key);
  if (nul >= 0 && nul + 1 < record.length) {
    const from = record.charCodeAt(nul + 1) === 0x0a ? nul + 2 : nul + 1;
    for (const f of record.slice(from).split('\0')) if (f !== '') commit.files.push(f);
  }
  return { commit, key };
}

/** Writes a commit in the format `createLogParser` reads, under its key (the history cache's records). */
export function formatLoggedCommit(c: LoggedCommit, key: string = c.sha): string {
  const files = c.files.length === 0 ? '' : `\n${c.files.join('\0')}\0`;
  return `${COMMIT_MARK}${key}${FIELD_MARK}${c.subject}\0${files}`;
}

/** Where the next record of a text of records starts: after a NUL, at a header (-1: none) (pure). */
export function nextRecord(text: string, from: number): number {
  const at = text.indexOf(`\0${COMMIT_MARK}`, from);
  return at < 0 ? -1 : at + 1;
}

/** Whether `text` starts a record at `at`. */
export function isRecordStart(text: string, at: number): boolean {
  return text.startsWith(COMMIT_MARK, at);
}

/** A header's key, its text up to the field mark (trailing space of a root's empty `%P` cut). */
export function headerKey(header: string): string {
  const sep = header.indexOf(FIELD_MARK);
  return header.slice(COMMIT_MARK.length, sep < 0 ? undefined : sep).trimEnd();
}

function commitOfHeader(header: string, key: string): LoggedCommit {
  const sep = header.indexOf(FIELD_MARK);
  const space = key.indexOf(' ');
  return {
    sha: space < 0 ? key : key.slice(0, space),
    subject: sep < 0 ? '' : header.slice(sep + 1),
    files: [],
  };
}

/**
 * Streams the window's commits from `skip` on (at most `count`, newest first, merges left out) from one
 * `git log` process, calling `onCommit` with each commit's position in the window.
 */
export async function streamWindow(
  cwd: string,
  range: { skip: number; count: number },
  onCommit: (c: LoggedCommit, key: string, position: number) => void,
): Promise<{ exitCode: number; stderr: string }> {
  let position = range.skip;
  const parser = createLogParser((c, key) => onCommit(c, key, position++));
  const r = await gitStream(
    cwd,
    [...namesArgs(), '--no-merges', `--skip=${range.skip}`, '-n', String(range.count), 'HEAD'],
    (s) => parser.push(s),
  );
  parser.end();
  return r;
}

/**
 * Streams the changed paths of `shas` (full, non-merge) from one `git log --stdin --no-walk` process,
 * in the order given: never one process per commit.
 */
export async function streamCommits(
  cwd: string,
  shas: readonly string[],
  onCommit: (c: LoggedCommit, key: string) => void,
): Promise<{ exitCode: number; stderr: string }> {
  const parser = createLogParser(onCommit);
  const r = await gitStream(
    cwd,
    [...namesArgs(), '--no-walk=unsorted', '--stdin'],
    (s) => parser.push(s),
    `${shas.join('\n')}\n`,
  );
  parser.end();
  return r;
}

/**
 * Lists the last `window` non-merge commits of HEAD, newest first, in `git log`'s own order, one
 * `rev-list --parents` line ("sha parent…") at a time as git writes them: nothing is kept.
 */
export async function listWindow(
  cwd: string,
  window: number,
  onLine: (line: string) => void,
): Promise<{ exitCode: number; stderr: string }> {
  let rest = '';
  const r = await gitStream(
    cwd,
    ['rev-list', '--no-merges', '--parents', '-n', String(window), 'HEAD'],
    (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l !== '') onLine(l);
    },
  );
  if (rest !== '') onLine(rest);
  return r;
}

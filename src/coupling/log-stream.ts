import { gitStream } from '../git/git.js';

/** One non-merge commit as `git log --name-only` lists it: sha, subject, changed paths. */
export interface LoggedCommit {
  sha: string;
  subject: string;
  files: string[];
}

/** Marks the start of a commit's header line; record and unit separators never occur in a subject. */
const COMMIT_MARK = '\x1e';
const FIELD_MARK = '\x1f';

/**
 * The `--format` that `createLogParser` reads: a marked header line, then the files. The header's first
 * field is the commit's key, its full sha and its parents' (`%H %P`, as `rev-list --parents` lists it).
 */
export const LOG_FORMAT = `--format=${'%x1e'}%H %P${'%x1f'}%s`;

/**
 * The git arguments that read changed paths in the format `createLogParser` reads: names only, no rename
 * search (renames are not needed to count co-changes, and cost most). Revisions and limits come after.
 */
export function namesArgs(): string[] {
  return ['-c', 'core.quotePath=false', 'log', '--no-renames', '--name-only', LOG_FORMAT];
}

/** An incremental reader of the stream: feed it chunks in any sizes, it calls `onCommit` per commit. */
export interface LogParser {
  push(chunk: string): void;
  /** Flushes the last commit; call once when the stream ends. */
  end(): void;
}

/**
 * Parses `git log --name-only` output produced with `LOG_FORMAT`, chunk by chunk (pure). `key` is the
 * header's first field: "sha parent…" (just the sha for a root commit or a format without parents).
 */
export function createLogParser(onCommit: (c: LoggedCommit, key: string) => void): LogParser {
  let rest = '';
  let current: LoggedCommit | undefined;
  let key = '';
  const line = (text: string) => {
    if (text.charCodeAt(0) === 0x1e) {
      if (current) onCommit(current, key);
      key = headerKey(text, 1);
      current = commitOfHeader(text, 1, key);
    } else if (text !== '' && current) {
      current.files.push(text);
    }
  };
  return {
    push(chunk) {
      const text = rest === '' ? chunk : rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        line(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    },
    end() {
      if (rest !== '') line(rest);
      rest = '';
      if (current) onCommit(current, key);
      current = undefined;
    },
  };
}

/** Reads one record of the format (without its leading mark, e.g. a history cache record) (pure). */
export function parseLoggedCommit(record: string): { commit: LoggedCommit; key: string } {
  const nl = record.indexOf('\n');
  const header = nl < 0 ? record : record.slice(0, nl);
  const key = headerKey(header, 0);
  const commit = commitOfHeader(header, 0, key);
  if (nl >= 0) for (const f of record.slice(nl + 1).split('\n')) if (f !== '') commit.files.push(f);
  return { commit, key };
}

/** Writes a commit in the format `createLogParser` reads, under its key (the history cache's records). */
export function formatLoggedCommit(c: LoggedCommit, key: string = c.sha): string {
  return `${COMMIT_MARK}${key}${FIELD_MARK}${c.subject}\n${c.files.map((f) => `${f}\n`).join('')}`;
}

/** The record's key, the header's text up to the field mark (trailing space of a root's empty `%P` cut). */
export function headerKey(header: string, from: number): string {
  const sep = header.indexOf(FIELD_MARK, from);
  return header.slice(from, sep < 0 ? undefined : sep).trimEnd();
}

function commitOfHeader(header: string, from: number, key: string): LoggedCommit {
  const sep = header.indexOf(FIELD_MARK, from);
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

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

/** The `--format` that `createLogParser` reads: a marked header line (full sha, subject), then the files. */
export const LOG_FORMAT = `--format=${'%x1e'}%H${'%x1f'}%s`;

/**
 * The git arguments that read the changed paths of the commits listed on stdin, in the order given:
 * no walk, names only, no rename search (renames are not needed to count co-changes, and cost most).
 */
export function namesArgs(): string[] {
  return [
    '-c',
    'core.quotePath=false',
    'log',
    '--no-walk=unsorted',
    '--stdin',
    '--no-renames',
    '--name-only',
    LOG_FORMAT,
  ];
}

/** An incremental reader of the stream: feed it chunks in any sizes, it calls `onCommit` per commit. */
export interface LogParser {
  push(chunk: string): void;
  /** Flushes the last commit; call once when the stream ends. */
  end(): void;
}

/** Parses `git log --name-only` output produced with `LOG_FORMAT`, chunk by chunk (pure). */
export function createLogParser(onCommit: (c: LoggedCommit) => void): LogParser {
  let rest = '';
  let current: LoggedCommit | undefined;
  const line = (text: string) => {
    if (text.startsWith(COMMIT_MARK)) {
      if (current) onCommit(current);
      const sep = text.indexOf(FIELD_MARK);
      current = {
        sha: text.slice(1, sep < 0 ? undefined : sep),
        subject: sep < 0 ? '' : text.slice(sep + 1),
        files: [],
      };
    } else if (text !== '' && current) {
      current.files.push(text);
    }
  };
  return {
    push(chunk) {
      const text = rest + chunk;
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
      if (current) onCommit(current);
      current = undefined;
    },
  };
}

/** Writes commits in the format `createLogParser` reads (the history cache's records). */
export function formatLoggedCommit(c: LoggedCommit): string {
  return `${COMMIT_MARK}${c.sha}${FIELD_MARK}${c.subject}\n${c.files.map((f) => `${f}\n`).join('')}`;
}

/** One commit of the window: its full sha, and its `rev-list --parents` line (sha and parents). */
export interface ListedCommit {
  sha: string;
  /** "sha parent…": what the commit's changed paths depend on, so the key of the history cache. */
  key: string;
  /** False for a root commit and a shallow clone's boundary, whose paths change once the parents appear. */
  hasParent: boolean;
}

/** Lists the last `window` non-merge commits of HEAD, newest first, in `git log`'s own order (one process). */
export async function listWindow(
  cwd: string,
  window: number,
): Promise<{ exitCode: number; stderr: string; commits: ListedCommit[] }> {
  const commits: ListedCommit[] = [];
  const parser = lineReader((line) => {
    const space = line.indexOf(' ');
    commits.push({ sha: space < 0 ? line : line.slice(0, space), key: line, hasParent: space >= 0 });
  });
  const r = await gitStream(
    cwd,
    ['rev-list', '--no-merges', '--parents', '-n', String(window), 'HEAD'],
    parser.push,
  );
  parser.end();
  return { ...r, commits };
}

/**
 * Streams the changed paths of `shas` (full, non-merge) from one `git log --stdin --no-walk` process,
 * in the order given: never one process per commit.
 */
export async function streamCommits(
  cwd: string,
  shas: readonly string[],
  onCommit: (c: LoggedCommit) => void,
): Promise<{ exitCode: number; stderr: string }> {
  const parser = createLogParser(onCommit);
  const r = await gitStream(cwd, namesArgs(), (s) => parser.push(s), `${shas.join('\n')}\n`);
  parser.end();
  return r;
}

function lineReader(onLine: (line: string) => void): { push: (s: string) => void; end: () => void } {
  let rest = '';
  return {
    push(chunk) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l !== '') onLine(l);
    },
    end() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}

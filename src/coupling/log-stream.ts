import { spawn } from 'node:child_process';
import { HARDENED_GIT_OPTIONS } from '../git/git.js';

/** One non-merge commit as `git log --name-only` lists it: short sha, subject, changed paths. */
export interface LoggedCommit {
  sha: string;
  subject: string;
  files: string[];
}

/** Marks the start of a commit's header line; record and unit separators never occur in a subject. */
const COMMIT_MARK = '\x1e';
const FIELD_MARK = '\x1f';

/** The `--format` that `createLogParser` reads: a marked header line, then the commit's files. */
export const LOG_FORMAT = `--format=${'%x1e'}%h${'%x1f'}%s`;

/** The git arguments of the one history stream: newest first, no merges, names only, no rename search. */
export function logArgs(window: number): string[] {
  return [
    '-c',
    'core.quotePath=false',
    'log',
    '--no-merges',
    '--no-renames',
    '--name-only',
    '-n',
    String(window),
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

/**
 * Streams the last `window` non-merge commits of `cwd` into `onCommit` from one `git log` process
 * (never one process per commit). A repository without commits yields none.
 */
export function streamHistory(
  cwd: string,
  window: number,
  onCommit: (c: LoggedCommit) => void,
): Promise<{ exitCode: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...HARDENED_GIT_OPTIONS, ...logArgs(window)], {
      cwd,
      // GIT_FLUSH=0: on a pipe git otherwise flushes after every commit, and 100,000 tiny reads cost
      // more CPU than parsing the whole stream.
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_PAGER: 'cat',
        LC_ALL: 'C',
        GIT_OPTIONAL_LOCKS: '0',
        GIT_FLUSH: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const parser = createLogParser(onCommit);
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => parser.push(s));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      parser.end();
      resolve({ exitCode: code ?? 1, stderr });
    });
  });
}

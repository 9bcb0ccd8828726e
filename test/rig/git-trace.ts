import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lines of git's own trace (`GIT_TRACE2`) while `fn` runs in this process: every git process, git's own children too. */
export async function gitTraceDuring(dir: string, fn: () => Promise<void>): Promise<string[]> {
  const trace = join(dir, 'git-trace2.txt');
  writeFileSync(trace, '');
  const saved = process.env.GIT_TRACE2;
  process.env.GIT_TRACE2 = trace;
  try {
    await fn();
  } finally {
    if (saved === undefined) delete process.env.GIT_TRACE2;
    else process.env.GIT_TRACE2 = saved;
  }
  return readFileSync(trace, 'utf8').split('\n');
}

/**
 * Every git process started while `fn` runs in this process, from git's own trace: the ones Baton
 * starts and the ones git starts itself (`worktree add`'s `symbolic-ref`, a commit's `maintenance`),
 * each as its command line, Baton's hardened `-c` options left out.
 */
export async function gitProcessesDuring(dir: string, fn: () => Promise<void>): Promise<string[]> {
  return (await gitTraceDuring(dir, fn))
    .map((l) => / start (.*)$/.exec(l)?.[1])
    .filter((cmd) => cmd !== undefined)
    .map((cmd) => cmd.replace(/ -c core\.(hooksPath|fsmonitor)=\S+/g, ''));
}

/** The command path of every git command in a trace (`commit`; `commit/maintenance` for one a commit started). */
export function gitCommandPaths(trace: readonly string[]): string[] {
  return trace.map((l) => / cmd_name \S+ \((\S+)\)/.exec(l)?.[1]).filter((p) => p !== undefined);
}

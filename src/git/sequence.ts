/**
 * Several git commands in one process: a small `/bin/sh` runs them one after another, each with
 * Baton's hardened options, its output and exit code in files of a private temporary folder. Node's
 * `spawn` forks the whole orchestrator (its cost grows with Baton's memory, issue #17) while the
 * shell's own forks are cheap: four commands cost one Node fork instead of four.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GIT_ENV, GitError, type GitOutput, gitRaw, HARDENED_GIT_OPTIONS } from './git.js';

/** One command of a sequence: git's arguments, and whether the sequence goes on when it fails. */
export interface GitStep {
  args: readonly string[];
  /** When false (the default), a failure stops the sequence: later steps are not run. */
  mayFail?: boolean;
}

/** A step's outcome; `ran: false` for steps after a failure that stopped the sequence. */
export interface GitStepOutput extends GitOutput {
  ran: boolean;
}

/** An argument quoted for the shell: inside single quotes every byte is literal. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** The script: each step's stdout, stderr and exit code to `<dir>/<i>.out|err|rc`, stopping where asked. */
export function sequenceScript(steps: readonly GitStep[]): string {
  const lines = steps.map((step, i) => {
    const words = ['git', ...HARDENED_GIT_OPTIONS, ...step.args].map(shellQuote).join(' ');
    const run = `${words} >"$d/${i}.out" 2>"$d/${i}.err"; rc=$?; echo $rc >"$d/${i}.rc"`;
    return step.mayFail ? run : `${run}; [ $rc -eq 0 ] || exit 0`;
  });
  return ['d=$1', ...lines].join('\n');
}

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * Runs `steps` in `cwd` in one shell; never throws on a git failure (each step's exit code is a
 * value), only when the shell itself cannot run.
 */
export function gitSequence(cwd: string, steps: readonly GitStep[]): Promise<GitStepOutput[]> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-git-'));
  return new Promise<GitStepOutput[]>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', sequenceScript(steps), 'sh', dir], {
      cwd,
      env: { ...process.env, ...GIT_ENV },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const err: Buffer[] = [];
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', () => {
      resolve(
        steps.map((_, i) => {
          const rc = readOr(join(dir, `${i}.rc`), '');
          if (rc === '')
            return { ran: false, stdout: '', stderr: Buffer.concat(err).toString('utf8'), exitCode: -1 };
          return {
            ran: true,
            stdout: readOr(join(dir, `${i}.out`), ''),
            stderr: readOr(join(dir, `${i}.err`), ''),
            exitCode: Number(rc.trim()),
          };
        }),
      );
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Throws a `GitError` for the first step that failed and was not allowed to (or did not run). */
export function throwOnFailure(steps: readonly GitStep[], out: readonly GitStepOutput[]): void {
  steps.forEach((step, i) => {
    const r = out[i];
    if (!step.mayFail && r?.exitCode !== 0) {
      throw new GitError([...step.args], r ?? { stdout: '', stderr: 'not run', exitCode: -1 });
    }
  });
}

/** What `commitAndList` left: the commit made (if anything was staged), HEAD after it, and the files changed since `from`. */
export interface Committed {
  commit?: string;
  head: string;
  files: string[];
}

/**
 * Stages everything in a worktree, commits it when anything is staged, and lists the files changed
 * from `from` to the new HEAD: `add`, `commit`, `rev-parse` and `diff` in one process. A refused
 * commit is told apart by asking whether anything is staged (nothing: no commit), never by git's words.
 */
export async function commitAndList(
  cwd: string,
  message: string,
  from: string,
  author: { name: string; email: string } = { name: 'Baton', email: 'baton@localhost' },
): Promise<Committed> {
  const commitArgs = [
    ...['-c', `user.name=${author.name}`, '-c', `user.email=${author.email}`],
    ...['commit', '--quiet', '--no-verify', '-m', message],
  ];
  const steps: GitStep[] = [
    { args: ['add', '--all'] },
    { args: commitArgs, mayFail: true },
    { args: ['rev-parse', 'HEAD'] },
    { args: ['diff', '--name-only', '-z', '--no-renames', `${from}..HEAD`] },
  ];
  const out = await gitSequence(cwd, steps);
  throwOnFailure(steps, out);
  const [, commit, head, diff] = out as [GitStepOutput, GitStepOutput, GitStepOutput, GitStepOutput];
  if (commit.exitCode !== 0) {
    const staged = await gitRaw(cwd, ['diff', '--cached', '--quiet']);
    if (staged.exitCode !== 0) throw new GitError(commitArgs, commit);
  }
  return {
    ...(commit.exitCode === 0 ? { commit: head.stdout.trim() } : {}),
    head: head.stdout.trim(),
    files: diff.stdout.split('\0').filter((f) => f.length > 0),
  };
}

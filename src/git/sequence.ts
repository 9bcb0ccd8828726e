/**
 * Several git commands in one process: a small `/bin/sh` runs them one after another, each with
 * Baton's hardened options. Node's `spawn` forks the whole orchestrator (its cost grows with Baton's
 * memory, issue #17) while the shell's own forks are cheap: four commands cost one Node fork instead
 * of four. Nothing touches the disk: step `i` writes its output to a pipe of its own (file descriptor
 * 3 + i), and the shell's standard output carries one record per step, `<i> <exit code> <stderr>`
 * ended by a NUL byte (a shell variable cannot hold one, so no stderr can forge a record).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { shortageError } from '../process/spawn-failure.js';
import { shellQuote } from '../text/shell-quote.js';
import { GitDeadlineError } from './deadline.js';
import { GitError, type GitOutput, gitEnvironment, gitRaw, HARDENED_GIT_OPTIONS } from './git.js';

/** One command of a sequence: git's arguments, and whether the sequence goes on when it fails. */
export interface GitStep {
  args: readonly string[];
  /** When false (the default), a failure stops the sequence: later steps are not run. */
  mayFail?: boolean;
  /**
   * A file of git's (a loose ref) whose line, when it is a full object id, is this step's output,
   * read by the shell without starting git; git runs when it is not.
   */
  fromFile?: string;
}

/** A step's outcome; `ran: false` for steps after a failure that stopped the sequence. */
export interface GitStepOutput extends GitOutput {
  ran: boolean;
}

/** Where a worktree must be before anything is run in it: HEAD on `ref`, its commit descending from `base`. */
export interface OnBranch {
  ref: string;
  base: string;
  /**
   * The repository's common git folder (absolute). Given, the guard first reads HEAD and the branch
   * tip from the files git keeps, with shell builtins and no git process (`refFromFilesScript`).
   */
  commonDir?: string;
}

/** The record the branch guard prints when it stops the script. */
const OFF_RECORD = 'off';
/** Step `i`'s standard output goes to this file descriptor plus `i`. */
const FIRST_FD = 3;
/** A POSIX shell names file descriptors 0 to 9 in its redirections: at most 7 steps, on 3 to 9. */
export const MAX_STEPS = 7;

/** A shell line that empties `$<name>` unless it holds a full hexadecimal object id (40 or 64 digits). */
function objectIdOnly(name: string): string {
  return `case $${name} in *[!0-9a-f]*) ${name}= ;; esac; [ \${#${name}} -eq 40 ] || [ \${#${name}} -eq 64 ] || ${name}=`;
}

/**
 * Shell lines that set `$t` to the tip of `on.ref` when the worktree's HEAD is that ref, read from
 * git's own files with shell builtins: the worktree's `.git` file (an absolute `gitdir:`), its HEAD
 * (`ref: <ref>`) and the loose ref in the common folder (a full hexadecimal id). Anything else (a
 * relative gitdir, packed refs, the reftable format, a detached or other HEAD, a file not as git
 * writes it) leaves `$t` empty, and the caller asks git.
 */
export function refFromFilesScript(ref: string, commonDir: string): string[] {
  return [
    't=',
    'if [ -f .git ] && read -r g <.git; then',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own ${g#…}, not a template
    "  case $g in 'gitdir: /'*) g=${g#gitdir: } ;; *) g= ;; esac",
    // Regular files only: a FIFO there would block a read.
    `  if [ -n "$g" ] && [ -f "$g/HEAD" ] && read -r h <"$g/HEAD" && [ "$h" = ${shellQuote(`ref: ${ref}`)} ]; then`,
    `    [ -f ${shellQuote(`${commonDir}/${ref}`)} ] && read -r t <${shellQuote(`${commonDir}/${ref}`)} || t=`,
    '  fi',
    'fi 2>/dev/null',
    objectIdOnly('t'),
  ];
}

/**
 * Shell lines that stop the script (printing the record `off`) unless HEAD is on `ref` and descends from
 * `base`: HEAD and the tip read from git's files when `on.commonDir` is known and they read as git
 * writes them, else from one `rev-parse` (the tip and HEAD's ref name at once); `merge-base
 * --is-ancestor` only when the tip moved. A detached HEAD names `HEAD`, an unborn branch has no tip:
 * both stop.
 */
export function branchGuardScript(on: OnBranch): string[] {
  const git = ['git', ...HARDENED_GIT_OPTIONS].map(shellQuote).join(' ');
  const base = shellQuote(on.base);
  const off = `{ printf '${OFF_RECORD}\\0'; exit 0; }`;
  return [
    // No globbing of what git printed; the words are the tip and the ref name, or the guard stops.
    'set -f',
    ...(on.commonDir === undefined ? ['t='] : refFromFilesScript(on.ref, on.commonDir)),
    'if [ -z "$t" ]; then',
    `  o=$(${git} rev-parse HEAD --symbolic-full-name HEAD 2>/dev/null) || ${off}`,
    `  set -- $o; [ "$#" -eq 2 ] && [ "$2" = ${shellQuote(on.ref)} ] || ${off}`,
    '  t=$1',
    'fi',
    `[ "$t" = ${base} ] || ${git} merge-base --is-ancestor ${base} "$t" 2>/dev/null || ${off}`,
  ];
}

/**
 * The script: step `i`'s stdout to file descriptor 3 + i (the other steps' closed for it), its stderr
 * and exit code as a record on the shell's stdout; it stops where asked.
 */
export function sequenceScript(steps: readonly GitStep[], onBranch?: OnBranch): string {
  if (steps.length > MAX_STEPS) throw new Error(`a git sequence runs at most ${MAX_STEPS} steps`);
  const lines = steps.map((step, i) => {
    const fd = FIRST_FD + i;
    const others = steps.flatMap((_, j) => (j === i ? [] : [`${FIRST_FD + j}>&-`])).join(' ');
    const words = ['git', ...HARDENED_GIT_OPTIONS, ...step.args].map(shellQuote).join(' ');
    const run = `e=$(${words} 2>&1 >&${fd} ${others}); rc=$?; printf '%s %s %s\\0' ${i} $rc "$e"`;
    const ran = step.mayFail ? run : `${run}; [ $rc -eq 0 ] || exit 0`;
    if (step.fromFile === undefined) return ran;
    const read = `printf '%s\\n' "$r" >&${fd}; printf '%s 0 \\0' ${i}`;
    return [
      `r=; [ -f ${shellQuote(step.fromFile)} ] && read -r r <${shellQuote(step.fromFile)} 2>/dev/null`,
      objectIdOnly('r'),
      `if [ -n "$r" ]; then ${read}; else ${ran}; fi`,
    ].join('\n');
  });
  return [...(onBranch ? branchGuardScript(onBranch) : []), ...lines].join('\n');
}

/** The records of the shell's stdout: each step's exit code and stderr, and whether the guard stopped it. */
export function parseRecords(text: string): {
  off: boolean;
  steps: Map<number, { exitCode: number; stderr: string }>;
} {
  const steps = new Map<number, { exitCode: number; stderr: string }>();
  let off = false;
  for (const record of text.split('\0')) {
    if (record === OFF_RECORD) off = true;
    const m = /^(\d+) (\d+) ([\s\S]*)$/.exec(record);
    if (m) steps.set(Number(m[1]), { exitCode: Number(m[2]), stderr: m[3] ?? '' });
  }
  return { off, steps };
}

/** A file's text, or `fallback` when it cannot be read (a step that never ran wrote none). */
export function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** What a sequence run behind a branch guard did: nothing at all when the worktree was off its branch. */
export type GuardedOutput = { offBranch: true } | { offBranch: false; out: GitStepOutput[] };

/**
 * Runs `steps` in `cwd` in one shell; never throws on a git failure (each step's exit code is a
 * value), only when the shell itself cannot run.
 */
export async function gitSequence(
  cwd: string,
  steps: readonly GitStep[],
  limits: SequenceLimits = {},
): Promise<GitStepOutput[]> {
  const r = await runSequence(cwd, steps, undefined, limits);
  if (r.offBranch) throw new Error('a sequence without a branch guard stopped at it');
  return r.out;
}

/**
 * Like `gitSequence`, with nothing run unless the worktree at `cwd` is on `onBranch` (checked in the
 * same shell, just before the steps): `{ offBranch: true }` otherwise.
 */
export function gitSequenceOnBranch(
  cwd: string,
  steps: readonly GitStep[],
  onBranch: OnBranch,
  limits: SequenceLimits = {},
): Promise<GuardedOutput> {
  return runSequence(cwd, steps, onBranch, limits);
}

/**
 * How long a sequence may take, and what cuts it short. With `deadlineMs` the shell and its gits run
 * in a process group of their own, killed past the deadline (the call then rejects with a
 * `GitDeadlineError`: a FIFO `.gitignore` an agent planted blocks git for ever); `signal` (the run's
 * Ctrl-C) then sends the group the SIGINT the terminal no longer does.
 */
export interface SequenceLimits {
  deadlineMs?: number;
  signal?: AbortSignal;
  /** What the sequence does, for the deadline's message ("Baton's commit of the agent's work"). */
  what?: string;
}

/** How long git has, after the deadline's SIGTERM, to remove its own lock files (`index.lock`) before SIGKILL. */
const KILL_GRACE_MS = 1000;

/**
 * Arms `limits` on a started sequence; the returned function disarms them, and says whether the deadline
 * fired. At the deadline the group gets SIGTERM, then SIGKILL after `KILL_GRACE_MS`; `missed` is called
 * once the shell has then exited: a process that left the group (`setsid`, from a filter an agent
 * configured) may hold the sequence's pipes for ever, so its end is not waited for.
 */
function armLimits(child: ChildProcess, limits: SequenceLimits, missed: () => void): () => boolean {
  const { deadlineMs, signal } = limits;
  const pid = child.pid;
  if (deadlineMs === undefined || pid === undefined) return () => false;
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {}
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let timedOut = false;
  let grace: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    kill('SIGTERM');
    grace = setTimeout(() => {
      kill('SIGKILL');
      void exited.then(missed);
    }, KILL_GRACE_MS);
  }, deadlineMs);
  const onAbort = () => kill('SIGINT');
  signal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    clearTimeout(grace);
    signal?.removeEventListener('abort', onAbort);
    return timedOut;
  };
}

/** Everything a readable stream of the child's gives, kept as it comes. */
function collect(child: ChildProcess, fd: number): Buffer[] {
  const chunks: Buffer[] = [];
  // A shell that could not start (EMFILE) has no stdio at all.
  child.stdio?.[fd]?.on('data', (b: Buffer) => chunks.push(b));
  return chunks;
}

function runSequence(
  cwd: string,
  steps: readonly GitStep[],
  onBranch: OnBranch | undefined,
  limits: SequenceLimits,
): Promise<GuardedOutput> {
  const script = sequenceScript(steps, onBranch);
  return new Promise<GuardedOutput>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh'], {
      cwd,
      env: gitEnvironment(),
      stdio: ['ignore', 'pipe', 'pipe', ...steps.map(() => 'pipe' as const)],
      detached: limits.deadlineMs !== undefined,
    });
    // First, before anything reads the child's pipes: a shell that could not start has none.
    child.on('error', (err) => {
      disarm();
      reject(shortageError('/bin/sh', err) ?? err);
    });
    const missed = () => {
      disarm();
      // What still holds the pipes is not waited for: they are closed on Baton's side.
      for (const stream of child.stdio ?? []) stream?.destroy();
      reject(new GitDeadlineError(limits.what ?? 'git', cwd, limits.deadlineMs ?? 0));
    };
    const disarm = armLimits(child, limits, missed);
    const records = collect(child, 1);
    const shellErr = collect(child, 2);
    const outs = steps.map((_, i) => collect(child, FIRST_FD + i));
    child.on('close', () => {
      if (disarm()) {
        missed();
        return;
      }
      const { off, steps: done } = parseRecords(Buffer.concat(records).toString('utf8'));
      if (onBranch && off) {
        resolve({ offBranch: true });
        return;
      }
      const out = steps.map((_, i) => {
        const r = done.get(i);
        if (r === undefined)
          return { ran: false, stdout: '', stderr: Buffer.concat(shellErr).toString('utf8'), exitCode: -1 };
        return { ran: true, stdout: Buffer.concat(outs[i] ?? []).toString('utf8'), ...r };
      });
      resolve({ offBranch: false, out });
    });
  });
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

/** What a commit of the agent's work left: the commit made (if anything was staged), HEAD after it, and the files changed since `from`. */
export interface Committed {
  commit?: string;
  head: string;
  files: string[];
  /** Those of `files` that HEAD holds as a gitlink (mode 160000: another repository's commit, not files). */
  gitlinks: string[];
}

/** The paths of `git diff --raw -z --no-renames` output, and those whose new mode is a gitlink (pure). */
export function parseRawDiff(out: string): { files: string[]; gitlinks: string[] } {
  const files: string[] = [];
  const gitlinks: string[] = [];
  const parts = out.split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    // `:<old mode> <new mode> <old id> <new id> <status>`, then the path.
    const meta = parts[i];
    const path = parts[i + 1];
    if (!meta?.startsWith(':') || !path) continue;
    files.push(path);
    if (meta.split(' ')[1] === '160000') gitlinks.push(path);
  }
  return { files, gitlinks };
}

/**
 * `add`, `commit` (allowed to fail: nothing staged), `rev-parse` and `diff`: a settle's steps. The
 * commit does not start git's automatic maintenance (one more git process per feature, and commits
 * ending together would race for gc's lock): the run starts it once at its end (`autoMaintenance`).
 */
function commitSteps(
  message: string,
  from: string,
  headFile: string | undefined,
  author = { name: 'Baton', email: 'baton@localhost' },
): GitStep[] {
  return [
    { args: ['add', '--all'] },
    {
      args: [
        ...['-c', `user.name=${author.name}`, '-c', `user.email=${author.email}`],
        ...['-c', 'maintenance.auto=false'],
        ...['commit', '--quiet', '--no-verify', '-m', message],
      ],
      mayFail: true,
    },
    // HEAD is on the guarded branch: its loose ref, when git left one, is HEAD's commit.
    { args: ['rev-parse', 'HEAD'], ...(headFile ? { fromFile: headFile } : {}) },
    // Raw, not names only: the modes show a gitlink (a nested repository `add --all` took as one).
    { args: ['diff', '--raw', '-z', '--no-renames', `${from}..HEAD`] },
  ];
}

/** What the commit steps left. A refused commit is told apart by asking whether anything is staged (nothing: no commit), never by git's words. */
async function readCommitted(
  cwd: string,
  steps: readonly GitStep[],
  out: readonly GitStepOutput[],
): Promise<Committed> {
  throwOnFailure(steps, out);
  const [, commit, head, diff] = out as [GitStepOutput, GitStepOutput, GitStepOutput, GitStepOutput];
  if (commit.exitCode !== 0) {
    const staged = await gitRaw(cwd, ['diff', '--cached', '--quiet']);
    if (staged.exitCode !== 0) throw new GitError([...(steps[1]?.args ?? [])], commit);
  }
  return {
    ...(commit.exitCode === 0 ? { commit: head.stdout.trim() } : {}),
    head: head.stdout.trim(),
    ...parseRawDiff(diff.stdout),
  };
}

/**
 * Stages everything in a worktree, commits it when anything is staged, and lists the files changed
 * from `from` to the new HEAD — `add`, `commit`, `rev-parse` and `diff` in one process, behind a branch
 * guard in the same process: nothing is staged or committed unless the worktree's HEAD is still on
 * `onBranch.ref` and descends from `onBranch.base` (an agent that switched branch, deleted its own or
 * reset below the base); undefined then, for the caller to ask why.
 */
export async function commitOnBranch(
  cwd: string,
  message: string,
  from: string,
  onBranch: OnBranch,
  limits: SequenceLimits = {},
): Promise<Committed | undefined> {
  const steps = commitSteps(message, from, onBranch.commonDir && `${onBranch.commonDir}/${onBranch.ref}`);
  const r = await gitSequenceOnBranch(cwd, steps, onBranch, limits);
  return r.offBranch ? undefined : readCommitted(cwd, steps, r.out);
}

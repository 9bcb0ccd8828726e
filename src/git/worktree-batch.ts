/**
 * New worktrees, several at once, from one small shell (one fork of the orchestrator for all of them:
 * Node's `spawn` copies the whole orchestrator, issue #17). The branches come first, in one
 * `update-ref` transaction; then each `worktree add --no-checkout` in turn (the shared repository's
 * admin files: the part the caller's lock covers), and each worktree's checkout starts in the
 * background as soon as its own add has ended, at most `lanes` at a time, while the next adds go on.
 * The shell prints a line when the adds are all done (the lock can go) and one as each worktree is
 * ready, so a feature starts its agent while later worktrees are still being made.
 *
 * The shell and its git processes carry the run's id, its log and `WORKTREE_BATCH_MARK` in their
 * environment: a resume finds those of a dead run of this repository and stops them (`stopDeadWorktreeBatches`), and they start no add
 * or checkout once the orchestrator is gone. A worktree whose checkout did not finish (no index) never
 * had an agent: a resume checks it out again (`finishUnfinishedCheckout`).
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { WORKTREE_BATCH_MARK } from '../guard/daemons.js';
import { shortageError } from '../process/spawn-failure.js';
import { makeTempFolder } from '../temp-folder.js';
import { shellQuote } from '../text/shell-quote.js';
import { makeFullCheckout } from './full-checkout.js';
import { GitError, type GitOutput, git, gitEnvironment, gitRaw, HARDENED_GIT_OPTIONS } from './git.js';
import { readOr } from './sequence.js';

/** The run a batch works for: its id and its log, carried by the batch's processes (`stopDeadWorktreeBatches`). */
export interface BatchRun {
  runId: string;
  logPath: string;
}

/** A worktree to make at `path` on a new branch `branch` (`refs/heads/<branch>`) from the commit `base`. */
export interface NewWorktree {
  path: string;
  branch: string;
  base: string;
}

/** How the caller hears of a batch: the adds all ended, and each worktree ready (or its error). */
export interface WorktreeBatchEvents {
  added: () => void;
  ready: (i: number, err: GitError | undefined) => void;
}

const CHECKOUT_ARGS = ['read-tree', '-mu', 'HEAD'];

/** Turns off the sparse checkout `worktree add` copied from a sparse main checkout (`makeFullCheckout`). */
const SPARSE_OFF_ARGS = ['sparse-checkout', 'disable'];

/** Checks HEAD out over whatever an interrupted checkout left (files it wrote would block `-m`). */
const CHECKOUT_AGAIN_ARGS = ['read-tree', '--reset', '-u', 'HEAD'] as const;

/** git's words for the shell, with Baton's hardened options. */
function gitWords(args: readonly string[]): string {
  return ['git', ...HARDENED_GIT_OPTIONS, ...args].map(shellQuote).join(' ');
}

/** The `worktree add` of item `w`: on the branch made beforehand, or making it (`-b`) when that failed. */
function addArgs(w: NewWorktree, branchMade: boolean): string[] {
  return branchMade
    ? ['worktree', 'add', '--quiet', '--no-checkout', w.path, w.branch]
    : ['worktree', 'add', '--quiet', '--no-checkout', '-b', w.branch, w.path, w.base];
}

/** The lines `update-ref --stdin` reads: one transaction that makes every branch, or none. */
function branchTransaction(items: readonly NewWorktree[]): string {
  return items.map((w) => `create refs/heads/${w.branch} ${w.base}\n`).join('');
}

/**
 * The script. Outputs go to `<dir>/a<i>.*` (the add) and `<dir>/c<i>.*` (the checkout); it prints
 * `a <i>` when an add failed, `c <i>` when a checkout ended, `added` once every add has. More items
 * than lanes share a semaphore: a FIFO holding one byte per free lane.
 */
function worktreeBatchScript(items: readonly NewWorktree[], lanes: number): string {
  const capped = items.length > lanes;
  const lines = [
    'd=$1',
    // The orchestrator: once it is gone (killed), no add or checkout starts; what it left, a resume stops.
    'o=$2',
    'alive() { kill -0 "$o" 2>/dev/null; }',
    's=',
    ...(capped
      ? [
          `if mkfifo "$d/lanes" 2>/dev/null; then exec 3<>"$d/lanes"; s=1; printf '${'\\n'.repeat(Math.max(1, lanes))}' >&3; fi`,
        ]
      : []),
    // A waiter that finds the orchestrator gone gives its lane back before it leaves: the next waiter
    // wakes, sees the same and leaves too, instead of every other one blocking on the FIFO for ever.
    // A full checkout (`full-checkout.ts`): sparse checkout, when `worktree add` copied it, off before
    // the checkout; read from the worktree's files with shell builtins, no process when it was not.
    'full() {',
    '  g=; [ -f .git ] && read -r g <.git',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's own ${g#…}, not a template
    '  g=${g#gitdir: }',
    '  [ -n "$g" ] && [ -f "$g/info/sparse-checkout" ] || return 0',
    `  ${gitWords(SPARSE_OFF_ARGS)}`,
    '}',
    'co() {',
    '  [ -z "$s" ] || read -r _ <&3',
    '  alive || { [ -z "$s" ] || echo >&3; exit 0; }',
    `  if cd -- "$2" 2>"$d/c$1.err"; then { full && ${gitWords(CHECKOUT_ARGS)}; } >"$d/c$1.out" 2>"$d/c$1.err"; echo $? >"$d/c$1.rc"; else echo 128 >"$d/c$1.rc"; fi`,
    '  [ -z "$s" ] || echo >&3',
    '  echo "c $1"',
    '}',
    // The branches in one transaction (a reflog message in `git branch`'s style); should any exist
    // already, none is made and each add makes its own, so the one taken fails alone.
    `b=; ${gitWords(['update-ref', '--stdin', '-m', 'branch: Created by Baton'])} <"$d/refs" >/dev/null 2>&1 && b=1 && : >"$d/branched"`,
  ];
  items.forEach((w, i) => {
    const files = `>"$d/a${i}.out" 2>"$d/a${i}.err"`;
    const ref = `refs/heads/${w.branch}`;
    // `m`: this add's branch is Baton's own (made by the transaction, or by `worktree add -b`, which
    // git leaves behind when the add fails); a failed add deletes it, if it is still at the base.
    lines.push(
      'alive || exit 0',
      `m=$b; if [ -n "$b" ]; then ${gitWords(addArgs(w, true))} ${files}; else ${gitWords(['show-ref', '--verify', '--quiet', ref])} || m=1; ${gitWords(addArgs(w, false))} ${files}; fi; rc=$?; echo $rc >"$d/a${i}.rc"`,
      `if [ $rc -eq 0 ]; then co ${i} ${shellQuote(w.path)} & else [ -z "$m" ] || ${gitWords(['update-ref', '-d', ref, w.base])} >/dev/null 2>&1; echo "a ${i}"; fi`,
    );
  });
  lines.push('echo added', 'wait');
  return lines.join('\n');
}

/**
 * Finishes the checkout of a resumed worktree that a dead run added (`--no-checkout`) but never
 * checked out: no index yet (git writes it last, when the checkout ends), perhaps the `index.lock` of
 * a checkout killed midway and some of its files. Such a worktree never had an agent (an agent starts
 * only once its checkout is ready), so its files are git's own: the stale lock is removed and HEAD
 * checked out over them. A worktree with an index, any Baton version's, is left as it is. True when
 * it checked one out; the dead run's batch must be stopped first (`stopDeadWorktreeBatches`).
 */
export async function finishUnfinishedCheckout(worktree: string): Promise<boolean> {
  const index = await git(worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'index']);
  if (existsSync(index)) return false;
  rmSync(`${index}.lock`, { force: true });
  await makeFullCheckout(worktree);
  await git(worktree, [...CHECKOUT_AGAIN_ARGS]);
  return true;
}

/** Whether `err` is a new worktree's checkout failing after its add (the worktree and branch then exist). */
export function isCheckoutFailure(err: unknown): boolean {
  return err instanceof GitError && err.args[0] === CHECKOUT_ARGS[0];
}

/**
 * Takes back a new worktree whose checkout failed: the worktree (only what the checkout put in it) and
 * its branch, if it still points at the base it was made at. Best effort: a step git refuses is left.
 */
export async function undoNewWorktree(root: string, w: NewWorktree): Promise<void> {
  await gitRaw(root, ['worktree', 'remove', '--force', w.path]);
  await gitRaw(root, ['update-ref', '-d', `refs/heads/${w.branch}`, w.base]);
}

/** What the shell left for item `i`: the add's failure, the checkout's, or nothing (ready). */
function outcome(dir: string, w: NewWorktree, i: number, shellErr: string): GitError | undefined {
  const read = (name: string): GitOutput | undefined => {
    const rc = readOr(join(dir, `${name}.rc`), '').trim();
    if (rc === '') return undefined;
    return {
      stdout: readOr(join(dir, `${name}.out`), ''),
      stderr: readOr(join(dir, `${name}.err`), ''),
      exitCode: Number(rc),
    };
  };
  const args = addArgs(w, existsSync(join(dir, 'branched')));
  const add = read(`a${i}`);
  if (add === undefined) return new GitError(args, { stdout: '', stderr: shellErr, exitCode: -1 });
  if (add.exitCode !== 0) return new GitError(args, add);
  const checkout = read(`c${i}`);
  if (checkout === undefined)
    return new GitError(CHECKOUT_ARGS, { stdout: '', stderr: shellErr, exitCode: -1 });
  return checkout.exitCode === 0 ? undefined : new GitError(CHECKOUT_ARGS, checkout);
}

/**
 * Makes `items` from `root` in one shell; `events.added` once every add has ended (or the shell
 * did), `events.ready(i, err)` once per item, as soon as its worktree is checked out or failed. The
 * promise settles when the shell has ended; it rejects only when the shell cannot start.
 */
export function addWorktrees(
  root: string,
  items: readonly NewWorktree[],
  events: WorktreeBatchEvents,
  opts: { lanes?: number; run?: BatchRun } = {},
): Promise<void> {
  const lanes = opts.lanes ?? availableParallelism();
  const dir = makeTempFolder('baton-git-');
  writeFileSync(join(dir, 'refs'), branchTransaction(items));
  const reported = new Set<number>();
  let added = false;
  const addsEnded = () => {
    if (added) return;
    added = true;
    events.added();
  };
  const report = (i: number, shellErr: string) => {
    const w = items[i];
    if (w === undefined || reported.has(i)) return;
    reported.add(i);
    events.ready(i, outcome(dir, w, i, shellErr));
  };
  return new Promise<void>((resolve, reject) => {
    const script = worktreeBatchScript(items, lanes);
    const child = spawn('/bin/sh', ['-c', script, 'sh', dir, String(process.pid)], {
      cwd: root,
      env: gitEnvironment({
        [WORKTREE_BATCH_MARK]: '1',
        ...(opts.run !== undefined ? { BATON_RUN_ID: opts.run.runId, BATON_LOG: opts.run.logPath } : {}),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let rest = '';
    const err: Buffer[] = [];
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'added') addsEnded();
        else if (/^[ac] \d+$/.test(line)) report(Number(line.slice(2)), '');
      }
    });
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      addsEnded();
      reject(shortageError('/bin/sh', e) ?? e);
    });
    child.on('close', () => {
      const stderr = Buffer.concat(err).toString('utf8') || 'the shell ended before the command did';
      addsEnded();
      for (let i = 0; i < items.length; i++) report(i, stderr);
      resolve();
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { type GitOutput, git, gitRaw } from '../git/git.js';
import { gitSequence } from '../git/sequence.js';
import { escapeControl } from '../text/escape.js';
import type { CheckVerdict } from './judge.js';

/**
 * What a worktree holds next to its HEAD: the checks are only worth what they say when the files
 * they ran are the commit that gets merged, so Baton looks before the checks and after each one.
 */
export interface CheckoutState {
  /** HEAD's commit; undefined on an unborn branch or when git failed. */
  commit?: string;
  /** Tracked paths that differ from HEAD (staged or not, deleted included). */
  changed: string[];
  /** Whether untracked files that git does not ignore are present (only looked for before the checks). */
  untracked: boolean;
  /**
   * Index entries marked skip-worktree or assume-unchanged: git status no longer compares them, so
   * the copy on disk (what a check runs) may differ from the commit without anything showing.
   */
  hidden: string[];
  /** Whether the worktree has sparse checkout on (asked only when `hidden` has entries): it sets the skip-worktree bits. */
  sparse?: boolean;
  /** Set when git itself failed: nothing is known. */
  failed?: string;
}

/** The paths of `git status --porcelain=v2 -z` entries, by kind, and HEAD's oid (pure). */
export function parseStatusV2(out: string): { commit?: string; changed: string[]; untracked: boolean } {
  const tokens = out.split('\0');
  const changed: string[] = [];
  let commit: string | undefined;
  let untracked = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (t.startsWith('# branch.oid ')) {
      const oid = t.slice('# branch.oid '.length);
      if (/^[0-9a-f]{40,64}$/.test(oid)) commit = oid;
    } else if (t.startsWith('? ')) untracked = true;
    else if (t.startsWith('1 ')) changed.push(fieldsAfter(t, 8));
    else if (t.startsWith('2 ')) {
      changed.push(fieldsAfter(t, 9));
      i++; // the rename's source follows
    } else if (t.startsWith('u ')) changed.push(fieldsAfter(t, 10));
  }
  return { ...(commit ? { commit } : {}), changed, untracked };
}

/** What follows the first `n` space-separated fields of a line: the path, which may hold spaces. */
function fieldsAfter(line: string, n: number): string {
  let at = 0;
  for (let k = 0; k < n; k++) at = line.indexOf(' ', at) + 1;
  return line.slice(at);
}

/** An index entry hidden from git status, and the flag (or flags) that hide it. */
export interface HiddenEntry {
  path: string;
  flag: 'skip-worktree' | 'assume-unchanged' | 'skip-worktree and assume-unchanged';
}

/**
 * The index entries `git ls-files -v` tags skip-worktree (`S`), assume-unchanged (any other lower-case
 * tag) or both (`s`), with their flags (pure).
 */
export function parseHiddenFlags(out: string): HiddenEntry[] {
  const hidden: HiddenEntry[] = [];
  for (const entry of out.split('\0')) {
    const tag = entry.slice(0, 1);
    if (entry.length <= 2) continue;
    const path = entry.slice(2);
    if (tag === 'S') hidden.push({ path, flag: 'skip-worktree' });
    else if (tag === 's') hidden.push({ path, flag: 'skip-worktree and assume-unchanged' });
    else if (tag >= 'a' && tag <= 'z') hidden.push({ path, flag: 'assume-unchanged' });
  }
  return hidden;
}

/** The paths of the index entries hidden from git status (`parseHiddenFlags`) (pure). */
export function parseHiddenEntries(out: string): string[] {
  return parseHiddenFlags(out).map((e) => e.path);
}

const STATUS_ARGS = ['status', '--porcelain=v2', '-z', '--branch', '--no-ahead-behind', '--no-renames'];
/** The `git ls-files` arguments `parseHiddenFlags` reads. */
export const HIDDEN_ARGS: readonly string[] = ['ls-files', '-v', '-z'];

/** Whether the worktree at `cwd` has sparse checkout on: it sets the skip-worktree bits itself. */
async function sparseCheckoutOn(cwd: string): Promise<boolean> {
  return (await gitRaw(cwd, ['config', '--type=bool', 'core.sparseCheckout'])).stdout.trim() === 'true';
}

/**
 * The entries of `listed` (`HIDDEN_ARGS`' output in `cwd`) that can hide a change from git status: all
 * but, in a worktree with sparse checkout on, a skip-worktree entry with nothing on disk, which is
 * sparse checkout leaving the file out (no copy for a test to run or a merge to carry). Git is asked
 * about sparse checkout only when such an entry is there.
 */
export async function hidingEntries(cwd: string, listed: string): Promise<HiddenEntry[]> {
  const hidden = parseHiddenFlags(listed);
  const absent = (e: HiddenEntry) =>
    e.flag === 'skip-worktree' && lstatSync(join(cwd, e.path), { throwIfNoEntry: false }) === undefined;
  if (!hidden.some(absent) || !(await sparseCheckoutOn(cwd))) return hidden;
  return hidden.filter((e) => !absent(e));
}

/** HEAD, the changed tracked files, untracked files and hidden index entries of a worktree, before the checks. */
export async function probeCheckout(cwd: string): Promise<CheckoutState> {
  const [status, listed] = await Promise.all([
    gitRaw(cwd, [...STATUS_ARGS, '--untracked-files=normal']),
    gitRaw(cwd, [...HIDDEN_ARGS]),
  ]);
  if (status.exitCode !== 0 || listed.exitCode !== 0) {
    return { changed: [], untracked: false, hidden: [], failed: (status.stderr || listed.stderr).trim() };
  }
  const hidden = parseHiddenEntries(listed.stdout);
  // Sparse checkout sets the skip-worktree bits again at every checkout: clearing them would not last.
  const sparse = hidden.length > 0 && (await sparseCheckoutOn(cwd));
  return { ...parseStatusV2(status.stdout), hidden, ...(sparse ? { sparse } : {}) };
}

/** What a worktree holds after a check: HEAD, changed tracked files and hidden index entries. */
interface AfterState {
  commit?: string;
  changed: string[];
  hidden: HiddenEntry[];
  failed?: string;
}

/**
 * HEAD, the changed tracked files and the hidden index entries after a check, in one shell (one
 * process spawned, as a lone `git status` was): a check that marks a tracked file skip-worktree or
 * assume-unchanged and then rewrites it changes it unseen by `git status`. New untracked files
 * (build output) are allowed, so not looked for.
 */
async function probeAfter(cwd: string): Promise<AfterState> {
  let status: GitOutput;
  let listed: GitOutput;
  try {
    const out = await gitSequence(cwd, [
      { args: [...STATUS_ARGS, '--untracked-files=no'], mayFail: true },
      { args: HIDDEN_ARGS, mayFail: true },
    ]);
    status = out[0] ?? { stdout: '', stderr: 'not run', exitCode: -1 };
    listed = out[1] ?? { stdout: '', stderr: 'not run', exitCode: -1 };
  } catch (err) {
    // The shell could not start: a check that removed its own worktree.
    return { changed: [], hidden: [], failed: err instanceof Error ? err.message : String(err) };
  }
  if (status.exitCode !== 0 || listed.exitCode !== 0)
    return { changed: [], hidden: [], failed: (status.stderr || listed.stderr).trim() };
  const { commit, changed } = parseStatusV2(status.stdout);
  return { ...(commit ? { commit } : {}), changed, hidden: parseHiddenFlags(listed.stdout) };
}

/** Whether the worktree differs from its HEAD in any way the checks would see (pure). */
export function isDirty(state: CheckoutState): boolean {
  return state.changed.length > 0 || state.untracked || state.hidden.length > 0 || state.failed !== undefined;
}

/** Up to five paths, escaped, and how many more (pure). */
function namePaths(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).map((p) => escapeControl(p));
  return paths.length > 5 ? `${shown.join(', ')} and ${paths.length - 5} more` : shown.join(', ');
}

/**
 * The verdict every criterion gets, without running, when the index hides files from git status
 * (pure): their copies on disk are what a check would run, and nothing says they are the commit's.
 * When the worktree at `cwd` has sparse checkout on, that is the cause named, and turning it off the fix.
 */
export function hiddenEntriesVerdict(
  state: Pick<CheckoutState, 'hidden' | 'sparse'>,
  cwd: string,
): CheckVerdict {
  const why = state.sparse
    ? 'skip-worktree: this worktree has sparse checkout on'
    : 'skip-worktree or assume-unchanged';
  const fix = state.sparse
    ? `turn it off with \`git -C ${printableArg(cwd)} sparse-checkout disable\``
    : `clear with ${unhideWords('<paths>')}`;
  return {
    outcome: 'failed',
    message:
      `not run: ${namePaths(state.hidden)} hidden from git status (${why}), so the files ` +
      `on disk may not be the commit [checks/hidden-index-entries]; ${fix} and verify again`,
  };
}

/**
 * After a check: the verdict as it stands when the worktree is still its commit, or a failure
 * naming the tracked files a check changed, the index entries it hid from git status (with their
 * flag), or HEAD's move, since what ran next was not the commit. Called only when the worktree was
 * clean before the checks, with no entry hidden: any hidden now is the checks' doing.
 */
export async function keepCheckout(
  cwd: string,
  commit: string | undefined,
  verdict: CheckVerdict,
): Promise<CheckVerdict> {
  const after = await probeAfter(cwd);
  const what: string[] = [];
  // `git checkout -- .` restores files, not HEAD: a moved HEAD is moved back (keeping local changes).
  let restore = 'restore with `git checkout -- .`';
  if (after.failed !== undefined) what.push(`git status failed: ${escapeControl(after.failed)}`);
  else if (after.commit !== commit) {
    what.push(`HEAD moved from ${commit?.slice(0, 10) ?? 'none'} to ${after.commit?.slice(0, 10) ?? 'none'}`);
    if (commit !== undefined)
      restore = `move it back with \`git -C ${printableArg(cwd)} reset --keep ${commit}\``;
  } else {
    if (after.hidden.length > 0) {
      what.push(`index entries hide files from git status: ${nameHidden(after.hidden)}`);
      restore = `${unhideCommand(cwd, after.hidden)}, then ${restore}`;
    }
    if (after.changed.length > 0)
      what.push(`tracked files differ from the commit: ${namePaths(after.changed)}`);
  }
  if (what.length === 0) return verdict;
  return {
    ...verdict,
    outcome: 'failed',
    message:
      `after this check, ${what.join('; ')} [checks/changed-checkout]; what runs next is no longer the commit checked ` +
      `(the check said: ${verdict.message}); ${restore} and verify again`,
  };
}

/** Up to five hidden entries, escaped, each with its flag, and how many more (pure). */
export function nameHidden(hidden: readonly HiddenEntry[]): string {
  const shown = hidden.slice(0, 5).map((e) => `${escapeControl(e.path)} (${e.flag})`);
  return hidden.length > 5 ? `${shown.join(', ')} and ${hidden.length - 5} more` : shown.join(', ');
}

/**
 * The commands that clear both flags of `paths` (pure): two, since `git update-index` given both
 * `--no-assume-unchanged` and `--no-skip-worktree` clears only the first (git 2.39).
 */
function unhideWords(paths: string, cwd?: string): string {
  const git = cwd === undefined ? 'git' : `git -C ${printableArg(cwd)}`;
  return `\`${git} update-index --no-skip-worktree -- ${paths}\` and \`${git} update-index --no-assume-unchanged -- ${paths}\``;
}

/** The commands that clear the flags of `hidden` in `cwd`, naming the paths when they are few (pure). */
export function unhideCommand(cwd: string, hidden: readonly HiddenEntry[]): string {
  const paths = hidden.length <= 5 ? hidden.map((e) => printableArg(e.path)).join(' ') : '<paths>';
  return `clear the flags with ${unhideWords(paths, cwd)}`;
}

/**
 * Clears the skip-worktree and assume-unchanged flags of `paths` in `cwd` and checks their files out
 * of the index, so what is on disk is the index again. Only for a worktree that is Baton's own.
 */
export async function unhideAndRestore(cwd: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  const list = paths.map((p) => `${p}\0`).join('');
  // One flag a call: given both, `update-index` clears only one of them.
  await git(cwd, ['update-index', '--no-skip-worktree', '-z', '--stdin'], list);
  await git(cwd, ['update-index', '--no-assume-unchanged', '-z', '--stdin'], list);
  await git(cwd, ['--literal-pathspecs', 'checkout', '--pathspec-from-file=-', '--pathspec-file-nul'], list);
}

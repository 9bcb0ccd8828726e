import { printableArg } from '../agents/shell-words.js';
import { gitRaw } from '../git/git.js';
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

/** The index entries `git ls-files -v` tags skip-worktree (`S`) or assume-unchanged (lower case) (pure). */
export function parseHiddenEntries(out: string): string[] {
  const hidden: string[] = [];
  for (const entry of out.split('\0')) {
    const tag = entry.slice(0, 1);
    if (entry.length > 2 && (tag === 'S' || (tag >= 'a' && tag <= 'z'))) hidden.push(entry.slice(2));
  }
  return hidden;
}

const STATUS_ARGS = ['status', '--porcelain=v2', '-z', '--branch', '--no-ahead-behind', '--no-renames'];

/** HEAD, the changed tracked files, untracked files and hidden index entries of a worktree, before the checks. */
export async function probeCheckout(cwd: string): Promise<CheckoutState> {
  const [status, listed] = await Promise.all([
    gitRaw(cwd, [...STATUS_ARGS, '--untracked-files=normal']),
    gitRaw(cwd, ['ls-files', '-v', '-z']),
  ]);
  if (status.exitCode !== 0 || listed.exitCode !== 0) {
    return { changed: [], untracked: false, hidden: [], failed: (status.stderr || listed.stderr).trim() };
  }
  const hidden = parseHiddenEntries(listed.stdout);
  // Sparse checkout sets the skip-worktree bits again at every checkout: clearing them would not last.
  const sparse =
    hidden.length > 0 &&
    (await gitRaw(cwd, ['config', '--type=bool', 'core.sparseCheckout'])).stdout.trim() === 'true';
  return { ...parseStatusV2(status.stdout), hidden, ...(sparse ? { sparse } : {}) };
}

/** HEAD and the changed tracked files after a check: new untracked files (build output) are allowed. */
async function probeAfter(cwd: string): Promise<CheckoutState> {
  const status = await gitRaw(cwd, [...STATUS_ARGS, '--untracked-files=no']);
  if (status.exitCode !== 0)
    return { changed: [], untracked: false, hidden: [], failed: status.stderr.trim() };
  return { ...parseStatusV2(status.stdout), hidden: [] };
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
    : 'clear with `git update-index --no-skip-worktree --no-assume-unchanged -- <paths>`';
  return {
    outcome: 'failed',
    message:
      `not run: ${namePaths(state.hidden)} hidden from git status (${why}), so the files ` +
      `on disk may not be the commit [checks/hidden-index-entries]; ${fix} and verify again`,
  };
}

/**
 * After a check: the verdict as it stands when the worktree is still its commit, or a failure
 * naming the tracked files a check changed (or HEAD's move), since what ran next was not the commit.
 */
export async function keepCheckout(
  cwd: string,
  commit: string | undefined,
  verdict: CheckVerdict,
): Promise<CheckVerdict> {
  const after = await probeAfter(cwd);
  let what: string | undefined;
  // `git checkout -- .` restores files, not HEAD: a moved HEAD is moved back (keeping local changes).
  let restore = 'restore with `git checkout -- .`';
  if (after.failed !== undefined) what = `git status failed: ${escapeControl(after.failed)}`;
  else if (after.commit !== commit) {
    what = `HEAD moved from ${commit?.slice(0, 10) ?? 'none'} to ${after.commit?.slice(0, 10) ?? 'none'}`;
    if (commit !== undefined)
      restore = `move it back with \`git -C ${printableArg(cwd)} reset --keep ${commit}\``;
  } else if (after.changed.length > 0)
    what = `tracked files differ from the commit: ${namePaths(after.changed)}`;
  if (what === undefined) return verdict;
  return {
    ...verdict,
    outcome: 'failed',
    message:
      `after this check, ${what} [checks/changed-checkout]; what runs next is no longer the commit checked ` +
      `(the check said: ${verdict.message}); ${restore} and verify again`,
  };
}

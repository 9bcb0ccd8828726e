import { type Dirent, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeFullCheckout } from './full-checkout.js';
import { GitError, type GitOutput, git, gitRaw, gitShielded } from './git.js';
import { MERGE_DRIVER_OPTIONS } from './merge-tree.js';

export { filesWithConflictMarkers } from './conflict-markers.js';
export {
  type MergeMessage,
  type MergeTreeResult,
  mergeTree,
  parseMergeTreeOutput,
} from './merge-tree.js';
export { gitRefusal, untrackedBlocking } from './refusal.js';

/**
 * The argv of every merge Baton makes (integration and dependency merges alike): a merge commit
 * (`--no-ff`) with the given message, under `identity` (`commitIdentityArgs`), the repository's
 * merge hooks off, git's `union` driver made an ordinary merge (`MERGE_DRIVER_OPTIONS`) (pure).
 */
export function noFfMergeArgs(identity: readonly string[], ref: string, message: string): string[] {
  return [
    ...identity,
    ...MERGE_DRIVER_OPTIONS,
    'merge',
    '--no-ff',
    '--no-edit',
    '--no-verify',
    '-m',
    message,
    ref,
  ];
}

/**
 * How a read runs git: `gitRaw`, or `gitShielded` after a shielded merge, so that the Ctrl-C that merge
 * was kept from cannot cut short the reads that say how it ended.
 */
export type GitRun = (cwd: string, args: string[]) => Promise<GitOutput>;

/** Paths with unresolved conflicts in a worktree (index stages 1–3). */
export async function unmergedPaths(cwd: string, run: GitRun = gitRaw): Promise<string[]> {
  const args = ['diff', '--name-only', '--diff-filter=U', '-z'];
  const r = await run(cwd, args);
  if (r.exitCode !== 0) throw new GitError(args, r);
  return [...new Set(r.stdout.split('\0').filter((s) => s.length > 0))];
}

/** The side of a merge in progress that has no version of a conflicted path: `ours` (HEAD), `theirs` (the branch merged), or `both`. */
export type DeletedSide = 'ours' | 'theirs' | 'both';

/**
 * The conflicted paths one side of the merge in progress deleted (modify/delete), and which side: read
 * from the index's stages, where such a path lacks stage 2 (ours) or 3 (theirs).
 */
export async function deletedSides(cwd: string, run: GitRun = gitRaw): Promise<Record<string, DeletedSide>> {
  const args = ['ls-files', '--unmerged', '-z'];
  const r = await run(cwd, args);
  if (r.exitCode !== 0) throw new GitError(args, r);
  return parseDeletedSides(r.stdout);
}

/** The deleted sides in `git ls-files --unmerged -z` output: `<mode> <object> <stage>\t<path>` entries (pure). */
export function parseDeletedSides(out: string): Record<string, DeletedSide> {
  const stages = new Map<string, Set<string>>();
  for (const entry of out.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const stage = entry.slice(0, tab).split(' ')[2] ?? '';
    const path = entry.slice(tab + 1);
    stages.set(path, (stages.get(path) ?? new Set()).add(stage));
  }
  // Own entries whatever the path is called (`__proto__` too): a file name comes from an agent's work.
  return Object.fromEntries(
    [...stages].flatMap(([path, held]): Array<[string, DeletedSide]> => {
      const ours = held.has('2');
      const theirs = held.has('3');
      if (ours && theirs) return [];
      return [[path, !ours && !theirs ? 'both' : ours ? 'theirs' : 'ours']];
    }),
  );
}

/** Tracked paths whose changes in the worktree are not staged (`git diff` against the index). */
export async function unstagedPaths(cwd: string): Promise<string[]> {
  const out = await git(cwd, ['diff', '--name-only', '-z']);
  return [...new Set(out.split('\0').filter((s) => s.length > 0))];
}

/** Whether a merge is in progress (MERGE_HEAD exists) in the worktree. */
export async function mergeInProgress(cwd: string, run: GitRun = gitRaw): Promise<boolean> {
  const r = await run(cwd, ['rev-parse', '-q', '--verify', 'MERGE_HEAD']);
  return r.exitCode === 0;
}

/**
 * Abandons the merge in progress, restoring the worktree to its last commit, shielded from the
 * terminal's Ctrl-C (`gitShielded`): stopped half-way, it would leave the worktree half-restored.
 */
export async function abortMerge(cwd: string): Promise<void> {
  const args = ['merge', '--abort'];
  const r = await gitShielded(cwd, args);
  if (r.exitCode !== 0 || r.signal) throw new GitError(args, r);
}

/** Stages the given paths (after a conflict was resolved by hand or by an agent). */
export async function stagePaths(cwd: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  await git(cwd, ['add', '--', ...paths]);
}

/** One entry of `git diff --name-status -z`: its status letter (`A`, `M`, `D`, `T`…) and path. */
export interface PathChange {
  status: string;
  path: string;
}

/** The entries of `git diff --name-status -z --no-renames` output (pure). */
export function parseNameStatus(out: string): PathChange[] {
  const parts = out.split('\0');
  const changes: PathChange[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const status = parts[i];
    const path = parts[i + 1];
    if (status && path) changes.push({ status: status.slice(0, 1), path });
  }
  return changes;
}

/** What is at a path of a checkout: nothing, a real folder, or anything else (a file, a symlink). */
type PathKind = 'absent' | 'dir' | 'other';

function kindAt(path: string): PathKind {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined) return 'absent';
  return st.isDirectory() ? 'dir' : 'other';
}

/** Every file and symlink below a folder (relative to `root`, `/`-separated), symlinks not followed. */
function filesBelow(root: string, dir: string): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...filesBelow(root, rel));
    else out.push(rel);
  }
  return out;
}

/**
 * What moving a clean checkout from one commit to another would overwrite that git does not track at
 * the first (untracked or ignored files), from the changes between them: a file at a path the result
 * adds, a file below a folder the result turns into a file, or a file where the result needs a folder.
 * A path the change deletes was tracked: git may replace it. Sorted.
 */
export function pathsInTheWay(checkout: string, changes: readonly PathChange[]): string[] {
  const deleted = new Set(changes.filter((c) => c.status === 'D').map((c) => c.path));
  const kinds = new Map<string, PathKind>();
  const kind = (rel: string): PathKind => {
    let k = kinds.get(rel);
    if (k === undefined) {
      k = kindAt(join(checkout, rel));
      kinds.set(rel, k);
    }
    return k;
  };
  const found = new Set<string>();
  for (const { status, path } of changes) {
    // A path present at the first commit (modified, type-changed) is tracked; the checkout is clean.
    if (status !== 'A') continue;
    const parts = path.split('/');
    let reached = true;
    for (let i = 1; i < parts.length && reached; i++) {
      const dir = parts.slice(0, i).join('/');
      const k = kind(dir);
      if (k === 'dir') continue;
      reached = false;
      if (k === 'other' && !deleted.has(dir)) found.add(dir);
    }
    if (!reached) continue;
    const k = kind(path);
    if (k === 'other') found.add(path);
    else if (k === 'dir') for (const f of filesBelow(checkout, path)) if (!deleted.has(f)) found.add(f);
  }
  return [...found].sort();
}

/**
 * Untracked or ignored files in a clean `checkout` that fast-forwarding it from `from` to `to` would
 * overwrite (`pathsInTheWay`): git refuses for untracked ones but replaces ignored ones silently.
 */
export async function untrackedInTheWay(checkout: string, from: string, to: string): Promise<string[]> {
  const out = await git(checkout, ['diff', '--name-status', '-z', '--no-renames', from, to]);
  return pathsInTheWay(checkout, parseNameStatus(out));
}

/**
 * Adds a worktree at `path` for a branch that already exists, a full checkout (a resumed feature whose
 * folder was removed, the integration's).
 */
export async function addWorktreeForBranch(cwd: string, path: string, branch: string): Promise<void> {
  await git(cwd, ['worktree', 'add', '--quiet', path, branch]);
  await makeFullCheckout(path);
}

/**
 * Every commit reachable from any of `tips` but not from `base` (nor from any of them, given several),
 * with its parents, in one `git rev-list --parents` call.
 */
export async function commitGraphSince(
  cwd: string,
  base: string | readonly string[],
  tips: readonly string[],
): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  if (tips.length === 0) return graph;
  const out = await git(cwd, ['rev-list', '--parents', ...tips, '--not', ...[base].flat()]);
  for (const line of out.split('\n')) {
    const [commit, ...parents] = line.split(' ');
    if (commit) graph.set(commit, parents);
  }
  return graph;
}

/** What a tip changed since its `from` commit (`diffNamesByTip`). */
export interface TipDiff {
  /** Files (and symlinks, submodules) that differ. */
  files: string[];
  /** Folders `from` has and the tip does not: every file in them was moved out or deleted. */
  folders_removed: string[];
}

/**
 * What differs between each tip and its `from` commit, for many tips in one
 * `git diff-tree --stdin` call. Tips must be distinct: each tip's section of the output starts
 * with the tip itself (`--always` prints it even for an empty diff), which is how they are told apart.
 */
export async function diffNamesByTip(
  cwd: string,
  items: ReadonlyArray<{ tip: string; from: string }>,
): Promise<Map<string, TipDiff>> {
  const result = new Map<string, TipDiff>();
  if (items.length === 0) return result;
  // A line `tip from` is read as a commit and its parent: the diff from `from` to the tip, with the
  // distinct tip heading each section. `-t` adds the folders (mode 040000) to the files.
  const input = items.map((i) => `${i.tip} ${i.from}\n`).join('');
  const out = await git(
    cwd,
    ['diff-tree', '--stdin', '--always', '-r', '-t', '--no-renames', '--raw', '-z'],
    input,
  );
  const tokens = out.split('\0');
  let k = -1;
  let current: TipDiff = { files: [], folders_removed: [] };
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]!;
    // `:<old mode> <new mode> <old id> <new id> <status>`, then the path.
    if (token.startsWith(':') && k >= 0) {
      const [oldMode, newMode, , , status] = token.slice(1).split(' ');
      const path = tokens[++t] ?? '';
      if (oldMode !== '040000' && newMode !== '040000') current.files.push(path);
      else if (status === 'D') current.folders_removed.push(path);
      continue;
    }
    const next = items[k + 1];
    if (next && token === next.tip) {
      k++;
      current = { files: [], folders_removed: [] };
      result.set(next.tip, current);
    }
  }
  if (result.size !== items.length)
    throw new Error(`git diff-tree answered for ${result.size} of ${items.length} tips`);
  return result;
}

/**
 * Non-merge commits on `tip` that neither `base` nor any other `baton/*` branch has: work someone
 * committed by hand on the integration branch, which must never be thrown away.
 */
export async function commitsOnlyOn(
  cwd: string,
  tip: string,
  base: string,
  branch: string,
): Promise<string[]> {
  const out = await git(cwd, [
    'rev-list',
    '--no-merges',
    tip,
    '--not',
    base,
    `--exclude=refs/heads/${branch}`,
    '--glob=refs/heads/baton/*',
  ]);
  return out.split('\n').filter((s) => s.length > 0);
}

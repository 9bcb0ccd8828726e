/**
 * What a worktree's submodules hold that `git worktree remove` would take with it. A submodule folder
 * the worktree never checked out is, to git, an empty gitlink: files written in it show nowhere and
 * are deleted without a word. A submodule checked out in the worktree keeps its own repository under
 * the worktree's admin folder (`.git/worktrees/<id>/modules/<name>`): a commit made there, which the
 * branch may point to, exists nowhere else until it is pushed to the submodule's remote (one of the
 * copy's remote-tracking refs contains it) or fetched into the main checkout's submodule. `baton clean` counts the first as uncommitted work, refuses (even with `--force`) to lose
 * the second, and removes a checked-out submodule proven to hold nothing unique before asking git to
 * remove the worktree (git refuses any worktree with a submodule in it). A gitlink's path comes from the
 * worktree's index, which the agent controls: a folder reached through a symlink, or whose repository is
 * not the worktree's own copy under its admin `modules` folder, is not a submodule Baton made, and clean
 * refuses to touch it at all (`foreign`).
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { printableArg } from '../agents/shell-words.js';
import { gitRaw, missingCommits } from '../git/git.js';
import { logArgs } from '../git/log-args.js';
import { plainRelative, registeredSubmodules } from '../git/submodule-checkout.js';
import { isInside } from '../path-inside.js';
import { someOf } from '../text/some-of.js';

/** A submodule commit that only the worktree's own copy of the submodule holds (`keptOnlyIn`). */
export interface UniqueSubmoduleCommit {
  /** The submodule's path in the worktree. */
  path: string;
  commit: string;
  /** The main checkout's repository of that submodule, when it has one. */
  mainStore?: string;
}

/** A submodule checked out in the worktree, proven to hold nothing the main checkout's lacks. */
export interface CheckedOutSubmodule {
  path: string;
  /** Its repository, inside the worktree's admin folder. */
  gitDir: string;
}

/** What a worktree's submodules hold, for `baton clean`. */
export interface SubmoduleFacts {
  /** Files (worktree-relative) in a submodule folder the worktree never checked out: git tracks none of them. */
  stranded: string[];
  /** Checked-out submodules with uncommitted changes of their own. */
  dirty: string[];
  /** Commits the branch, the worktree's gitlink or a checked-out submodule points to that only the worktree's copy holds. */
  unique: UniqueSubmoduleCommit[];
  /** Checked-out submodules that hold nothing unique: removed before the worktree is. */
  checkedOut: CheckedOutSubmodule[];
  /**
   * Gitlink paths clean will not touch, not even with `--force`: reached through a symlink (or leading
   * out of the worktree), or holding a repository other than the worktree's own copy of a submodule.
   */
  foreign: string[];
}

const GITLINK = '160000';

/**
 * The worktree's submodule facts, or undefined when it has none to look at: neither the worktree nor
 * the main checkout has a `.gitmodules` (no git process is spent then). `tip` is the branch's tip and
 * `base` the commit it is judged against: the gitlinks its own commits set are the ones checked.
 */
export async function inspectSubmodules(
  root: string,
  worktree: string,
  o: { tip: string | undefined; base: string | undefined },
): Promise<SubmoduleFacts | undefined> {
  if (!existsSync(join(worktree, '.gitmodules')) && !existsSync(join(root, '.gitmodules'))) return undefined;
  const links = await gitlinks(worktree);
  if (links.length === 0) return undefined;
  const facts: SubmoduleFacts = { stranded: [], dirty: [], unique: [], checkedOut: [], foreign: [] };
  const set = o.tip === undefined ? new Map<string, Set<string>>() : await gitlinksSet(root, o.tip, o.base);
  const modules = await modulesFolder(worktree);
  const names = new Map((await registeredSubmodules(worktree)).map((s) => [s.path, s.name]));
  for (const link of links) {
    const folder = join(worktree, link.path);
    if (!staysInWorktree(worktree, link.path)) {
      facts.foreign.push(link.path);
      continue;
    }
    if (!isCheckedOut(folder)) {
      facts.stranded.push(...filesIn(folder, link.path));
      continue;
    }
    const sub = await checkedOutFacts(folder);
    if (sub === undefined) {
      // git cannot read it: nothing in it can be vouched for.
      facts.dirty.push(link.path);
      continue;
    }
    if (modules === undefined || !inRealFolder(modules, sub.gitDir)) {
      facts.foreign.push(link.path);
      continue;
    }
    if (sub.dirty) facts.dirty.push(link.path);
    const wanted = new Set(set.get(link.path) ?? []);
    if (sub.head !== link.commit) wanted.add(sub.head);
    const store = await mainStore(root, link.path, names.get(link.path) ?? link.path);
    if (store !== undefined && samePath(store, sub.gitDir)) continue;
    // The commit the worktree's gitlink records, whoever set it, when this copy holds it: once the branch
    // is merged its own commits set nothing (`tip ^base` is empty), yet the base now points to that commit.
    if (store !== undefined && (await missingFrom(sub.gitDir, [link.commit])).length === 0)
      wanted.add(link.commit);
    const missing = await keptOnlyIn(folder, store, [...wanted]);
    for (const commit of missing)
      facts.unique.push({ path: link.path, commit, ...(store !== undefined ? { mainStore: store } : {}) });
    if (missing.length === 0) facts.checkedOut.push({ path: link.path, gitDir: sub.gitDir });
  }
  return facts;
}

/** The gitlinks in the worktree's index: each submodule's path and the commit it records. */
async function gitlinks(worktree: string): Promise<Array<{ path: string; commit: string }>> {
  const r = await gitRaw(worktree, ['ls-files', '--stage', '-z']);
  if (r.exitCode !== 0) return [];
  const out: Array<{ path: string; commit: string }> = [];
  for (const e of r.stdout.split('\0')) {
    // `<mode> <object> <stage>\t<path>`
    const m = /^(\d+) ([0-9a-f]+) \d\t(.*)$/s.exec(e);
    if (m?.[1] === GITLINK && m[2] && m[3]) out.push({ path: m[3], commit: m[2] });
  }
  return out;
}

/** The commits each submodule path is set to by the commits on `tip` that `base` lacks (all of `tip`'s without a base). */
async function gitlinksSet(
  root: string,
  tip: string,
  base: string | undefined,
): Promise<Map<string, Set<string>>> {
  const range = base === undefined ? [tip] : [tip, `^${base}`];
  const r = await gitRaw(root, logArgs('--format=', '--raw', '--no-abbrev', '-z', ...range, '--'));
  const set = new Map<string, Set<string>>();
  const parts = r.exitCode === 0 ? r.stdout.split('\0') : [];
  for (let i = 0; i < parts.length; i++) {
    // `:<old mode> <new mode> <old> <new> <status>` then the path.
    const meta = /^\n?:\d+ (\d+) [0-9a-f]+ ([0-9a-f]+) [A-Z]/.exec(parts[i] ?? '');
    if (!meta) continue;
    const path = parts[++i];
    if (meta[1] !== GITLINK || path === undefined || /^0+$/.test(meta[2] ?? '')) continue;
    const commits = set.get(path) ?? new Set<string>();
    commits.add(meta[2] as string);
    set.set(path, commits);
  }
  return set;
}

/**
 * The gitlinks the commit `tip` records whose commit the main checkout's copy of that submodule lacks,
 * named by path and that copy; a submodule the main checkout keeps no copy of is not judged.
 */
export async function gitlinksMainLacks(root: string, tip: string): Promise<UniqueSubmoduleCommit[]> {
  if ((await gitRaw(root, ['cat-file', '-e', `${tip}:.gitmodules`])).exitCode !== 0) return [];
  const r = await gitRaw(root, ['ls-tree', '-r', '-z', '--full-tree', tip]);
  if (r.exitCode !== 0) return [];
  const names = new Map((await registeredSubmodules(root)).map((s) => [s.path, s.name]));
  const out: UniqueSubmoduleCommit[] = [];
  for (const e of r.stdout.split('\0')) {
    // `<mode> <type> <object>\t<path>`
    const m = /^(\d+) \w+ ([0-9a-f]+)\t(.*)$/s.exec(e);
    if (m?.[1] !== GITLINK || !m[2] || !m[3]) continue;
    const store = await mainStore(root, m[3], names.get(m[3]) ?? m[3]);
    if (store !== undefined && (await missingFrom(store, [m[2]])).length > 0)
      out.push({ path: m[3], commit: m[2], mainStore: store });
  }
  return out;
}

/** The worktree's admin `modules` folder (`.git/worktrees/<id>/modules`), where its submodules keep their repositories. */
async function modulesFolder(worktree: string): Promise<string | undefined> {
  const r = await gitRaw(worktree, ['rev-parse', '--absolute-git-dir']);
  const gitDir = r.stdout.trim();
  return r.exitCode === 0 && gitDir !== '' ? join(gitDir, 'modules') : undefined;
}

/**
 * Whether the worktree-relative `path` names a real folder of the worktree: no part of it below the
 * worktree is a symlink (nor `..`), and its real path lies inside the worktree's. A missing part is
 * fine (nothing there to reach outside through).
 */
function staysInWorktree(worktree: string, path: string): boolean {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return false;
  let at = worktree;
  for (const part of parts) {
    at = join(at, part);
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (st === undefined) return true;
    if (st.isSymbolicLink()) return false;
  }
  return inRealFolder(worktree, at);
}

/** Whether `path` lies inside `folder`, both judged on their real paths; false when either cannot be resolved. */
function inRealFolder(folder: string, path: string): boolean {
  try {
    return isInside(realpathSync(folder), realpathSync(path));
  } catch {
    return false;
  }
}

/** Whether a submodule folder holds a checkout (its `.git`). */
function isCheckedOut(folder: string): boolean {
  return lstatSync(join(folder, '.git'), { throwIfNoEntry: false }) !== undefined;
}

/** The files in a submodule folder that was never checked out, relative to the worktree (`lib/README`). */
function filesIn(folder: string, rel: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, at: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const st = lstatSync(join(dir, name), { throwIfNoEntry: false });
      if (st?.isDirectory()) visit(join(dir, name), `${at}/${name}`);
      else out.push(`${at}/${name}`);
    }
  };
  visit(folder, rel);
  return out;
}

/** A checked-out submodule's repository, its HEAD and whether it has uncommitted changes; undefined when git cannot read it. */
async function checkedOutFacts(
  folder: string,
): Promise<{ gitDir: string; head: string; dirty: boolean } | undefined> {
  const dir = await gitRaw(folder, ['rev-parse', '--absolute-git-dir', 'HEAD']);
  const [gitDir, head] = dir.stdout.trim().split('\n');
  if (dir.exitCode !== 0 || !gitDir || !head) return undefined;
  const status = await gitRaw(folder, ['status', '--porcelain', '-z', '--untracked-files=all']);
  if (status.exitCode !== 0) return undefined;
  return { gitDir, head, dirty: status.stdout !== '' };
}

/**
 * The main checkout's repository of the submodule at `path`: that of its checkout there, else the
 * store git keeps under the repository's `modules` folder by the submodule's `name` (its path unless
 * the worktree's `.gitmodules` names it otherwise); undefined when there is none.
 */
async function mainStore(root: string, path: string, name: string): Promise<string | undefined> {
  const folder = join(root, path);
  if (isCheckedOut(folder)) {
    const r = await gitRaw(folder, ['rev-parse', '--absolute-git-dir']);
    if (r.exitCode === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  // A name git would refuse (`..` in it) leaves no store to vouch for the commits: they count as unique.
  if (!plainRelative(name)) return undefined;
  const kept = join(root, '.git', 'modules', name);
  return existsSync(join(kept, 'HEAD')) ? kept : undefined;
}

/**
 * The commits of `commits` that only the checked-out submodule `folder` (a worktree's copy) keeps:
 * the main checkout's copy `store` lacks them (every one, without a store), and none of `folder`'s
 * remote-tracking refs contains them. A commit the agent pushed to the submodule's remote is kept
 * there, and `git submodule update` fetches it. No network: only what the copy last heard of its remotes.
 */
export async function keptOnlyIn(
  folder: string,
  store: string | undefined,
  commits: readonly string[],
): Promise<string[]> {
  const lacking = store === undefined ? [...commits] : await missingFrom(store, commits);
  const out: string[] = [];
  for (const commit of lacking) {
    const r = await gitRaw(folder, [
      'for-each-ref',
      '--count=1',
      '--format=%(refname)',
      '--contains',
      commit,
      'refs/remotes',
    ]);
    if (r.exitCode !== 0 || r.stdout.trim() === '') out.push(commit);
  }
  return out;
}

/** The commits of `commits` that the repository `store` does not have. */
function missingFrom(store: string, commits: readonly string[]): Promise<string[]> {
  return missingCommits(store, commits, store);
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Words for files in submodule folders never checked out. */
export function describeStranded(paths: readonly string[]): string {
  return `files in a submodule folder this worktree never checked out, which git does not track: ${someOf(paths, 3)}`;
}

/** Words for submodules with uncommitted changes. */
export function describeDirtySubmodules(paths: readonly string[]): string {
  return `uncommitted changes inside submodule ${someOf(paths, 3)}`;
}

/** Words for gitlinks clean will not touch (`SubmoduleFacts.foreign`), and what to do instead. */
export function describeForeignSubmodules(worktree: string, paths: readonly string[]): string {
  return `submodule paths reached through a symlink, or holding a repository that is not this worktree's own copy of a submodule, which clean does not touch: ${someOf(paths, 3)}; see what they hold, keep what you need, then remove the worktree yourself (git worktree remove --force ${printableArg(worktree)})`;
}

/** Why the worktree's submodules forbid its removal, not even with `--force`, or undefined when they do not. */
export function submodulesProtect(worktree: string, facts: SubmoduleFacts): string | undefined {
  // No submodule Baton made, and what it reaches may lie outside the worktree.
  if (facts.foreign.length > 0) return describeForeignSubmodules(worktree, facts.foreign);
  // The backup ref of the branch's tip could not bring these commits back.
  if (facts.unique.length > 0) return describeUniqueCommits(worktree, facts.unique);
  return undefined;
}

/**
 * Words for commits only the worktree's copy of a submodule holds, and how to keep each: push it into
 * the main checkout's submodule (or to the submodule's own remote), then clean again.
 */
export function describeUniqueCommits(worktree: string, unique: readonly UniqueSubmoduleCommit[]): string {
  const first = unique[0];
  if (first === undefined) return '';
  const list = someOf(
    unique.map((u) => `${u.commit.slice(0, 12)} in ${u.path}`),
    3,
  );
  const into = first.mainStore ?? `the submodule's remote`;
  const keep = `git -C ${printableArg(join(worktree, first.path))} push ${printableArg(first.mainStore ?? 'origin')} ${first.commit}:refs/heads/<a branch>`;
  return `submodule commits exist only in this worktree's copy of the submodule (not in ${into}), and removing the worktree would lose them: ${list}; keep each first (${keep}), then clean again`;
}

/**
 * Removes the worktree's checked-out submodules proven to hold nothing unique (`inspectSubmodules`):
 * each one's files, leaving its folder empty as a submodule not checked out, and its repository when
 * it lies in the worktree's admin folder `gitDir`; then that folder's `modules` if nothing is left in
 * it, so `git worktree remove` (which refuses a worktree with a submodule) can go on.
 */
export function dropCheckedOutSubmodules(
  worktree: string,
  gitDir: string,
  subs: readonly CheckedOutSubmodule[],
): void {
  const modules = join(gitDir, 'modules');
  for (const s of subs) {
    // Checked again right before deleting: the folder may have changed since it was inspected.
    if (!staysInWorktree(worktree, s.path) || !inRealFolder(modules, s.gitDir)) continue;
    const folder = join(worktree, s.path);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    rmSync(s.gitDir, { recursive: true, force: true });
  }
  removeEmptyFolders(modules);
}

/** Removes `dir` and the folders below it that hold nothing but empty folders. */
function removeEmptyFolders(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const child = join(dir, name);
    if (lstatSync(child, { throwIfNoEntry: false })?.isDirectory()) removeEmptyFolders(child);
  }
  try {
    rmdirSync(dir);
  } catch {
    // not empty: a store clean could not account for; git then refuses, and says so
  }
}

/** A hint for git's refusal to remove a worktree with a submodule in it, else undefined. */
export function submoduleRefusalHint(said: string, gitDir: string | undefined): string | undefined {
  if (!said.includes('containing submodules')) return undefined;
  const where = gitDir === undefined ? 'the worktree' : join(gitDir, 'modules');
  return `a submodule repository clean could not account for is left in ${where}: see what it holds, keep what you need, then git worktree remove --force on the worktree`;
}

/**
 * What a feature's branch must never carry, found in what the runner just committed: Baton's own
 * state (`.baton/`, which a merge would lay over the user's log) and a nested git repository that
 * `git add --all` took as a gitlink (a pointer to a commit no one else has, not its files).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GitDeadlineError } from '../git/deadline.js';
import { gitRaw } from '../git/git.js';
import { type Committed, gitSequence, type SequenceLimits, throwOnFailure } from '../git/sequence.js';
import type { StatusEntry } from '../git/status.js';
import { isStatePath } from '../log/paths.js';
import { someOf } from '../text/some-of.js';

/** What the branch holds that cannot be merged: paths under `.baton/`, and nested repositories. */
export interface Unmergeable {
  state: string[];
  nested: string[];
}

/** Paths named in a reason at most, before "and N more". */
const MAX_NAMED = 5;

/** Why the branch cannot be a feature's work, in words (pure); undefined when nothing is in the way. */
export function unmergeableReason(u: Unmergeable): string | undefined {
  const reasons: string[] = [];
  const [first] = u.nested;
  if (u.nested.length === 1 && first !== undefined) {
    reasons.push(
      `${first} is a nested git repository (it has its own .git): git would commit only a pointer to its HEAD (a gitlink, with no .gitmodules entry), not its files; remove ${first}/.git to make its files part of the feature, or register it with git submodule add`,
    );
  } else if (u.nested.length > 1) {
    reasons.push(
      `${someOf(u.nested, MAX_NAMED)} are nested git repositories (each has its own .git): git would commit only a pointer to each one's HEAD (a gitlink, with no .gitmodules entry), not their files; remove their .git folders to make the files part of the feature, or register them with git submodule add`,
    );
  }
  if (u.state.length > 0) {
    reasons.push(
      `the feature adds Baton's own state (${someOf(u.state, MAX_NAMED)}), which must never be committed: merged, it would replace the project's; leave .baton/ out of the work (git rm -r --cached .baton, if a commit of the agent's holds it)`,
    );
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/**
 * The nested git repositories among the worktree's untracked paths (pure but for looking for their
 * `.git`): `git status` names each as a folder (`inner/`) and does not look inside. Named without the slash.
 */
export function untrackedNestedRepos(worktree: string, entries: readonly StatusEntry[]): string[] {
  return entries
    .filter((e) => e.code === '??' && e.path.endsWith('/') && existsSync(join(worktree, e.path, '.git')))
    .map((e) => e.path.slice(0, -1));
}

/**
 * Why `git add --all` failed on the agent's work when the worktree holds nested repositories (pure):
 * git adds one only as a gitlink to the commit it has checked out, and refuses one with none.
 */
export function nestedAddReason(nested: readonly string[]): string {
  const named = someOf(nested, MAX_NAMED);
  return `git could not add the agent's work: ${named} ${nested.length === 1 ? 'is a nested git repository (it has its own .git)' : 'are nested git repositories (each has its own .git)'}, and git takes one only as a pointer to the commit it has checked out (a gitlink, not its files), refusing one with no commit yet; remove ${nested.length === 1 ? `${nested[0]}/.git` : 'their .git folders'} to make the files part of the feature, or commit in it and register it with git submodule add`;
}

/**
 * Why Baton's `git add --all` in `worktree` failed (`err`), in words (`nestedAddReason`) when the
 * worktree's untracked paths (`entries`, its `git status`) hold a nested repository; `err` thrown again
 * otherwise. The local runner's settle and a queue worker's say it alike.
 */
export function addFailureReason(worktree: string, entries: readonly StatusEntry[], err: unknown): string {
  const nested = untrackedNestedRepos(worktree, entries);
  if (nested.length === 0) throw err;
  return nestedAddReason(nested);
}

/** The paths the repository's `.gitmodules` at `rev` registers as submodules (none when it has none). */
async function submodulePaths(worktree: string, rev: string): Promise<Set<string>> {
  const r = await gitRaw(worktree, [
    'config',
    '--blob',
    `${rev}:.gitmodules`,
    '--get-regexp',
    '^submodule\\..*\\.path$',
  ]);
  const paths = new Set<string>();
  if (r.exitCode !== 0) return paths;
  for (const line of r.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) paths.add(line.slice(space + 1));
  }
  return paths;
}

/**
 * What of the branch's changes since its fork point cannot be merged; asks git only when the commit
 * holds a gitlink (whether `.gitmodules` registers it), so the common case costs no process. `rev` is
 * the commit the changes end at (HEAD of `worktree` by default; any commit of the repository at `worktree`).
 */
export async function findUnmergeable(
  worktree: string,
  done: Pick<Committed, 'files' | 'gitlinks'>,
  rev = 'HEAD',
): Promise<Unmergeable> {
  const state = done.files.filter(isStatePath);
  if (done.gitlinks.length === 0) return { state, nested: [] };
  const registered = await submodulePaths(worktree, rev);
  return { state, nested: done.gitlinks.filter((p) => !registered.has(p)) };
}

/**
 * Takes back the commit Baton just made (`git reset` to its parent: the branch and index move, the
 * files stay as the agent left them), so a branch refused for what it holds does not keep it. The
 * unstaging reads the work tree's `.gitattributes`, which a FIFO the agent left blocks for ever: under
 * `limits`' deadline it is stopped (a `GitDeadlineError`, thrown), and the branch, moved first by a soft
 * reset that reads no file of the work tree, is back all the same; the index is then set to the parent's
 * tree by `git read-tree`, which reads no file of the work tree either (git removed its `index.lock` on
 * the deadline's SIGTERM), so the agent's work is left unstaged in the worktree, as a reset leaves it.
 */
export async function takeBackCommit(
  worktree: string,
  commit: string,
  limits: SequenceLimits = {},
): Promise<void> {
  const steps = [
    // Refused in the middle of a merge: the mixed reset then moves the branch itself, as it always did.
    { args: ['reset', '--quiet', '--soft', `${commit}~1`], mayFail: true },
    { args: ['reset', '--quiet', `${commit}~1`] },
  ];
  const out = await gitSequence(worktree, steps, limits).catch(async (e: unknown) => {
    if (!(e instanceof GitDeadlineError)) throw e;
    // Under the deadline too; the take-back is said stopped whether or not this unstaged the work.
    await gitSequence(worktree, [{ args: ['read-tree', `${commit}~1`], mayFail: true }], limits).catch(
      () => {},
    );
    throw e;
  });
  throwOnFailure(steps, out);
}

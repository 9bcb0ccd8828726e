/**
 * A Baton worktree whose branch was deleted by hand (`git branch -D`, `git update-ref -d`): it is left
 * on an unborn `baton/<id>`, where every file shows as uncommitted and git itself reads no reflog. The
 * commit it was at is found in the worktree's own HEAD reflog, read as a file, and proven a commit.
 */
import { gitRaw, resolveCommit } from '../git/git.js';
import { isObjectId } from '../git/refs.js';
import { reflogTail } from '../guard/reflog.js';

/** What is known of a target whose worktree is on its branch, which no longer exists. */
export interface BranchGone {
  /** The last commit the worktree's HEAD reflog records, proven a commit of this repository. */
  commit?: string;
  /** Of that commit's history, how many commits are merged into none of the merge targets. */
  unmerged: number;
}

const NO_COMMIT = /^0+$/;

/**
 * The last commit the worktree's HEAD was at, from its reflog (`<its git dir>/logs/HEAD`), once
 * `git` proves it is a commit here; undefined when the reflog names none.
 */
export async function lastReflogCommit(root: string, worktree: string): Promise<string | undefined> {
  const last = (await reflogObjects(worktree)).at(-1);
  if (last === undefined) return undefined;
  return (await resolveCommit(root, last)) === last ? last : undefined;
}

/** The object ids a worktree's HEAD reflog moved to, oldest first (not yet proven commits). */
async function reflogObjects(worktree: string): Promise<string[]> {
  const dir = await gitRaw(worktree, ['rev-parse', '--absolute-git-dir']);
  if (dir.exitCode !== 0) return [];
  return reflogTail(dir.stdout.trim(), 'HEAD')
    .map((e) => e.new)
    .filter((sha) => isObjectId(sha) && !NO_COMMIT.test(sha));
}

/**
 * Words for a target whose branch is gone: what happened, and the `git branch` that restores it; for a
 * worktree on a detached HEAD (`detached`), the commits only its reflog still holds.
 */
export function describeBranchGone(branch: string, gone: BranchGone, detached = false): string {
  if (detached && gone.commit !== undefined)
    return `its branch ${branch} no longer exists (deleted by hand?), and its worktree's reflog holds ${gone.unmerged} commit(s) that neither its detached HEAD nor any merge target has, last at ${gone.commit} (git branch ${branch} ${gone.commit} restores them)`;
  const what = `its branch ${branch} no longer exists (deleted by hand?): its worktree is on an unborn branch, where every file shows as uncommitted`;
  if (gone.commit === undefined) return `${what}, and its reflog names no commit of it`;
  return `${what}; its worktree's reflog last had ${gone.commit} (git branch ${branch} ${gone.commit} restores it)`;
}

/**
 * For a worktree on a detached HEAD whose branch was deleted by hand: of the commits its HEAD reflog
 * names (the branch's tip before the detach among them), the one holding the most commits reachable
 * from none of `against` (its HEAD, the merge targets), and how many. Removing the worktree removes
 * that reflog, and with it the last reference to them. Undefined when every one is held elsewhere.
 */
export async function reflogWorkBeyond(
  root: string,
  worktree: string,
  against: readonly string[],
): Promise<BranchGone | undefined> {
  const shas = [...new Set(await reflogObjects(worktree))].slice(-20);
  let most: BranchGone | undefined;
  for (const sha of shas) {
    // One that is no commit here fails the count, and counts nothing.
    const out = await gitRaw(root, ['rev-list', '--count', sha, ...against.map((a) => `^${a}`), '--']);
    const unmerged = out.exitCode === 0 ? Number(out.stdout) || 0 : 0;
    if (unmerged > (most?.unmerged ?? 0)) most = { commit: sha, unmerged };
  }
  return most;
}

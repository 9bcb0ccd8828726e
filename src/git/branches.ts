import {
  BRANCH_IN_PROGRESS,
  type BranchInProgress,
  branchesInProgress,
  refuseInProgress,
} from './branch-in-progress.js';
import { GitError, git, gitRaw, gitShielded, resolveCommit } from './git.js';
import { isBatonBranch } from './refs.js';

/** The names of every local branch (`refs/heads/*` without the prefix), from one git process. */
export async function localBranches(cwd: string): Promise<Set<string>> {
  const out = await git(cwd, ['for-each-ref', '--format=%(refname)', 'refs/heads/']);
  return new Set(
    out
      .split('\n')
      .filter((l) => l.startsWith('refs/heads/'))
      .map((l) => l.slice('refs/heads/'.length)),
  );
}

/** Every local branch (`refs/heads/*` without the prefix) and the commit it is at, from one git process. */
export async function localBranchTips(cwd: string): Promise<Map<string, string>> {
  const out = await git(cwd, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/']);
  const tips = new Map<string, string>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    const ref = line.slice(space + 1);
    if (space > 0 && ref.startsWith('refs/heads/'))
      tips.set(ref.slice('refs/heads/'.length), line.slice(0, space));
  }
  return tips;
}

/** Which of `branches` exist as local branches: one git process, however many are asked about. */
export async function existingBranches(cwd: string, branches: readonly string[]): Promise<Set<string>> {
  const all = await localBranches(cwd);
  return new Set(branches.filter((b) => all.has(b)));
}

/**
 * Moves a local branch to `to` only while it is still at `from` (undefined: only while it does not
 * exist), in one `update-ref <ref> <new> <old>`: false, the branch left as it is, when another process
 * moved it since it was read, so that move is never overwritten. A branch a rebase or bisect holds is
 * refused with a UserError (`refuseInProgress`): moving it would leave that operation unable to end;
 * `inProgress` is the scan a caller that checked the branch itself just made (`fastForwardBranch`),
 * else the worktrees' admin folders are read here. The reflog says why. The one way
 * Baton moves a branch it did not just create; `env` runs git in a proven worktree's own git folder
 * (`GIT_DIR`, `GIT_WORK_TREE`), never through a path swapped since.
 */
export async function moveBranch(
  cwd: string,
  o: {
    branch: string;
    to: string;
    from: string | undefined;
    why: string;
    env?: Readonly<Record<string, string>>;
    inProgress?: readonly BranchInProgress[];
  },
): Promise<boolean> {
  refuseInProgress(o.inProgress ?? (await branchesInProgress(cwd)), o.branch, {
    code: BRANCH_IN_PROGRESS,
    action: 'move',
    after: 'run the Baton command again',
  });
  const ref = `refs/heads/${o.branch}`;
  const args = ['update-ref', '-m', o.why, ref, o.to, o.from ?? ''];
  // Out of the terminal's Ctrl-C: a move begun is finished, so what the caller says of it is true.
  const r = await gitShielded(cwd, args, o.env);
  if (r.exitCode === 0) return true;
  if ((await resolveCommit(cwd, ref, o.env)) !== o.from) return false;
  throw new GitError(args, r);
}

/**
 * Keeps `commit` under the backup ref `ref` (a tip a pick, a clean or a restart drops), creating it
 * only where none is (`update-ref <ref> <commit> ''`): true when this call created it, false when it
 * was there at `commit` already (backup refs are named by the tip they hold). Throws a GitError
 * otherwise. The one way Baton writes a backup of a dropped tip.
 */
export async function keepTipRef(
  cwd: string,
  o: { ref: string; commit: string; why: string; env?: Readonly<Record<string, string>> },
): Promise<boolean> {
  const args = ['update-ref', '-m', o.why, o.ref, o.commit, ''];
  const r = await gitRaw(cwd, args, undefined, o.env);
  if (r.exitCode === 0) return true;
  if ((await resolveCommit(cwd, o.ref, o.env)) === o.commit) return false;
  throw new GitError(args, r);
}

/** Lines added plus lines deleted from `from` to `to` (binary files count as none). */
export async function linesChanged(cwd: string, from: string, to: string): Promise<number> {
  const out = await git(cwd, ['diff', '--numstat', '--no-renames', `${from}..${to}`]);
  let total = 0;
  for (const line of out.split('\n')) {
    const [added, deleted] = line.split('\t');
    total += (Number(added) || 0) + (Number(deleted) || 0);
  }
  return total;
}

/** The commits reachable from `tip` and from none of `others` (newest first): what moving a branch off `tip` would leave. */
export async function commitsNotIn(cwd: string, tip: string, others: readonly string[]): Promise<string[]> {
  const out = await git(cwd, ['rev-list', tip, ...others.map((o) => `^${o}`)]);
  return out.split('\n').filter(Boolean);
}

/** The refs under `namespaces` (`refs/heads/`, `refs/tags/`…) that hold `commit`, Baton's own branches left out: full names. */
export async function refsHoldingOutsideBaton(
  root: string,
  commit: string,
  namespaces: readonly string[],
): Promise<string[]> {
  const out = await git(root, ['for-each-ref', '--contains', commit, '--format=%(refname)', ...namespaces]);
  return out
    .split('\n')
    .filter(
      (r) => r !== '' && !(r.startsWith('refs/heads/') && isBatonBranch(r.slice('refs/heads/'.length))),
    );
}

/** The local branches, Baton's own left out, that hold `commit`. */
export async function userBranchesHolding(root: string, commit: string): Promise<string[]> {
  return (await refsHoldingOutsideBaton(root, commit, ['refs/heads/'])).map((r) =>
    r.slice('refs/heads/'.length),
  );
}

/** The git steps of preparing a feature branch for a run: reuse, fork point, dependency merges. */
import { commitIdentityArgs } from './commit-identity.js';
import { git, gitRaw, mergeBase } from './git.js';
import { noFfMergeArgs } from './merge.js';
import { branchRevision, featureBranch } from './refs.js';

/**
 * Where a reused branch forked from the run's base: their merge base (the base an earlier run cut it
 * from, when the base has moved on since), or undefined when they share no history.
 */
export async function forkPointOf(
  cwd: string,
  baseCommit: string,
  branch: string,
): Promise<string | undefined> {
  return mergeBase(cwd, baseCommit, branchRevision(branch));
}

/**
 * Merges the dependencies' feature branches into the branch checked out in `worktree`, one merge
 * commit each, under the same identity as integration merges and with the repository's hooks off.
 * Returns the new HEAD, or the dependency that could not be merged with git's last words (the
 * merge is aborted, leaving the branch as it was before that merge).
 */
export async function mergeDependencies(
  worktree: string,
  featureId: string,
  deps: readonly string[],
): Promise<{ ok: true; head: string } | { ok: false; dependency: string; output: string }> {
  const identity = await commitIdentityArgs(worktree);
  for (const dep of deps) {
    const branch = featureBranch(dep);
    const r = await gitRaw(
      worktree,
      noFfMergeArgs(identity, branchRevision(branch), `Merge ${branch} (dependency of ${featureId})`),
    );
    if (r.exitCode !== 0) {
      await gitRaw(worktree, ['merge', '--abort']);
      return { ok: false, dependency: dep, output: `${r.stdout}${r.stderr}` };
    }
  }
  return { ok: true, head: await git(worktree, ['rev-parse', 'HEAD']) };
}

/** The dependencies whose branch tip `branch` does not contain: their code is not (all) merged in. */
export async function dependenciesMissingFrom(
  cwd: string,
  branch: string,
  deps: readonly string[],
): Promise<string[]> {
  const missing: string[] = [];
  for (const dep of deps) {
    const tip = `refs/heads/${featureBranch(dep)}`;
    const r = await gitRaw(cwd, ['merge-base', '--is-ancestor', tip, `refs/heads/${branch}`]);
    if (r.exitCode !== 0) missing.push(dep);
  }
  return missing;
}

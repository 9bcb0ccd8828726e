/**
 * The merges integration makes in its worktree, and the commit of a resolved one, with git rerere on:
 * every conflict resolution committed there is recorded (in the repository's common git folder, so
 * every worktree shares it), and the same conflict met again (after `--fresh`) is resolved by it and
 * staged, so nobody resolves one conflict twice.
 */
import { commitIdentityArgs } from './commit-identity.js';
import { GitError, git, gitRaw } from './git.js';
import { mergeInProgress, mergeTree, noFfMergeArgs, unmergedPaths } from './merge.js';
import { untrackedBlocking } from './refusal.js';

/**
 * The configuration of integration's merges and resolution commits: rerere records each resolution
 * when it is committed and replays it, staged (`autoUpdate`), on the same conflict. Given on the
 * command line, so it holds whatever the user's config says and changes none of it.
 */
export const RERERE_CONFIG = ['-c', 'rerere.enabled=true', '-c', 'rerere.autoUpdate=true'] as const;

/** How a `git merge --no-ff` in a worktree ended. */
export type MergeOutcome =
  | { kind: 'merged'; commit: string }
  | { kind: 'up-to-date'; commit: string }
  /** Left in progress; `reused`: paths that conflicted too and that rerere resolved and staged. */
  | { kind: 'conflict'; files: string[]; reused: string[] }
  /**
   * Every path that conflicted was resolved by a recorded resolution (git rerere) and staged; the
   * merge is still in progress, for the caller to check and commit.
   */
  | { kind: 'reused'; files: string[] }
  /** git refused before changing anything: untracked files stand where the merge puts its own. */
  | { kind: 'blocked'; paths: string[] };

/** The paths that conflict in the merge in progress (HEAD with MERGE_HEAD, merged again in memory). */
async function conflictedInMerge(cwd: string): Promise<string[]> {
  return (await mergeTree(cwd, 'HEAD', 'MERGE_HEAD')).conflicts;
}

/** The conflicted paths rerere keeps track of in the merge in progress (`git rerere status`). */
async function rerereTracked(cwd: string): Promise<string[]> {
  const out = await git(cwd, [...RERERE_CONFIG, 'rerere', 'status']);
  return out.split('\n').filter((p) => p !== '');
}

/**
 * Merges `ref` into the branch checked out in `cwd` with a merge commit (`--no-ff`), skipping the
 * repository's merge hooks, rerere on (`RERERE_CONFIG`). A conflict leaves the merge in progress;
 * one rerere resolved entirely is `reused`; any other failure throws.
 */
export async function mergeNoFf(cwd: string, ref: string, message: string): Promise<MergeOutcome> {
  const before = await git(cwd, ['rev-parse', 'HEAD']);
  const args = [...RERERE_CONFIG, ...noFfMergeArgs(await commitIdentityArgs(cwd), ref, message)];
  const r = await gitRaw(cwd, args);
  if (r.exitCode === 0) {
    const after = await git(cwd, ['rev-parse', 'HEAD']);
    return after === before ? { kind: 'up-to-date', commit: after } : { kind: 'merged', commit: after };
  }
  if (await mergeInProgress(cwd)) {
    const files = await unmergedPaths(cwd);
    if (files.length > 0) {
      const left = new Set(files);
      return { kind: 'conflict', files, reused: (await rerereTracked(cwd)).filter((f) => !left.has(f)) };
    }
    const conflicted = await conflictedInMerge(cwd);
    if (conflicted.length > 0) return { kind: 'reused', files: conflicted };
  }
  const blocking = untrackedBlocking(r.stderr);
  if (blocking.length > 0) return { kind: 'blocked', paths: blocking };
  throw new GitError(args, r);
}

/**
 * Commits the merge in progress with git's prepared message, rerere on, so the resolution it holds is
 * recorded for the next time; returns the merge commit.
 */
export async function commitMerge(cwd: string): Promise<string> {
  await git(cwd, [
    ...RERERE_CONFIG,
    ...(await commitIdentityArgs(cwd)),
    'commit',
    '--no-edit',
    '--no-verify',
    '--quiet',
  ]);
  return git(cwd, ['rev-parse', 'HEAD']);
}

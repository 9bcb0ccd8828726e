/**
 * The merges integration makes in its worktree, and the commit of a resolved one, with git rerere off:
 * a resolution recorded in the repository's shared `rr-cache` — by anyone: an agent can write one there
 * from its worktree, and it would replay onto a merge whatever its postimage holds — is never applied
 * to what Baton merges, whatever the user's config says. A conflict always stops for its resolver.
 */
import { commitIdentityArgs } from './commit-identity.js';
import { GitError, git, gitShielded } from './git.js';
import { abortMerge, mergeInProgress, noFfMergeArgs, unmergedPaths } from './merge.js';
import { pathsMergeWouldCreate, removeWhatFailedMergeCreated } from './merge-undo.js';
import { gitRefusal, untrackedBlocking } from './refusal.js';

/** Given on the command line of integration's merges and resolution commits: rerere off, the user's config changed in nothing. */
const NO_RERERE = ['-c', 'rerere.enabled=false'] as const;

/** How a `git merge --no-ff` in a worktree ended. */
export type MergeOutcome =
  | { kind: 'merged'; commit: string }
  | { kind: 'up-to-date'; commit: string }
  /** Left in progress for its resolver. */
  | { kind: 'conflict'; files: string[] }
  /** git refused before changing anything: untracked files stand where the merge puts its own. */
  | { kind: 'blocked'; paths: string[] }
  /**
   * git failed for a reason of its own (a file or the merge commit could not be written: a full disk, a
   * failing `gpg.program`); what it had begun was undone, the files it had begun to write removed.
   * `reason` is git's first line, escaped.
   */
  | { kind: 'failed'; reason: string };

/**
 * Merges `ref` into the branch checked out in `cwd` with a merge commit (`--no-ff`), skipping the
 * repository's merge hooks, rerere off (`NO_RERERE`). A conflict leaves the merge in progress; any other
 * failure is undone (the files new to the worktree git had begun to write removed too: `merge --abort`
 * leaves them) and returned as `failed`. The merge, and the reads that say how it ended, run out of
 * reach of the terminal's Ctrl-C (`gitShielded`): git stopped half-way leaves the feature's files half-written in the worktree,
 * with no merge in progress to abort and none recorded to go on from; the caller honours the abort next.
 */
export async function mergeNoFf(cwd: string, ref: string, message: string): Promise<MergeOutcome> {
  const before = await git(cwd, ['rev-parse', 'HEAD']);
  const created = await pathsMergeWouldCreate(cwd, ref);
  const args = [...NO_RERERE, ...noFfMergeArgs(await commitIdentityArgs(cwd), ref, message)];
  const r = await gitShielded(cwd, args);
  if (r.signal) throw new GitError(args, r);
  if (r.exitCode === 0) {
    const head = ['rev-parse', 'HEAD'];
    const read = await gitShielded(cwd, head);
    if (read.exitCode !== 0) throw new GitError(head, read);
    const after = read.stdout.trim();
    return after === before ? { kind: 'up-to-date', commit: after } : { kind: 'merged', commit: after };
  }
  const files = await unmergedPaths(cwd, gitShielded);
  if (files.length > 0 && (await mergeInProgress(cwd, gitShielded))) return { kind: 'conflict', files };
  const blocking = untrackedBlocking(r.stderr);
  if (blocking.length > 0) return { kind: 'blocked', paths: blocking };
  // A merge git began and could not commit leaves MERGE_HEAD and a staged result but no conflict:
  // undone, so the integration stays where it was and a later run does not take it for a conflict.
  // One that failed writing the worktree (a full disk) leaves no MERGE_HEAD but the new files it had
  // written, untracked, in the way of the same merge again: removed.
  if (await mergeInProgress(cwd, gitShielded)) await abortMerge(cwd);
  await removeWhatFailedMergeCreated(cwd, created, gitShielded);
  return { kind: 'failed', reason: gitRefusal(r.stderr.trim() ? r.stderr : r.stdout) };
}

/** Commits the merge in progress with git's prepared message, rerere off; returns the merge commit. */
export async function commitMerge(cwd: string): Promise<string> {
  await git(cwd, [
    ...NO_RERERE,
    ...(await commitIdentityArgs(cwd)),
    'commit',
    '--no-edit',
    '--no-verify',
    '--quiet',
  ]);
  return git(cwd, ['rev-parse', 'HEAD']);
}

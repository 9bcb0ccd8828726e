/**
 * A resumed feature's branch, looked at and (with `--restart <id>`) started over from the base. Both
 * take a worktree proven to be this repository's worktree of the branch (`proveFeatureWorktree`): a
 * restart run in whatever folder sits where the worktree goes would reset the user's own branch.
 */
import { UserError } from '../errors.js';
import { keepTipRef } from '../git/branches.js';
import { moveWithWorktree } from '../git/checked-out-move.js';
import { git } from '../git/git.js';
import { restartBackupRef } from '../git/refs.js';
import { type StatusEntry, statusEntries } from '../git/status.js';
import type { ProvenWorktree } from '../git/worktree-proof.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';
import type { FinishedAgent, ResumedBranch } from './resume.js';

/** At most five of a worktree's uncommitted paths, escaped, for a one-line error. */
function shownPaths(entries: readonly StatusEntry[]): string {
  return someOf(
    entries.map((e) => escapeControl(e.path)),
    5,
  );
}

/**
 * Refuses to restart a unit whose worktree holds uncommitted changes or untracked files (ignored files
 * aside): starting over from the base would delete them, and Baton never deletes work that is not
 * committed. Nothing is changed; the hint says how to keep them or remove them by hand.
 */
export async function assertNothingUncommitted(worktree: ProvenWorktree, unitId: string): Promise<void> {
  const entries = await statusEntries(worktree.path);
  if (entries.length === 0) return;
  const where = escapeControl(worktree.path);
  throw new UserError(
    'run/restart-uncommitted',
    `--restart ${unitId} would delete what is not committed in ${where}: ${shownPaths(entries)}; nothing was changed`,
    {
      hint: `Keep it by committing it (git -C ${where} add -A && git -C ${where} commit -m wip: the restart then keeps it with the dropped commits) or stashing it (git -C ${where} stash -u), or delete it yourself; then run again.`,
    },
  );
}

/** The refusal when another process moved the branch between the restart's read and its move. */
function branchMovedError(
  branch: string,
  unitId: string,
  tip: string,
  backup: string | undefined,
): UserError {
  const kept = backup ? `; the tip it dropped is kept as ${backup}` : '';
  return new UserError(
    'run/restart-branch-moved',
    `${branch} moved while --restart ${unitId} ran (it was at ${tip.slice(0, 8)}): it was left as it is and nothing was restarted${kept}`,
    { hint: 'Run again: the restart looks at the branch anew.' },
  );
}

/**
 * Looks at a feature branch being resumed: counts the commits it holds beyond the base and, when the
 * user asked `--restart <id>`, starts it over from the base. A restart refuses a worktree holding
 * anything uncommitted (`assertNothingUncommitted`), keeps the dropped tip under a backup ref
 * (`restartBackupRef`), then moves the branch from the tip it saw to the base with the worktree's index
 * and files (`moveWithWorktree`: never one that moved meanwhile, which is refused with
 * `run/restart-branch-moved`; never over a local change or an untracked or ignored file, nothing changed). Without a restart, a branch still ending at the commit of an agent that had
 * finished is said so.
 */
export async function inspectResumedBranch(
  worktree: ProvenWorktree,
  opts: { unitId: string; baseCommit: string; restart: boolean; finished?: FinishedAgent },
): Promise<ResumedBranch> {
  const ref = `refs/heads/${worktree.branch}`;
  // In the worktree's own git folder and real folder, as proven: nothing goes through a path swapped since.
  const ownEnv = { GIT_DIR: worktree.gitDir, GIT_WORK_TREE: worktree.realPath };
  const own = (args: string[]) => git(worktree.realPath, args, undefined, ownEnv);
  const listed = await own(['rev-list', `${opts.baseCommit}..${ref}`]);
  const commits = listed.split('\n').filter(Boolean);
  if (!opts.restart) {
    const finished = opts.finished?.commit;
    return {
      kept_commits: commits.length,
      ...(finished !== undefined && commits[0] === finished ? { agent_finished: finished } : {}),
    };
  }
  await assertNothingUncommitted(worktree, opts.unitId);
  const tip = await own(['rev-parse', '--verify', `${ref}^{commit}`]);
  const base = await own(['rev-parse', '--verify', `${opts.baseCommit}^{commit}`]);
  const why = `baton: --restart ${opts.unitId}`;
  const backup = commits.length > 0 ? restartBackupRef(opts.unitId, tip) : undefined;
  if (backup) await keepTipRef(worktree.realPath, { ref: backup, commit: tip, why, env: ownEnv });
  // The branch and the worktree's files move together by the one rule (`moveWithWorktree`): refused,
  // nothing changed, where the move would overwrite a local change or an untracked or ignored file.
  if (!(await moveWithWorktree(worktree, { to: base, from: tip, why })))
    throw branchMovedError(worktree.branch, opts.unitId, tip, backup);
  return {
    kept_commits: 0,
    restarted: true,
    dropped_commits: commits,
    ...(backup ? { backup } : {}),
  };
}

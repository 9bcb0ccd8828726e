/**
 * A reused worktree's `index.lock` left by a git that was killed (the orchestrator killed during its
 * `git add --all`): every later `git add` there fails with "File exists", so a resume would run the
 * agent in full and then fail to record its work. The lock is removed before the agent starts once no
 * live process uses it (`lockUsers`); one still in use is a refusal that says which process.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { lockUsers } from '../guard/lock-users.js';
import { escapeControl } from '../text/escape.js';
import type { ProvenWorktree } from './worktree-proof.js';

/**
 * Removes the `index.lock` of a worktree a resume reuses when no live process holds it open or runs
 * git in the worktree; true when it removed one. Throws a UserError (`run/index-locked`) naming the
 * process when one does, or when /proc cannot tell; `resume` is the command to run once it is gone.
 */
export function clearStaleIndexLock(worktree: ProvenWorktree, resume: string): boolean {
  const lock = join(worktree.gitDir, 'index.lock');
  if (!existsSync(lock)) return false;
  const users = lockUsers({ lock, dirs: [worktree.realPath, worktree.gitDir] });
  const shown = escapeControl(lock);
  if (users === undefined) {
    throw new UserError(
      'run/index-locked',
      `git's lock ${shown} is in the worktree, and without /proc Baton cannot tell whether a git process holds it, so its agent was not started: once no git runs there, remove it and run \`${resume}\``,
      {
        hint: `Once no git runs in ${escapeControl(worktree.path)}, remove it (rm ${shown}) and run \`${resume}\`.`,
      },
    );
  }
  const [first, ...more] = users;
  if (first !== undefined) {
    const others = more.length > 0 ? ` and ${more.length} more` : '';
    throw new UserError(
      'run/index-locked',
      `git's lock ${shown} is in use by a live process (pid ${first.pid}: ${escapeControl(first.command)})${others}, so its agent was not started: once it has ended, run \`${resume}\``,
      { hint: `Wait for it to end (or stop it: kill ${first.pid}), then run \`${resume}\`.` },
    );
  }
  rmSync(lock, { force: true });
  return true;
}

import { UserError } from '../errors.js';
import { realNearest } from '../real-nearest.js';

/** The error every command gives outside a git repository. */
export function notARepo(cwd: string): UserError {
  return new UserError('git/not-a-repo', `${cwd} is not inside a git repository`, {
    hint: 'Run baton from your project folder, or create a repository with `git init` and commit once.',
  });
}

/**
 * Why `cwd` has no work tree, from what `git rev-parse --is-bare-repository --absolute-git-dir` printed
 * there ('' when it failed): a bare repository (nothing checked out to work in, which "run git init"
 * would not fix), the git folder of a checkout, or no repository at all.
 */
export function noWorkTreeError(cwd: string, revParse: string): UserError {
  const [bare, gitDir] = revParse.split('\n');
  if (!gitDir) return notARepo(cwd);
  if (bare === 'true') {
    const where =
      realNearest(cwd) === realNearest(gitDir)
        ? 'a bare git repository'
        : `inside the bare git repository ${gitDir}`;
    return new UserError('git/bare-repo', `${cwd} is ${where}: it has no checkout, and Baton works in one`, {
      hint: 'Make a checkout of it and run baton there: `git worktree add ../app main` from here, or `git clone <this repository> app`.',
    });
  }
  return new UserError('git/inside-git-dir', `${cwd} is inside the git folder ${gitDir}, not in a checkout`, {
    hint: 'Run baton from the checkout that folder belongs to (the folder above `.git`).',
  });
}

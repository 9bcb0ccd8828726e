import { UserError } from '../errors.js';
import { realNearest } from '../real-nearest.js';
import { shellQuote } from '../text/shell-quote.js';

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
      hint: bareCloneHint(gitDir),
    });
  }
  return new UserError('git/inside-git-dir', `${cwd} is inside the git folder ${gitDir}, not in a checkout`, {
    hint: 'Run baton from the checkout that folder belongs to (the folder above `.git`).',
  });
}

/**
 * What to do with a bare repository: clone it, which makes a main checkout Baton can work in. Not `git
 * worktree add`: a linked worktree of a bare repository has no main checkout to read the config and
 * contracts from (`git/no-main-checkout`).
 */
export function bareCloneHint(bare: string): string {
  return `Clone it and run baton in the clone: \`git clone ${shellQuote(bare)} <new folder>\` (not \`git worktree add\`: a worktree of a bare repository has no main checkout, where Baton reads the config and contracts).`;
}

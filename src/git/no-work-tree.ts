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
 * there ('' when it failed) and its stderr: a bare repository (nothing checked out to work in, which
 * "run git init" would not fix), the git folder of a checkout, a repository git refuses as another
 * user's (`dubiousOwnership`), or no repository at all.
 */
export function noWorkTreeError(cwd: string, revParse: string, stderr = ''): UserError {
  const [bare, gitDir] = revParse.split('\n');
  if (!gitDir) return dubiousOwnership(stderr) ?? notARepo(cwd);
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

/**
 * A repository git refuses to read because another user owns it (git's safe.directory check: running
 * as root on a checkout mounted into a container, WSL, a shared folder), from git's stderr: git's
 * reason and its own fix, not "not inside a git repository" and `git init`. Undefined for other failures.
 */
function dubiousOwnership(stderr: string): UserError | undefined {
  const m =
    /detected dubious ownership in repository at '(.+)'/.exec(stderr) ??
    /unsafe repository \('(.+)' is owned by someone else\)/.exec(stderr);
  if (!m?.[1]) return undefined;
  const path = m[1];
  return new UserError(
    'git/dubious-ownership',
    `git refuses the repository at ${path}: it is owned by another user than the one running baton (git's "dubious ownership" check)`,
    {
      hint: `If you trust it, mark it safe as git says: \`git config --global --add safe.directory ${shellQuote(path)}\` (or run baton as the user who owns it).`,
    },
  );
}

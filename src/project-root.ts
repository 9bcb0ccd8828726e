import { UserError } from './errors.js';
import { findMainWorktree, gitPlaces } from './git/git.js';
import { realNearest } from './real-nearest.js';

/**
 * Where `init` and `new` write the project's files: the checkout they run in, unless it is a linked
 * worktree of the user's (`git worktree add`: its git folder is not the repository's common one).
 * Every command reads the config and the contracts from the main checkout, so files written in a
 * linked worktree would never be read: refused there, naming the main checkout. A submodule or a
 * checkout with a separate git folder is a main checkout of its own.
 */
export async function projectRootForWriting(cwd: string, command: string): Promise<string> {
  const { top: here, gitDir, commonDir } = await gitPlaces(cwd);
  if (realNearest(gitDir) === realNearest(commonDir)) return here;
  throw new UserError(
    `${command}/linked-worktree`,
    `${here} is a linked worktree; Baton reads the config and contracts from the main checkout, ${await findMainWorktree(cwd)}`,
    { hint: `Run \`baton ${command}\` in the main checkout.` },
  );
}

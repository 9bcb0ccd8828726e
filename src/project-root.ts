import { realpathSync } from 'node:fs';
import { UserError } from './errors.js';
import { findMainWorktree, findRepoRoot } from './git/git.js';

/**
 * Where `init` and `new` write the project's files: the repository's main checkout, where every
 * other command reads the config and the contracts. In a linked worktree of the user's (another
 * branch checked out beside the main one) they refuse: files written there would never be read.
 */
export async function projectRootForWriting(cwd: string, command: string): Promise<string> {
  const here = await findRepoRoot(cwd);
  const main = await findMainWorktree(cwd);
  if (realOr(here) === realOr(main)) return here;
  throw new UserError(
    `${command}/linked-worktree`,
    `${here} is a linked worktree; Baton reads the config and contracts from the main checkout, ${main}`,
    { hint: `Run \`baton ${command}\` in ${main}.` },
  );
}

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

import { UserError } from './errors.js';
import { gitRaw, notARepo } from './git/git.js';
import { realNearest } from './path-inside.js';

/**
 * Where `init` and `new` write the project's files: the checkout they run in, unless it is a linked
 * worktree of the user's (`git worktree add`: its git folder is not the repository's common one).
 * Every command reads the config and the contracts from the main checkout, so files written in a
 * linked worktree would never be read: refused there, naming the main checkout. A submodule or a
 * checkout with a separate git folder is a main checkout of its own.
 */
export async function projectRootForWriting(cwd: string, command: string): Promise<string> {
  // The checkout and both git folders from one process.
  const r = await gitRaw(cwd, [
    'rev-parse',
    '--show-toplevel',
    '--path-format=absolute',
    '--git-dir',
    '--git-common-dir',
  ]);
  const [here, gitDir, commonDir] = r.stdout.split('\n');
  if (r.exitCode !== 0 || !here || !gitDir || !commonDir) throw notARepo(cwd);
  if (realNearest(gitDir) === realNearest(commonDir)) return here;
  throw new UserError(
    `${command}/linked-worktree`,
    `${here} is a linked worktree; Baton reads the config and contracts from the main checkout, ${await mainCheckout(cwd)}`,
    { hint: `Run \`baton ${command}\` in the main checkout.` },
  );
}

/** The main checkout's path: the first worktree git lists. */
async function mainCheckout(cwd: string): Promise<string> {
  const list = await gitRaw(cwd, ['worktree', 'list', '--porcelain']);
  return /^worktree (.*)$/m.exec(list.stdout)?.[1] ?? 'the main checkout';
}

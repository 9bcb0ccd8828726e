/**
 * Baton's worktrees do not check out the repository's submodules: each one is an empty folder there.
 * A run says so once, at its start, naming them, so an agent's work that needs one, or a criterion,
 * is not a surprise (and `baton clean` keeps files written in such a folder).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gitRaw } from '../git/git.js';
import { escapeControl } from '../text/escape.js';
import { someOf } from '../text/some-of.js';

/**
 * The warning for the submodules `.gitmodules` names in the main checkout `root`, or undefined when
 * it has none (no git process is spent then: most repositories have no `.gitmodules`).
 */
export async function submoduleWarning(root: string): Promise<string | undefined> {
  if (!existsSync(join(root, '.gitmodules'))) return undefined;
  // Read as data only: nothing in .gitmodules is run.
  const r = await gitRaw(root, [
    'config',
    '--file',
    '.gitmodules',
    '-z',
    '--get-regexp',
    '^submodule\\..*\\.path$',
  ]);
  if (r.exitCode !== 0) return undefined;
  const paths = r.stdout
    .split('\0')
    .map((entry) => entry.slice(entry.indexOf('\n') + 1))
    .filter((p) => p !== '')
    .map((p) => escapeControl(p));
  if (paths.length === 0) return undefined;
  return `submodule${paths.length === 1 ? '' : 's'} ${someOf(paths, 5)} ${paths.length === 1 ? 'is' : 'are'} not checked out in Baton's worktrees (an empty folder there): an agent's files written in one are not committed, and a criterion that needs one fails; check it out in the worktree (git submodule update --init <path>) if the work needs it`;
}

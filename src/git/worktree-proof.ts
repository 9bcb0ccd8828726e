/**
 * Proof that the folder where a feature's worktree goes is this repository's worktree of that
 * feature's branch, before a resume reuses it, and before `--restart` moves its branch or its files.
 * The folder is the user's to change: a symlink put there (to the main checkout, say) or another
 * repository would have git, run in it, reset the user's own branch and run the agent in their checkout.
 */
import { lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { escapeControl } from '../text/escape.js';
import { gitRaw } from './git.js';

/** A folder proven to be this repository's worktree of `branch` (`proveFeatureWorktree`): the only kind a restart changes. */
export interface ProvenWorktree {
  /** The folder, as Baton names it (not a symlink). */
  readonly path: string;
  /** Its real path, every symlink above it resolved. */
  readonly realPath: string;
  /** Its own git folder: `<this repository's git folder>/worktrees/<name>`. */
  readonly gitDir: string;
  /** The branch it has checked out (`baton/<id>`), its HEAD. */
  readonly branch: string;
}

const moveAwayHint = (path: string) =>
  `Move it away (mv ${path} <somewhere else>) and run again: Baton adds the feature's worktree back from its branch.`;

/**
 * Refuses a symbolic link where a feature's worktree goes (lstat: the link itself, whatever it points
 * to or whether that exists): Baton never works in, or moves a branch through, a folder it cannot
 * prove is the worktree it made.
 */
export function refuseSymlinkedWorktree(path: string, branch: string): void {
  let target: string;
  try {
    if (!lstatSync(path).isSymbolicLink()) return;
    target = readlinkSync(path);
  } catch {
    return;
  }
  throw new UserError(
    'run/worktree-symlink',
    `${escapeControl(path)}, where the worktree of ${branch} goes, is a symbolic link (to ${escapeControl(target)}); Baton will not use it or change anything through it`,
    { hint: moveAwayHint(escapeControl(path)) },
  );
}

function notOurs(path: string, branch: string, why: string): UserError {
  return new UserError(
    'run/worktree-not-ours',
    `${escapeControl(path)} is not this repository's worktree of ${branch} (${why}); Baton will not use it or change anything in it`,
    { hint: moveAwayHint(escapeControl(path)) },
  );
}

/** Runs git read-only in `cwd`; its trimmed output, or undefined when it fails. */
async function ask(cwd: string, args: string[]): Promise<string | undefined> {
  const r = await gitRaw(cwd, args);
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Proves `path` is the worktree of `branch` (short name) of the repository at `root`: not a symlink,
 * its git folder (`rev-parse --absolute-git-dir`) one of this repository's `worktrees/<name>` whose
 * `gitdir` file names this folder, and its HEAD `refs/heads/<branch>`. Throws a UserError otherwise.
 */
export async function proveFeatureWorktree(
  root: string,
  path: string,
  branch: string,
): Promise<ProvenWorktree> {
  refuseSymlinkedWorktree(path, branch);
  const realPath = realOr(path);
  const common = await ask(root, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  const gitDir = await ask(path, ['rev-parse', '--absolute-git-dir']);
  if (common === undefined || gitDir === undefined)
    throw notOurs(path, branch, 'git finds no repository in it');
  if (realOr(dirname(gitDir)) !== join(realOr(common), 'worktrees')) {
    throw notOurs(path, branch, `its git folder is ${escapeControl(gitDir)}`);
  }
  let linked: string;
  try {
    linked = readFileSync(join(gitDir, 'gitdir'), 'utf8').trim();
  } catch {
    linked = '';
  }
  if (realOr(dirname(linked)) !== realPath) {
    throw notOurs(path, branch, `its git folder ${escapeControl(gitDir)} belongs to another folder`);
  }
  const head = await ask(path, ['symbolic-ref', '-q', 'HEAD']);
  if (head !== `refs/heads/${branch}`) {
    throw notOurs(path, branch, `its HEAD is ${escapeControl(head ?? 'detached')}`);
  }
  return { path, realPath, gitDir, branch };
}

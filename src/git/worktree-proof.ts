/**
 * Proof that the folder where a feature's worktree goes is this repository's worktree of that
 * feature's branch, before a resume reuses it, and before `--restart` moves its branch or its files.
 * The folder is the user's to change: a symlink put there (to the main checkout, say) or another
 * repository would have git, run in it, reset the user's own branch and run the agent in their checkout.
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { realOr } from '../real-nearest.js';
import { escapeControl } from '../text/escape.js';
import { commonGitDir, gitRaw } from './git.js';

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
  const target = symlinkTarget(path);
  if (target === undefined) return;
  throw new UserError(
    'run/worktree-symlink',
    `${escapeControl(path)}, where the worktree of ${branch} goes, is a symbolic link (to ${escapeControl(target)}); Baton will not use it or change anything through it`,
    { hint: moveAwayHint(escapeControl(path)) },
  );
}

/**
 * Where `path` points when it is a symbolic link itself (lstat: the link, whatever it points to);
 * undefined for anything else. The one test of a worktree folder made a link, which git would follow.
 */
export function symlinkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined;
  } catch {
    return undefined;
  }
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

/**
 * The git folder of the worktree at `path` (`rev-parse --absolute-git-dir`) and the ref its HEAD names
 * (`symbolic-ref -q HEAD`: undefined when detached), from one git process when HEAD resolves to a
 * commit (`--symbolic-full-name HEAD` prints `HEAD` for a detached one); from the two asked apart when
 * it does not (an unborn branch) or when a path holds a newline.
 */
async function gitDirAndHead(
  path: string,
): Promise<{ gitDir: string; head: string | undefined } | undefined> {
  const r = await gitRaw(path, ['rev-parse', '--absolute-git-dir', '--symbolic-full-name', 'HEAD']);
  const lines = r.stdout.split('\n');
  if (r.exitCode === 0 && lines.length === 3 && lines[2] === '' && lines[0] && lines[1]) {
    return { gitDir: lines[0], head: lines[1] === 'HEAD' ? undefined : lines[1] };
  }
  const gitDir = await ask(path, ['rev-parse', '--absolute-git-dir']);
  if (gitDir === undefined) return undefined;
  return { gitDir, head: await ask(path, ['symbolic-ref', '-q', 'HEAD']) };
}

/**
 * What `proveLinkedWorktree` found: the worktree's git folder (as git names it) and real path, or the
 * first thing that is not as it should be, with what was seen, for each caller to word its own way.
 */
export type LinkedWorktree =
  | { ok: true; gitDir: string; realPath: string }
  | { ok: false; problem: 'no-repository' }
  | { ok: false; problem: 'other-repository'; gitDir: string }
  | { ok: false; problem: 'registered-elsewhere'; gitDir: string }
  | { ok: false; problem: 'other-head'; gitDir: string; head: string | undefined };

/**
 * The one proof that git in `path` is the repository at `root`'s linked worktree of `branch` (short
 * name): its git folder (`rev-parse --absolute-git-dir`) is one of this repository's `worktrees/<name>`,
 * whose `gitdir` file names this folder back, and its HEAD is `refs/heads/<branch>`. Reads only; what
 * sits at `path` itself (a symlink, say) is each caller's to refuse first.
 */
export async function proveLinkedWorktree(
  root: string,
  path: string,
  branch: string,
): Promise<LinkedWorktree> {
  const realPath = realOr(path);
  const [common, here] = await Promise.all([commonGitDir(root).catch(() => undefined), gitDirAndHead(path)]);
  const gitDir = here?.gitDir;
  if (common === undefined || gitDir === undefined) return { ok: false, problem: 'no-repository' };
  if (realOr(dirname(gitDir)) !== join(realOr(common), 'worktrees'))
    return { ok: false, problem: 'other-repository', gitDir };
  let linked: string;
  try {
    linked = readFileSync(join(gitDir, 'gitdir'), 'utf8').trim();
  } catch {
    linked = '';
  }
  if (linked === '' || realOr(dirname(linked)) !== realPath)
    return { ok: false, problem: 'registered-elsewhere', gitDir };
  const head = here?.head;
  if (head !== `refs/heads/${branch}`) return { ok: false, problem: 'other-head', gitDir, head };
  return { ok: true, gitDir, realPath };
}

/**
 * Whether `path` is this repository's linked worktree of that very folder with its HEAD detached
 * (`proveLinkedWorktree` finds every part as it should be but HEAD, which names no branch): the one
 * test by which a unit's own worktree left on a detached HEAD is known, by run and clean alike.
 */
export async function isOwnDetachedWorktree(root: string, path: string, branch: string): Promise<boolean> {
  const proof = await proveLinkedWorktree(root, path, branch);
  return !proof.ok && proof.problem === 'other-head' && proof.head === undefined;
}

/**
 * Proves `path` is the worktree of `branch` (short name) of the repository at `root`: not a symlink,
 * and this repository's linked worktree of the branch (`proveLinkedWorktree`). Throws a UserError
 * (`run/worktree-not-ours`) otherwise.
 */
export async function proveFeatureWorktree(
  root: string,
  path: string,
  branch: string,
): Promise<ProvenWorktree> {
  refuseSymlinkedWorktree(path, branch);
  const proof = await proveLinkedWorktree(root, path, branch);
  if (proof.ok) return { path, realPath: proof.realPath, gitDir: proof.gitDir, branch };
  switch (proof.problem) {
    case 'no-repository':
      throw notOurs(path, branch, 'git finds no repository in it');
    case 'other-repository':
      throw notOurs(path, branch, `its git folder is ${escapeControl(proof.gitDir)}`);
    case 'registered-elsewhere':
      throw notOurs(path, branch, `its git folder ${escapeControl(proof.gitDir)} belongs to another folder`);
    case 'other-head':
      throw notOurs(path, branch, `its HEAD is ${escapeControl(proof.head ?? 'detached')}`);
  }
}

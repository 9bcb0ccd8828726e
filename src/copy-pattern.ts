/**
 * The one rule for a `copy` entry (the config's, or a `.worktreeinclude` line) as written: Baton copies a
 * repository's own files into a worktree, so an entry that is absolute, climbs out with `..`, names the
 * whole repository, or names git's or Baton's own folder is refused (pure). The config refuses its
 * entries where it is read, at their line; `baton run` refuses `.worktreeinclude`'s, and what an entry
 * resolves to through a symlink, before it starts.
 */
import { isAbsolute } from 'node:path';
import { ownFolderNamed, ownFolderOwner, startsAtHome } from './path-inside.js';

/** What to do about a refused copy entry. */
export const COPY_ENTRY_HINT =
  'Name files by their path inside the repository (e.g. .env, config/local.json), without "..", absolute paths or symlinks that lead out.';

/** Why a refused copy entry is refused: what it does, and whether the refusal is about what is inside. */
export interface CopyEntryProblem {
  why: string;
  inside: boolean;
}

/** Why `pattern` can never be a copy entry, or undefined when it may be one (pure). */
export function copyEntryProblem(pattern: string): CopyEntryProblem | undefined {
  const clean = pattern.replace(/\\/g, '/');
  if (isAbsolute(clean) || /^[A-Za-z]:/.test(clean) || startsAtHome(clean))
    return { why: 'is an absolute path', inside: false };
  if (clean.split('/').includes('..')) return { why: 'leads outside the repository ("..")', inside: false };
  const parts = clean.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0)
    return { why: 'names the whole repository (a worktree is a checkout of it already)', inside: true };
  // Git's folder (a worktree's `.git` is a file git reads) and Baton's state are never a worktree's to hold.
  const own = ownFolderNamed(clean);
  if (own) return { why: `names ${own}/, which is ${ownFolderOwner(own)} own`, inside: false };
  return undefined;
}

/** A refused copy entry in words: `"../x" leads outside the repository (".."); Baton copies only …`. */
export function describeCopyRefusal(pattern: string, problem: CopyEntryProblem): string {
  const what = problem.inside
    ? "Baton copies a repository's own files (not its git or Baton state)"
    : 'Baton copies only files inside the repository';
  return `${JSON.stringify(pattern)} ${problem.why}; ${what}`;
}

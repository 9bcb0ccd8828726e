/**
 * The one rule for "this path is inside that folder", which the checks that keep Baton's writes and
 * reads in place share (a copy pattern, `clean`'s current folder, the config's `specs`, `report
 * --out`, a contract's `files` globs and `owns` patterns), pure; src/real-nearest.ts gives the real
 * path to judge it on.
 */
import { isAbsolute, normalize, relative, sep } from 'node:path';

/** Whether a path relative to a folder stays at or below it: not absolute and not climbing out with `..`. */
function staysBelow(rel: string): boolean {
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Whether `inner` is `outer` itself or lies inside it (both already resolved; pure). */
export function isInside(outer: string, inner: string): boolean {
  return staysBelow(relative(outer, inner));
}

/**
 * A path written from a folder's root as the relative path it names there (pure): `/src/a.ts` and
 * `./src/a.ts` are `src/a.ts`, and so are `src//a.ts` and `src/./a.ts` (a typo, or a path joined from
 * variables), which no path git reports holds; a trailing `/` (a folder) stays. People write a
 * contract's paths "from the repository root" with a leading `/`; a path that still climbs out
 * (`/../x` is `../x`) is for `writtenOutside` to refuse, so `..` is left as written.
 */
export function rootRelative(path: string): string {
  return path
    .replace(/^(?:\.?\/)+/, '')
    .replace(/\/(?:\.?\/)+/g, '/')
    .replace(/\/\.$/, '/');
}

/**
 * Why a path written relative to a folder (a contract's glob) would lead out of whatever folder it is
 * taken from, or undefined when it stays inside once normalised (pure): an absolute path (a drive
 * letter `C:` included, on any system), the home folder `~`, or a `..` left that climbs out. Symlinks
 * on the way are for the caller to judge on the real path, with `isInside`.
 */
export function writtenOutside(path: string): string | undefined {
  if (startsAtHome(path)) return 'it starts at the home folder "~"';
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) return 'an absolute path';
  if (!staysBelow(normalize(path))) return 'it climbs out with ".."';
  return undefined;
}

/** Whether a path written relative to a folder stays inside it (`writtenOutside` finds nothing; pure). */
export function isWrittenInside(path: string): boolean {
  return writtenOutside(path) === undefined;
}

/**
 * Whether a path as written starts with `~` (pure): a shell's home folder, which Baton never expands in
 * a path it is given (only an agent's `command`, which a shell would run, is looked up there).
 */
export function startsAtHome(path: string): boolean {
  return path.startsWith('~');
}

/** A folder of the repository that only git or Baton writes: never a copy's, the contracts' nor the worktrees'. */
export type OwnFolder = '.git' | '.baton';

/**
 * The folder of git's or Baton's own that a path relative to the repository root names first (`.git`,
 * `.git/hooks`, `./.baton/x`), or undefined (pure; `\` read as `/`).
 */
export function ownFolderNamed(path: string): OwnFolder | undefined {
  const first = path
    .replace(/\\/g, '/')
    .split('/')
    .find((p) => p !== '' && p !== '.');
  return first === '.git' || first === '.baton' ? first : undefined;
}

/** Whose an own folder is, in words: `git's`, `Baton's`. */
export function ownFolderOwner(folder: OwnFolder): string {
  return folder === '.git' ? "git's" : "Baton's";
}

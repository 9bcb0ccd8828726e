/**
 * The one rule for "this path is inside that folder", which the checks that keep Baton's writes and
 * reads in place share (a copy pattern, `clean`'s current folder, the config's `specs`, `report
 * --out`, a contract's `files` globs), pure; src/real-nearest.ts gives the real path to judge it on.
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
 * Whether a path written relative to a folder (a contract's glob) stays inside whatever folder it is
 * taken from, once normalised: not absolute, and no `..` left that climbs out (pure). Symlinks on the
 * way are for the caller to judge on the real path, with `isInside`.
 */
export function isWrittenInside(path: string): boolean {
  return staysBelow(normalize(path));
}

/**
 * The one rule for "this path is inside that folder", which the checks that keep Baton's writes and
 * reads in place share (a copy pattern, `clean`'s current folder, the config's `specs`, `report
 * --out`), and the real path to judge it on when the path may not exist yet.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Whether `inner` is `outer` itself or lies inside it (both already resolved; pure). */
export function isInside(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The real path of `path`, or, when it does not exist yet, the real path of its nearest existing
 * folder joined with the rest: symlinks resolved as far as there are any to resolve.
 */
export function realNearest(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const up = dirname(path);
    return up === path ? path : join(realNearest(up), basename(path));
  }
}

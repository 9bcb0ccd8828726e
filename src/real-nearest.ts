/**
 * Real paths: the one to judge "inside" on (src/path-inside.ts) when the path may not exist yet, and
 * the one to compare two paths by.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

/** The real path of `path`, or `path` as given when it cannot be resolved (gone, unreadable). */
export function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

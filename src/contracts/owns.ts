import picomatch from 'picomatch';
import { rootRelative } from '../path-inside.js';

/**
 * The one rule for what an `owns` entry covers. Lint's overlaps, the ownership check, integrate's
 * violations, the report and the coupling analysis all call this module, so they cannot disagree.
 */

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** Tells whether a repository path falls under a set of `owns` patterns. */
export type OwnsMatcher = (path: string) => boolean;

/**
 * The globs an `owns` entry stands for (pure): `src/db.ts` is that file (and so are `./src/db.ts` and
 * `/src/db.ts`, from the repository root), and `src/catalog` and `src/catalog/` also cover everything
 * under it, because people name folders without `/**`.
 */
export function expandOwnedPattern(pattern: string): string[] {
  if (isExclusion(pattern)) return [];
  let p = rootRelative(pattern.trim());
  if (p.endsWith('/')) p = `${p.replace(/\/+$/, '')}/**`;
  if (!GLOB_CHARS.test(p)) return [p, `${p}/**`];
  return [p];
}

/**
 * How globs match a repository path, wherever Baton matches one (`owns`, copy patterns, a files
 * check's globs, lint's overlap witnesses): dot files included, and `*`/`**` across any character a
 * path may hold. `s`: picomatch builds them on `.`, which would stop at a newline.
 */
export function pathGlobMatcher(globs: string | readonly string[]): (path: string) => boolean {
  return picomatch(globs as string | string[], { dot: true, flags: 's' });
}

/**
 * Whether an `owns` entry takes paths away (`!src/a/generated.ts`, as in `.gitignore`) rather than
 * adding them: it only narrows what the other entries cover, never owns anything itself.
 */
export function isExclusion(pattern: string): boolean {
  return pattern.trim().startsWith('!');
}

/**
 * Compiles `owns` patterns into one matcher (pure): a path is owned when an entry covers it and no
 * exclusion (`!…`) does; no patterns, or exclusions only, match nothing.
 */
export function compileOwns(patterns: readonly string[]): OwnsMatcher {
  const globs = patterns.flatMap(expandOwnedPattern);
  if (globs.length === 0) return () => false;
  const match = pathGlobMatcher(globs);
  const excluded = patterns.filter(isExclusion).flatMap((p) => expandOwnedPattern(p.trim().slice(1)));
  const unmatch = excluded.length > 0 ? pathGlobMatcher(excluded) : () => false;
  return (path) => {
    const p = path.replace(/^\.\//, '');
    return match(p) && !unmatch(p);
  };
}

/** The changed files that no `owns` pattern covers, in the order given (pure). */
export function filesOutsideOwns(changed: readonly string[], owns: readonly string[]): string[] {
  const owned = compileOwns(owns);
  return changed.filter((f) => !owned(f));
}

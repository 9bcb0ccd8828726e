import picomatch from 'picomatch';

/**
 * A matcher for repository-relative paths against globs as written in contracts (pure). A glob
 * without wildcards also covers everything below it, so `src/catalog` and `src/catalog/` mean
 * the folder, as a person writing `owns` expects.
 */
export function matchPaths(globs: readonly string[]): (path: string) => boolean {
  const tests = globs.map((raw) => {
    const glob = raw.replace(/^\.\//, '');
    if (glob.endsWith('/')) return picomatch(`${glob}**`, { dot: true });
    const exact = picomatch(glob, { dot: true });
    if (picomatch.scan(glob).isGlob) return exact;
    return (path: string) => exact(path) || path.startsWith(`${glob}/`);
  });
  return (path) => tests.some((t) => t(path));
}

/** The changed files that no `owns` glob covers, in the order given (pure). */
export function filesOutsideOwns(changed: readonly string[], owns: readonly string[]): string[] {
  const owned = matchPaths(owns);
  return changed.filter((f) => !owned(f));
}

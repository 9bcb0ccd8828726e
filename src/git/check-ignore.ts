import { gitRaw } from './git.js';

/**
 * The paths among `paths` (relative to `cwd`) that git ignores, by one `git check-ignore`; folders are
 * asked with a trailing slash (and answered with it), so folder-only patterns (`build/`) match. A
 * tracked file is never ignored.
 */
export async function ignoredAmong(cwd: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const r = await gitRaw(cwd, ['check-ignore', '--stdin', '-z'], paths.map((p) => `${p}\0`).join(''));
  return new Set(r.stdout.split('\0').filter(Boolean));
}

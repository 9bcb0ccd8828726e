import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { git, gitRaw } from '../git/git.js';

/** The branch a feature's work lives on. */
export function featureBranch(featureId: string): string {
  return `baton/${featureId}`;
}

/** Reads `.worktreeinclude` (one pattern a line, `#` comments) from the main checkout (empty when absent). */
export function readWorktreeInclude(root: string): string[] {
  const file = join(root, '.worktreeinclude');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Copies files that git does not carry into a new worktree (`.env`, local config): the config's
 * `copy` globs and the patterns of `.worktreeinclude`. Returns the paths copied.
 */
export async function copyIntoWorktree(
  root: string,
  worktree: string,
  patterns: readonly string[],
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const literal = patterns.filter((p) => !picomatch.scan(p).isGlob);
  const globs = patterns.filter((p) => picomatch.scan(p).isGlob);
  const candidates = new Set<string>(literal.map((p) => p.replace(/^\.\//, '').replace(/\/$/, '')));
  if (globs.length > 0) {
    const isMatch = picomatch(globs, { dot: true });
    const out = await gitRaw(root, [
      'ls-files',
      '-z',
      '--others',
      '--cached',
      '--exclude-standard',
      '--ignored',
      '--directory',
    ]);
    const untracked = await gitRaw(root, ['ls-files', '-z', '--others', '--exclude-standard']);
    for (const f of [...out.stdout.split('\0'), ...untracked.stdout.split('\0')]) {
      const path = f.replace(/\/$/, '');
      if (path && isMatch(path)) candidates.add(path);
    }
  }
  const copied: string[] = [];
  for (const rel of [...candidates].sort()) {
    const from = join(root, rel);
    if (!existsSync(from) || rel.startsWith('.baton')) continue;
    const to = join(worktree, rel);
    if (existsSync(to)) continue; // tracked files arrive with the checkout; never overwrite
    cpSync(from, to, { recursive: statSync(from).isDirectory(), errorOnExist: false, force: false });
    copied.push(rel);
  }
  return copied;
}

/** Creates `path` on a new branch from `base`, making the parent folder as needed. */
export async function createFeatureWorktree(
  root: string,
  opts: { path: string; branch: string; base: string },
): Promise<void> {
  const parent = dirname(opts.path);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
  await git(root, ['worktree', 'add', '--quiet', '-b', opts.branch, opts.path, opts.base]);
}

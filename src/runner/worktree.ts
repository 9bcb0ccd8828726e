import { cpSync, type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { git } from '../git/git.js';

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
  const candidates = new Set<string>();
  for (const pattern of patterns) {
    const clean = pattern.replace(/^\.\//, '').replace(/\/$/, '');
    const scan = picomatch.scan(clean);
    if (!scan.isGlob) {
      candidates.add(clean);
      continue;
    }
    // Walk only below the glob's literal base, so `local/*.json` never scans node_modules.
    const isMatch = picomatch(clean, { dot: true });
    for (const rel of walkFiles(root, scan.base)) if (isMatch(rel)) candidates.add(rel);
  }
  const copied: string[] = [];
  for (const rel of [...candidates].sort()) {
    const from = join(root, rel);
    if (!existsSync(from) || rel === '.baton' || rel.startsWith('.baton/')) continue;
    const to = join(worktree, rel);
    if (existsSync(to)) continue; // tracked files arrive with the checkout; never overwrite
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { recursive: statSync(from).isDirectory(), errorOnExist: false, force: false });
    copied.push(rel);
  }
  return copied;
}

/** Files below `base` (relative to `root`), skipping `.git`, `.baton` and `node_modules` unless named in the base. */
function walkFiles(root: string, base: string): string[] {
  const out: string[] = [];
  const skip = new Set(['.git', '.baton', 'node_modules']);
  const visit = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!skip.has(e.name)) visit(child);
      } else out.push(child);
    }
  };
  visit(base);
  return out;
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

/**
 * What a new feature worktree holds at a relative path, for the checks that judge a path the way the
 * run will meet it (a command agent's `./agent.sh`, Claude's `--settings .claude/x.json`): the run
 * starts in the worktree, where git put the base's tracked files and `copy` / `.worktreeinclude`
 * brought some others. What else sits in the main checkout (untracked, ignored) is not there, so a
 * check run from the main checkout would pass what every feature then fails on.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gitRaw } from '../git/git.js';
import { isStatePath } from '../log/paths.js';
import { copyPatternNames, readWorktreeInclude } from './worktree.js';

/**
 * `tracked`: committed at the base; `copied`: brought by a copy pattern; `absent`: only in the main
 * checkout, if anywhere; `outside`: the path leads out of the repository (it names another place from
 * a worktree); `not-executable`: committed, but without the executable bit a program needs (asked for).
 */
export type WorktreeHas = 'tracked' | 'copied' | 'absent' | 'outside' | 'not-executable';

/** What the run's worktrees are made from: the base (HEAD when unset) and the config's `copy`. */
export interface WorktreeSource {
  base: string | undefined;
  copy: readonly string[];
}

/** Whether a new worktree will hold `path` (relative to the repository root), and why. */
export async function newWorktreeHas(
  root: string,
  path: string,
  source: WorktreeSource,
  asProgram = false,
): Promise<WorktreeHas> {
  const rel = relative(root, resolve(root, path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return 'outside';
  const posix = rel.split(sep).join('/');
  const mode = await trackedModeAt(root, source.base ?? 'HEAD', posix);
  // git records 100755 for an executable file and 120000 for a link (its target decides).
  if (mode !== undefined) return asProgram && mode === '100644' ? 'not-executable' : 'tracked';
  return existsSync(join(root, rel)) && copiedIn(root, posix, source.copy) ? 'copied' : 'absent';
}

/** The mode of `path` when it is a file (or a link) in the tree of `ref`, else undefined. */
async function trackedModeAt(root: string, ref: string, path: string): Promise<string | undefined> {
  const r = await gitRaw(root, ['ls-tree', '-z', ref, '--', path]).catch(() => undefined);
  if (r?.exitCode !== 0) return undefined;
  for (const entry of r.stdout.split('\0')) {
    const [meta, name] = entry.split('\t');
    const [mode, kind] = meta?.split(' ') ?? [];
    if (name === path && kind === 'blob') return mode;
  }
  return undefined;
}

/**
 * Whether a copy pattern (the config's or `.worktreeinclude`'s) brings `path`, as `copyIntoWorktree`
 * reads them: a plain path copies that file or that whole folder, a glob the files it matches.
 */
function copiedIn(root: string, path: string, copy: readonly string[]): boolean {
  if (isStatePath(path)) return false;
  let include: string[] = [];
  try {
    include = readWorktreeInclude(root);
  } catch {
    // A refused pattern stops the run itself, with its own message.
  }
  return [...copy, ...include].some((pattern) => copyPatternNames(pattern, path));
}

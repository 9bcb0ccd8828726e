/**
 * Changes `git status` does not show: files the user marked `--skip-worktree` or `--assume-unchanged`
 * (a common way to keep local-only edits) are left out of it, and `git worktree remove` deletes them
 * without a word. `baton clean` counts them as uncommitted work.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gitRaw } from '../git/git.js';

/**
 * The paths of `worktree` marked skip-worktree (`S`) or assume-unchanged (a lowercase tag) whose file
 * there differs from the index (git's filters applied); a marked file absent from the folder (a sparse
 * checkout's) is no change. Empty when git cannot say.
 */
export async function hiddenChanges(worktree: string): Promise<string[]> {
  const listed = await gitRaw(worktree, ['ls-files', '-v', '-z']);
  if (listed.exitCode !== 0) return [];
  const marked = listed.stdout
    .split('\0')
    .filter((e) => e.length > 2 && (e[0] === 'S' || /[a-z]/.test(e[0] ?? '')))
    .map((e) => e.slice(2))
    .filter((p) => existsSync(join(worktree, p)));
  if (marked.length === 0) return [];
  const staged = await gitRaw(worktree, [
    'ls-files',
    '-s',
    '-z',
    '--',
    ...marked.map((p) => `:(literal)${p}`),
  ]);
  if (staged.exitCode !== 0) return [];
  const indexed = new Map<string, string>();
  for (const e of staged.stdout.split('\0')) {
    // `<mode> <object> <stage>\t<path>`
    const m = /^\d+ ([0-9a-f]+) \d\t(.*)$/s.exec(e);
    if (m?.[1] && m[2] !== undefined) indexed.set(m[2], m[1]);
  }
  // `--stdin-paths` reads one path a line: a name holding a newline is compared no further.
  const paths = marked.filter((p) => indexed.has(p) && !p.includes('\n'));
  if (paths.length === 0) return [];
  // One process hashes them all, each with the filters its path gets (line endings, clean filters).
  const hashed = await gitRaw(worktree, ['hash-object', '--stdin-paths'], `${paths.join('\n')}\n`);
  if (hashed.exitCode !== 0) return [];
  const now = hashed.stdout.trim().split('\n');
  return paths.filter((p, i) => now[i] !== indexed.get(p));
}

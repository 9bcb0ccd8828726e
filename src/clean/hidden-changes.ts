/**
 * Changes `git status` does not show: files the user marked `--skip-worktree` or `--assume-unchanged`
 * (a common way to keep local-only edits) are left out of it, and `git worktree remove` deletes them
 * without a word. `baton clean` counts them as uncommitted work.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gitRaw } from '../git/git.js';

/**
 * The paths of `worktree` marked skip-worktree (`S`) or assume-unchanged (a lowercase tag) that differ
 * from the index: a file by its content (git's filters applied), a symbolic link by its target; a
 * marked path absent from the folder (a sparse checkout's) is no change, a submodule is not looked
 * into. When git cannot say, every marked path counts as changed: clean keeps the worktree.
 */
export async function hiddenChanges(worktree: string): Promise<string[]> {
  const listed = await gitRaw(worktree, ['ls-files', '-v', '-z']);
  if (listed.exitCode !== 0) return [];
  const marked = listed.stdout
    .split('\0')
    .filter((e) => e.length > 2 && (e[0] === 'S' || /[a-z]/.test(e[0] ?? '')))
    .map((e) => e.slice(2))
    .filter((p) => statOf(join(worktree, p)) !== undefined);
  if (marked.length === 0) return [];
  const staged = await gitRaw(worktree, [
    'ls-files',
    '-s',
    '-z',
    '--',
    ...marked.map((p) => `:(literal)${p}`),
  ]);
  if (staged.exitCode !== 0) return marked;
  const indexed = new Map<string, { mode: string; object: string }>();
  for (const e of staged.stdout.split('\0')) {
    // `<mode> <object> <stage>\t<path>`
    const m = /^(\d+) ([0-9a-f]+) \d\t(.*)$/s.exec(e);
    if (m?.[1] && m[2] && m[3] !== undefined) indexed.set(m[3], { mode: m[1], object: m[2] });
  }
  const changed: string[] = [];
  const files: string[] = [];
  for (const p of marked) {
    const entry = indexed.get(p);
    if (entry === undefined || entry.mode === '160000') continue;
    const st = statOf(join(worktree, p));
    if (st === undefined || st === 'unreadable') changed.push(p);
    else if (entry.mode === '120000' || st.isSymbolicLink()) {
      // A link's blob is its target's text, hashed as git does (sha1 or sha256, by the index's ids).
      if (!st.isSymbolicLink() || linkObject(join(worktree, p), entry.object.length) !== entry.object)
        changed.push(p);
    } else if (!st.isFile()) changed.push(p);
    // `--stdin-paths` reads one path a line: a name holding a newline counts as changed.
    else if (p.includes('\n')) changed.push(p);
    else files.push(p);
  }
  if (files.length === 0) return changed;
  // One process hashes them all, each with the filters its path gets (line endings, clean filters).
  const hashed = await gitRaw(worktree, ['hash-object', '--stdin-paths'], `${files.join('\n')}\n`);
  if (hashed.exitCode !== 0) return [...changed, ...files];
  const now = hashed.stdout.trim().split('\n');
  return [...changed, ...files.filter((p, i) => now[i] !== indexed.get(p)?.object)];
}

/**
 * A path's lstat; undefined when nothing is there (no change: a sparse checkout's absent file),
 * `unreadable` when it cannot be told (a folder on the way became a file: counted as changed).
 */
function statOf(path: string): ReturnType<typeof lstatSync> | 'unreadable' | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'unreadable';
  }
}

/** The id git gives a symbolic link's blob (its target's text), in the repository's hash. */
function linkObject(path: string, idLength: number): string {
  const target = Buffer.from(readlinkSync(path));
  const hash = createHash(idLength === 64 ? 'sha256' : 'sha1');
  hash.update(`blob ${target.length}\0`);
  hash.update(target);
  return hash.digest('hex');
}

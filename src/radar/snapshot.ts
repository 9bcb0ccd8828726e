import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { git, gitRaw } from '../git/git.js';
import { makeStateFolder, writeStateFile } from '../state-write.js';

/** What one feature's worktree holds right now, without touching its index or files. */
export interface WorktreeSnapshot {
  /** Paths changed since the fork point: committed, staged, unstaged and untracked (ignored files excluded). */
  paths: string[];
  /** A commit (no ref points at it) of the worktree as it is, on the fork point; made on first use. */
  commit(): Promise<string>;
}

/** A fixed author and date: the same tree on the same fork point is the same commit, so idle scans add no objects. */
const SNAPSHOT_ENV = {
  GIT_AUTHOR_NAME: 'Baton radar',
  GIT_AUTHOR_EMAIL: 'baton@localhost',
  GIT_AUTHOR_DATE: '@0 +0000',
  GIT_COMMITTER_NAME: 'Baton radar',
  GIT_COMMITTER_EMAIL: 'baton@localhost',
  GIT_COMMITTER_DATE: '@0 +0000',
  GIT_LITERAL_PATHSPECS: '1',
};

/** Past this many changed paths a full `add -A` is cheaper than naming them. */
const MAX_NAMED_PATHS = 1000;

/** The agent's index file of a worktree (`.git/worktrees/<name>/index`). */
export async function indexPathOf(worktree: string): Promise<string> {
  return resolve(worktree, await git(worktree, ['rev-parse', '--git-path', 'index']));
}

/**
 * Snapshots a worktree through a scratch copy of its index: `git add -A` and `diff-index` run against
 * the copy (so the agent's own index, lock and files are never written), and the copied stat data
 * means only files changed since the agent's last git call are hashed again. With `only`, just those
 * paths (from the watch) are re-added, which spares git a walk of the whole worktree.
 */
export async function snapshotWorktree(opts: {
  worktree: string;
  forkPoint: string;
  scratchIndex: string;
  indexPath: string;
  only?: ReadonlySet<string>;
  /** Skip listing the touched paths (the caller knows them and wants only `commit()`). */
  commitOnly?: boolean;
}): Promise<WorktreeSnapshot> {
  const { worktree, forkPoint, scratchIndex } = opts;
  // The scratch index lies in `.baton/radar/`: that folder and the file are never followed when links.
  const state = dirname(dirname(scratchIndex));
  makeStateFolder(state, dirname(scratchIndex));
  const env = { ...SNAPSHOT_ENV, GIT_INDEX_FILE: scratchIndex };
  // The agent's git writes its index by renaming a finished lock file over it, so a copy is never torn.
  if (existsSync(opts.indexPath)) writeStateFile(state, scratchIndex, readFileSync(opts.indexPath));
  else await git(worktree, ['read-tree', 'HEAD'], undefined, env);
  const only = opts.only && opts.only.size <= MAX_NAMED_PATHS ? [...opts.only] : undefined;
  if (!only) await addAll(worktree, ['.'], env);
  else if (only.length > 0) {
    const present = only.filter((p) => exists(join(worktree, p)));
    const gone = only.filter((p) => !present.includes(p));
    // A deleted path is named only when the index has it (or files below it): naming an unknown one is fatal to git add.
    const known = gone.length > 0 ? await indexedAmong(worktree, gone, env) : [];
    if (present.length + known.length > 0) await addAll(worktree, [...present, ...known], env);
  }
  const diff = opts.commitOnly
    ? ''
    : await git(
        worktree,
        ['diff-index', '--cached', '--name-only', '--no-renames', '-z', forkPoint],
        undefined,
        env,
      );
  let made: Promise<string> | undefined;
  return {
    paths: diff.split('\0').filter(Boolean),
    commit: () => {
      made ??= git(worktree, ['write-tree'], undefined, env).then((tree) =>
        git(worktree, ['commit-tree', tree, '-p', forkPoint, '-m', 'baton radar snapshot'], undefined, env),
      );
      return made;
    },
  };
}

async function addAll(worktree: string, paths: string[], env: Record<string, string>): Promise<void> {
  const r = await gitRaw(worktree, ['add', '-A', '--ignore-errors', '--', ...paths], undefined, env);
  // Exit 1 with "ignored by one of your .gitignore files" means the other paths were added.
  if (r.exitCode !== 0 && !/error: |ignored by one of your \.gitignore files/.test(r.stderr)) {
    throw new Error(`git add -A on a scratch index failed in ${worktree}: ${r.stderr.trim()}`);
  }
}

/** The paths among `paths` that the scratch index has an entry at or below. */
async function indexedAmong(
  worktree: string,
  paths: string[],
  env: Record<string, string>,
): Promise<string[]> {
  const listed = (await git(worktree, ['ls-files', '--cached', '-z', '--', ...paths], undefined, env))
    .split('\0')
    .filter(Boolean);
  return paths.filter((p) => listed.some((f) => f === p || f.startsWith(`${p}/`)));
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A path's blob in a commit: what the radar compares a working file against. */
export interface ForkEntry {
  mode: string;
  oid: string;
}

/** Every file of a commit with its mode and blob id, by one `ls-tree` (cached per fork point by the radar). */
export async function listCommitFiles(cwd: string, commit: string): Promise<Map<string, ForkEntry>> {
  const out = await git(cwd, ['ls-tree', '-r', '-z', '--full-tree', commit]);
  const files = new Map<string, ForkEntry>();
  for (const line of out.split('\0')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [mode, , oid] = line.slice(0, tab).split(' ');
    if (mode && oid) files.set(line.slice(tab + 1), { mode, oid });
  }
  return files;
}

/**
 * The blob id git would give a working file (`git hash-object`), computed here so that a scan of a
 * few changed files costs no git process. A symlink hashes its target, as git stores it. Files
 * under clean/smudge filters or eol conversion may hash differently from git's; they then count as
 * touched whenever they were written, which errs on the side of reporting.
 */
export function workingBlobId(path: string, algorithm: 'sha1' | 'sha256' = 'sha1'): ForkEntry | undefined {
  let st: import('node:fs').Stats;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) return undefined;
  const content = st.isSymbolicLink() ? Buffer.from(readlinkSync(path)) : readFileSync(path);
  const hash = createHash(algorithm);
  hash.update(`blob ${content.length}\0`);
  hash.update(content);
  const mode = st.isSymbolicLink() ? '120000' : st.mode & 0o111 ? '100755' : '100644';
  return { mode, oid: hash.digest('hex') };
}
